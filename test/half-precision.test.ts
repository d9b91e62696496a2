// float16 and bfloat16 across the tensor API and modules, against PyTorch's own rounding and
// arithmetic (test/python/half_check.py), and in safetensors files that Python's package reads.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchError, manualSeed, models, nn, noGrad, ones, randn, tensor, Trainer, zeros } from '../lib';
import { pythonWith, runPython } from './helpers/python';
import { withTool } from './helpers/common';

const python = pythonWith(['torch']);
if (!python) console.warn('half-precision: the PyTorch goldens are SKIPPED: no Python with torch; CI installs one');
const withPython = withTool('Python with torch', python).test;
const pythonSafetensors = pythonWith(['torch', 'safetensors']);

// values with more mantissa than float16 or bfloat16 keep, and beyond float16's range
const spec = {
  values: [1, 1 / 3, -2.71828, 1e-3, 70000, 6e-8],
  weight: [
    [0.1, -0.2, 0.3],
    [1 / 7, 2 / 7, -3 / 7],
  ],
  bias: [0.05, -0.01],
  input: [
    [1, 2, 3],
    [-0.5, 0.25, 4],
  ],
};

describe('float16 and bfloat16', () => {
  let dir: string;
  let golden: Record<'float16' | 'bfloat16', { rounded: number[]; sum: number; softmax?: number[]; linear?: number[][] }>;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-half-'));
    if (!python) return;
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify(spec));
    golden = JSON.parse(runPython(python, 'half_check.py', [file]));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  withPython('tensor(), half(), bfloat16() and to() round as PyTorch does; data() widens to a Float32Array', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const made = tensor(spec.values, { dtype });
      const converted = tensor(spec.values, { dtype: 'float64' }).to(dtype);
      const method = dtype === 'float16' ? tensor(spec.values).half() : tensor(spec.values).bfloat16();
      for (const t of [made, converted, method]) {
        expect(t.dtype).toBe(dtype);
        expect(t.data().constructor.name).toBe('Float32Array');
        expect(t.toArray()).toEqual(golden[dtype].rounded);
      }
    }
    // 70000 is beyond float16's largest value (65504): infinity, as in PyTorch
    expect(golden.float16.rounded[4]).toBe(Infinity);
    expect(tensor([0.1], { dtype: 'bfloat16' }).item()).toBe(0.10009765625);
  });

  withPython('sum (both) and softmax (bfloat16: LibTorch 1.13 has no CPU float16 softmax) in the 16-bit dtype match PyTorch', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const finite = tensor(
        golden[dtype].rounded.map((v) => (Number.isFinite(v) ? v : 0)),
        { dtype },
      );
      const sum = finite.sum();
      expect([sum.dtype, sum.item()]).toEqual([dtype, golden[dtype].sum]);
      if (dtype === 'float16') continue;
      const soft = finite.softmax(0);
      expect(soft.dtype).toBe(dtype);
      expect(soft.toArray()).toEqual(golden[dtype].softmax);
    }
  });

  test('creation functions and the op table take the 16-bit dtypes', () => {
    expect(zeros([2], { dtype: 'float16' }).dtype).toBe('float16');
    expect(ones([2, 2], { dtype: 'bfloat16' }).toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    manualSeed(1);
    const r = randn([1000], { dtype: 'bfloat16' });
    expect(r.dtype).toBe('bfloat16');
    expect(Math.abs(r.float().mean().item())).toBeLessThan(0.15);
    expect(tensor([1, 2]).half().mean().item()).toBe(1.5);
  });

  test('a kernel LibTorch lacks for float16 on the CPU is a TorchError that says what to use', () => {
    // LibTorch 1.13 has no float16 matrix product on the CPU; 2.x has one: either way, no silent wrong value
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float16' },
    );
    let product: number[][] | undefined;
    try {
      product = a.matmul(a).toArray() as number[][];
    } catch (e) {
      expect(e).toBeInstanceOf(TorchError);
      expect((e as Error).message).toMatch(
        /not implemented for 'Half' \(float16 is for GPUs: this LibTorch lacks that CPU kernel; on the CPU use bfloat16 or float32\)/,
      );
    }
    if (product)
      expect(product).toEqual([
        [7, 10],
        [15, 22],
      ]);
  });

  withPython("a module converted to bfloat16 computes as PyTorch's module.to(torch.bfloat16)", () => {
    const linear = new nn.Linear(3, 2);
    noGrad(() => {
      linear.weight!.copy_(tensor(spec.weight, { dtype: 'float64' }));
      linear.bias!.copy_(tensor(spec.bias, { dtype: 'float64' }));
    });
    expect(linear.bfloat16().dtype).toBe('bfloat16');
    expect(linear.weight!.dtype).toBe('bfloat16');
    const out = linear.forward(tensor(spec.input, { dtype: 'float64' }).bfloat16());
    expect(out.dtype).toBe('bfloat16');
    expect(out.toArray()).toEqual(golden.bfloat16.linear);
    expect(linear.float().forward(tensor(spec.input)).dtype).toBe('float32');
  });

  test('the Trainer trains a bfloat16 model', async () => {
    manualSeed(3);
    const model = models.mnistModel('linear').bfloat16();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 8,
      optimizer: { method: 'sgd', config: { learningRate: 0.1 } },
    });
    const inputs = randn([64, 1, 32, 32]);
    const targets = tensor(
      Array.from({ length: 64 }, (_, i) => i % 4),
      { dtype: 'int64' },
    );
    const first = await trainer.trainEpoch({ inputs, targets });
    let last = first;
    for (let k = 0; k < 4; k++) last = await trainer.trainEpoch({ inputs, targets });
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(last.loss).toBeLessThan(first.loss);
    expect(model.dtype).toBe('bfloat16');
  });

  withTool('Python with torch and safetensors', pythonSafetensors).test(
    "saveSafetensors writes F16 and BF16 tensors that Python's safetensors reads bit for bit",
    () => {
      const model = new nn.Sequential(new nn.Linear(3, 2));
      noGrad(() => model.modules[0].weight!.copy_(tensor(spec.weight, { dtype: 'float64' })));
      const file = path.join(dir, 'bf16.safetensors');
      nn.saveSafetensors(model.bfloat16(), file);
      const weight = model.modules[0].weight!;
      const read = JSON.parse(runPython(pythonSafetensors!, 'safetensors_check.py', ['read', file]));
      expect(read.tensors['0.weight'].dtype).toBe('bfloat16');
      expect(read.tensors['0.weight'].values).toEqual(Array.from(weight.data() as Float32Array));
      const again = new nn.Sequential(new nn.Linear(3, 2)).half();
      nn.loadSafetensors(again, file);
      const file16 = path.join(dir, 'f16.safetensors');
      nn.saveSafetensors(again, file16);
      const read16 = JSON.parse(runPython(pythonSafetensors!, 'safetensors_check.py', ['read', file16]));
      expect(read16.tensors['0.weight'].dtype).toBe('float16');
      expect(read16.tensors['0.weight'].values).toEqual(Array.from(again.modules[0].weight!.data() as Float32Array));
    },
  );
});
