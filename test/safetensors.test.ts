// safetensors both ways, proven by Python's safetensors package (test/python/safetensors_check.py):
// it reads what nn.saveSafetensors wrote with the same names, dtypes and values, and nodetorch loads
// what safetensors.torch.save_file wrote (float16 and bfloat16 included). Damaged files are errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchError, manualSeed, models, nn, tensor } from '../lib';
import { pythonWith, runPython } from './helpers/python';
import { withTool } from './helpers/common';

const python = pythonWith(['torch', 'safetensors']);
if (!python)
  console.warn(
    "safetensors: the checks by Python's safetensors are SKIPPED: no Python with torch and safetensors (scripts/torch-venv.sh DIR SPEC safetensors); CI installs one",
  );
const withPython = withTool('Python with torch and safetensors', python).test;

describe('nn.saveSafetensors and nn.loadSafetensors', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-safetensors-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const bnNet = () =>
    new nn.Sequential(
      new nn.SpatialConvolution(1, 4, 3, 3),
      new nn.SpatialBatchNormalization(4),
      new nn.ReLU(),
      new nn.View(4 * 6 * 6),
      new nn.Linear(144, 3),
    );

  withPython("Python's safetensors reads the file: every name, dtype, shape and value, and the metadata", () => {
    manualSeed(2);
    const model = bnNet().float();
    model.forward(tensor(new Float32Array(2 * 64).map((_, i) => Math.sin(i))).view(2, 1, 8, 8));
    const file = path.join(dir, 'model.safetensors');
    nn.saveSafetensors(model, file, { format: 'pt', epoch: '3' });
    const read = JSON.parse(runPython(python!, 'safetensors_check.py', ['read', file]));
    expect(read.metadata).toEqual({ format: 'pt', epoch: '3' });
    const state = nn.stateDict(model);
    expect(Object.keys(read.tensors).sort()).toEqual([...state.keys()].sort());
    for (const [name, t] of state) {
      const r = read.tensors[name];
      expect([r.dtype, r.shape]).toEqual([t.dtype === 'int64' ? 'int64' : 'float32', t.shape]);
      expect(r.values).toEqual(Array.from(t.data() as ArrayLike<number | bigint>, Number));
    }
  });

  withPython(
    "nodetorch loads what safetensors.torch.save_file wrote, converting float16, bfloat16 and float64 to the model's dtype",
    () => {
      const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNormalization(2)).double();
      const spec = {
        '0.weight': { dtype: 'float16', shape: [2, 3], values: [0.5, -1.25, 2, 0.1, 3, -0.75] },
        '0.bias': { dtype: 'bfloat16', shape: [2], values: [1.5, -0.3125] },
        '1.weight': { dtype: 'float64', shape: [2], values: [0.3, 0.7] },
        '1.bias': { dtype: 'float32', shape: [2], values: [0.25, -0.5] },
        '1.running_mean': { dtype: 'float32', shape: [2], values: [1, 2] },
        '1.running_var': { dtype: 'float64', shape: [2], values: [3, 4] },
        '1.num_batches_tracked': { dtype: 'int64', shape: [], values: 7 },
      };
      fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
      const file = path.join(dir, 'python.safetensors');
      runPython(python!, 'safetensors_check.py', ['write', file, path.join(dir, 'spec.json')]);
      expect(nn.loadSafetensors(model, file)).toEqual({ by: 'python' });
      const state = nn.stateDict(model);
      // 0.1 in float16 is 0.0999755859375
      expect(state.get('0.weight')!.toArray()).toEqual([
        [0.5, -1.25, 2],
        [0.0999755859375, 3, -0.75],
      ]);
      expect(state.get('0.bias')!.toArray()).toEqual([1.5, -0.3125]);
      expect(state.get('1.weight')!.toArray()).toEqual([0.3, 0.7]);
      expect(state.get('1.running_var')!.toArray()).toEqual([3, 4]);
      expect(state.get('1.num_batches_tracked')!.item()).toBe(7);
    },
  );

  test('a round trip keeps every value and the outputs', () => {
    manualSeed(4);
    const a = models.mnistModel('convnet');
    const b = models.mnistModel('convnet');
    const file = path.join(dir, 'convnet.safetensors');
    nn.saveSafetensors(a, file);
    nn.loadSafetensors(b, file);
    const x = tensor(new Float64Array(2 * 1024).map((_, i) => Math.cos(i))).view(2, 1, 32, 32);
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  test('damaged files and mismatches are TorchErrors, and the model is left unchanged', () => {
    const model = new nn.Linear(2, 2).double();
    const file = path.join(dir, 'linear.safetensors');
    nn.saveSafetensors(model, file);
    const good = fs.readFileSync(file);
    const before = model.weight!.toArray();
    const write = (bytes: Buffer) => (fs.writeFileSync(path.join(dir, 'bad.safetensors'), bytes), path.join(dir, 'bad.safetensors'));
    const header = (json: object, data = Buffer.alloc(0)) => {
      const text = Buffer.from(JSON.stringify(json));
      const n = Buffer.alloc(8);
      n.writeBigUInt64LE(BigInt(text.length));
      return Buffer.concat([n, text, data]);
    };
    expect(() => nn.loadSafetensors(model, write(good.subarray(0, 5)))).toThrow(/fewer than the 8 of the header's length/);
    expect(() => nn.loadSafetensors(model, write(good.subarray(0, good.length - 8)))).toThrow(/data_offsets|cover/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(1n << 40n);
    expect(() => nn.loadSafetensors(model, write(huge))).toThrow(/header length is 1099511627776, beyond the file/);
    expect(() =>
      nn.loadSafetensors(
        model,
        write(
          header(
            { weight: { dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] }, bias: { dtype: 'F64', shape: [2], data_offsets: [16, 32] } },
            Buffer.alloc(32),
          ),
        ),
      ),
    ).toThrow(/ranges overlap or leave a gap/);
    const twice = Buffer.from(
      '{"weight":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"weight":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}',
    );
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(twice.length));
    expect(() => nn.loadSafetensors(model, write(Buffer.concat([n, twice, Buffer.alloc(16)])))).toThrow(/names 'weight' twice/);
    expect(() =>
      nn.loadSafetensors(model, write(header({ weight: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8)))),
    ).toThrow(/dtype "C64"/);
    expect(() =>
      nn.loadSafetensors(model, write(header({ weight: { dtype: 'F64', shape: [3], data_offsets: [0, 16] } }, Buffer.alloc(16)))),
    ).toThrow(/needs 24 bytes but its data_offsets span 16/);
    expect(() => nn.loadSafetensors(new nn.Linear(3, 2), file)).toThrow(/'weight' has shape \[2, 2\] in '.*' but \[2, 3\] in the model/);
    expect(() => nn.loadSafetensors(new nn.Sequential(new nn.Linear(2, 2)), file)).toThrow(
      /does not match this model: missing 0\.weight, 0\.bias; unexpected weight, bias/,
    );
    expect(() => nn.saveSafetensors(model, path.join(dir, 'm.safetensors'), { n: 1 } as never)).toThrow(
      /metadata must be an object of strings/,
    );
    expect(model.weight!.toArray()).toEqual(before);
    expect(() => nn.loadSafetensors(model, path.join(dir, 'missing.safetensors'))).toThrow(TorchError);
  });
});
