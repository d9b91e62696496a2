// PyTorch state dicts, proven by Python's torch: it loads nodetorch's file into the equivalent
// torch.nn.Sequential and gets the same outputs; nodetorch loads the file Python's torch.save wrote
// and gets Python's outputs. The Python side is test/python/state_dict_check.py.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pythonWithTorch } from './helpers/python';
import { Tensor, TorchError, manualSeed, models, nn, randn, tensor } from '../lib';
import { CHILD_TIMEOUT_MS, withTool } from './helpers/common';

const python = pythonWithTorch();
const script = path.join(__dirname, 'python', 'state_dict_check.py');
if (!python) console.warn('pytorch-state-dict: SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');
const describeWithPython = withTool('Python with torch', python).describe;

const MODELS: [string, () => nn.Sequential][] = [
  ['the default convnet (L2 pooling, subtractive normalisation)', () => models.mnistModel('convnet')],
  ['the max-pooling convnet', () => models.mnistModel('convnet', { pooling: 'max' })],
  ['linear', () => models.mnistModel('linear')],
  ['mlp', () => models.mnistModel('mlp')],
];

describeWithPython('PyTorch state dicts, checked by Python torch', () => {
  let dir: string;
  let input: Tensor;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-statedict-'));
    manualSeed(11);
    input = randn([3, 1, 32, 32], { dtype: 'float64' });
    fs.writeFileSync(path.join(dir, 'input.json'), JSON.stringify(input.toArray()));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs the Python side; returns its outputs and torch version. */
  function runPython(mode: 'load' | 'save', model: nn.Sequential, file: string): { output: number[][]; torch: string } {
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(model.modules.map((m) => ({ type: m.type, args: m.args }))));
    const r = spawnSync(
      python!,
      [script, mode, path.join(dir, 'spec.json'), file, path.join(dir, 'input.json'), path.join(dir, 'output.json')],
      { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`python failed:\n${r.stderr}`);
    return JSON.parse(fs.readFileSync(path.join(dir, 'output.json'), 'utf8'));
  }

  function maxDifference(a: number[][], b: number[][]): number {
    return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
  }

  test.each(MODELS)("Python loads nodetorch's state dict of %s and gets the same outputs (float64, ≤ 1e-12)", (_name, make) => {
    manualSeed(5);
    const model = make();
    const file = path.join(dir, 'nodetorch.pt');
    nn.saveStateDict(model, file);
    const ours = model.forward(input).toArray() as number[][];
    const theirs = runPython('load', model, file);
    const difference = maxDifference(ours, theirs.output);
    console.log(`nodetorch → PyTorch ${theirs.torch}, ${_name}: largest output difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(1e-12);
  });

  test.each(MODELS)('nodetorch loads the state dict Python saved for %s and gets its outputs (float64, ≤ 1e-12)', (_name, make) => {
    const model = make();
    const file = path.join(dir, 'python.pt');
    const theirs = runPython('save', model, file);
    const before = model.forward(input).toArray() as number[][];
    nn.loadStateDict(model, file);
    const ours = model.forward(input).toArray() as number[][];
    const difference = maxDifference(ours, theirs.output);
    console.log(`PyTorch ${theirs.torch} → nodetorch, ${_name}: largest output difference ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(1e-12);
    expect(maxDifference(before, theirs.output)).toBeGreaterThan(1e-3); // the weights did change
  });

  test('a float32 model takes float64 values from the file, converted', () => {
    const model = models.mnistModel('mlp');
    const file = path.join(dir, 'python-mlp.pt');
    const theirs = runPython('save', model, file);
    const float = models.mnistModel('mlp').float();
    nn.loadStateDict(float, file);
    const ours = float.forward(input.float()).toArray() as number[][];
    expect(maxDifference(ours, theirs.output)).toBeLessThan(1e-4);
  });

  test("Python's OrderedDict from model.state_dict() is an error that says how to save instead", () => {
    const file = path.join(dir, 'ordered.pt');
    const r = spawnSync(python!, ['-c', `import torch; torch.save(torch.nn.Linear(3, 2).double().state_dict(), ${JSON.stringify(file)})`], {
      timeout: CHILD_TIMEOUT_MS,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(() => nn.loadStateDict(new nn.Linear(3, 2), file)).toThrow(
      /holds a collections\.OrderedDict .*torch\.save\(dict\(model\.state_dict\(\)\)/,
    );
  });
});

describe('state dict names and errors (no Python needed)', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-statedict-errors-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("names are the equivalent torch.nn.Sequential's: 0-based positions, weight then bias", () => {
    const names = [...nn.stateDict(models.mnistModel('convnet')).keys()];
    expect(names).toEqual(['0.weight', '0.bias', '4.weight', '4.bias', '9.weight', '9.bias', '11.weight', '11.bias']);
    const nested = new nn.Sequential().add(new nn.Linear(2, 3)).add(new nn.Sequential().add(new nn.Tanh()).add(new nn.Linear(3, 1)));
    expect([...nn.stateDict(nested).keys()]).toEqual(['0.weight', '0.bias', '1.1.weight', '1.1.bias']);
    expect([...nn.stateDict(new nn.Linear(2, 3)).keys()]).toEqual(['weight', 'bias']);
  });

  test('a round trip restores every value; a mismatch changes nothing and names what differs', () => {
    manualSeed(1);
    const a = models.mnistModel('mlp');
    const file = path.join(dir, 'mlp.pt');
    nn.saveStateDict(a, file);
    const b = models.mnistModel('mlp');
    nn.loadStateDict(b, file);
    expect(b.getParameters()[0].toArray()).toEqual(a.getParameters()[0].toArray());

    const linear = models.mnistModel('linear');
    const before = linear.getParameters()[0].toArray();
    expect(() => nn.loadStateDict(linear, file)).toThrow(
      /does not match this model: unexpected 3\.weight, 3\.bias \(the model's names: 1\.weight, 1\.bias\)/,
    );
    const wide = new nn.Sequential()
      .add(new nn.Reshape(1024))
      .add(new nn.Linear(1024, 256))
      .add(new nn.Tanh())
      .add(new nn.Linear(256, 10))
      .add(new nn.LogSoftMax());
    expect(() => nn.loadStateDict(wide, file)).toThrow(/'1\.weight' has shape \[512, 1024\] in '.*mlp\.pt' but \[256, 1024\] in the model/);
    expect(linear.getParameters()[0].toArray()).toEqual(before);

    const ints = path.join(dir, 'ints.pt');
    const l = new nn.Linear(2, 1);
    const w: Tensor = tensor([[1, 2]], { dtype: 'int64' });
    const sd = nn.stateDict(l);
    // a file whose weight is int64, written through the same LibTorch pickler
    fs.writeFileSync(
      ints,
      require('../lib/native')
        .native()
        .encodeStateDict(['weight', 'bias'], [w.handle, sd.get('bias')!.handle]),
    );
    expect(() => nn.loadStateDict(l, ints)).toThrow(
      /'weight' is int64 in '.*ints\.pt'; parameters and running statistics are floating \(float32, float64, float16 or bfloat16\)/,
    );
  });

  test('files that are not state dicts are TorchErrors naming the file', () => {
    const model = models.mnistModel('linear');
    expect(() => nn.loadStateDict(model, path.join(dir, 'missing.pt'))).toThrow(/cannot read '.*missing\.pt': ENOENT/);
    fs.writeFileSync(path.join(dir, 'junk.pt'), 'not a zip at all');
    expect(() => nn.loadStateDict(model, path.join(dir, 'junk.pt'))).toThrow(TorchError);
    expect(() => nn.loadStateDict(model, path.join(dir, 'junk.pt'))).toThrow(/loadStateDict: cannot read '.*junk\.pt'/);
    nn.save(path.join(dir, 'model.net'), model); // nodetorch's own format is not a state dict
    expect(() => nn.loadStateDict(model, path.join(dir, 'model.net'))).toThrow(/loadStateDict: cannot read '.*model\.net'/);
    expect(() => nn.saveStateDict(model, '')).toThrow(TorchError);
    expect(() => nn.saveStateDict(model, path.join(dir, 'no', 'such', 'folder', 'x.pt'))).toThrow(/cannot write/);
  });
});
