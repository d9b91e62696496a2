// Tables and the containers that make them (lib/nn/tables.ts, native/engine/nn_tables.cc), proven by
// PyTorch: each model's output and input gradient equal those of its PyTorch equivalent
// (test/python/table_check.py, the weights moved through the state dict, float64, ≤ 1e-10); and
// gradcheck, save/load, summary, the Trainer, and errors that name the module.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, nn, randn, tensor } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest, toJson } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
const linear = (a: number, b: number) => new nn.Linear(a, b);
/** A residual block as fb.resnet.torch wrote it: ConcatTable(body, Identity) → CAddTable → ReLU. */
const residual = (n: number) =>
  new nn.Sequential(
    new nn.ConcatTable(new nn.Sequential(linear(n, n), new nn.Tanh(), linear(n, n)), new nn.Identity()),
    new nn.CAddTable(),
    new nn.ReLU(),
  );

const MODELS: [string, () => nn.AnyModule, () => nn.Value][] = [
  ['a residual block (ConcatTable, Identity, CAddTable)', () => residual(5), () => x64([3, 5])],
  ['two residual blocks and a head', () => new nn.Sequential(residual(4), residual(4), linear(4, 2)), () => x64([6, 4])],
  [
    'ConcatTable → JoinTable(2) (a batch)',
    () => new nn.Sequential(new nn.ConcatTable(linear(4, 2), linear(4, 3)), new nn.JoinTable(2)),
    () => x64([3, 4]),
  ],
  [
    'JoinTable(1, 1): one sample, and a batch',
    () => new nn.Sequential(new nn.ConcatTable(linear(4, 2), linear(4, 3)), new nn.JoinTable(1, 1)),
    () => x64([2, 4]),
  ],
  [
    'SplitTable → ParallelTable → CMulTable',
    () => new nn.Sequential(new nn.SplitTable(2), new nn.ParallelTable(linear(3, 2), new nn.Tanh(), linear(3, 2)), new nn.SelectTable(1)),
    () => x64([4, 3, 3]),
  ],
  [
    'SplitTable → ParallelTable → two SelectTables → CMulTable',
    () =>
      new nn.Sequential(
        new nn.SplitTable(2),
        new nn.ParallelTable(linear(3, 2), new nn.Tanh(), linear(3, 2)),
        new nn.ConcatTable(new nn.SelectTable(1), new nn.SelectTable(3)),
        new nn.CMulTable(),
      ),
    () => x64([4, 3, 3]),
  ],
  [
    'ParallelTable on a table input → CMulTable',
    () => new nn.Sequential(new nn.ParallelTable(linear(3, 4), linear(2, 4)), new nn.CMulTable()),
    () => [x64([5, 3]), x64([5, 2])],
  ],
  ['Concat(2) of two branches', () => new nn.Concat(2, linear(4, 2), new nn.Sequential(linear(4, 3), new nn.Tanh())), () => x64([3, 4])],
  [
    'SelectTable(-1) of a nested table',
    () =>
      new nn.Sequential(
        new nn.ConcatTable(new nn.Identity(), new nn.ConcatTable(linear(3, 2), linear(3, 4))),
        new nn.SelectTable(-1),
        new nn.SelectTable(2),
      ),
    () => x64([2, 3]),
  ],
  [
    'Narrow(2, 2, -1) and Narrow(-1, 1, 2)',
    () => new nn.Sequential(linear(5, 6), new nn.Narrow(2, 2, -1), new nn.Narrow(-1, 1, 2)),
    () => x64([3, 5]),
  ],
];

/** Zeros in the nesting of `value` (an array of numbers or of arrays). */
const zerosLike = (value: unknown): unknown => (Array.isArray(value) ? value.map(zerosLike) : 0);

/** A gradOutput shaped like the output: a tensor, or a table of them. */
function like(value: nn.Value): nn.Value {
  return value instanceof Tensor ? x64(value.shape) : value.map(like);
}

const python = pythonWithTorch();
if (!python)
  console.warn('nn-tables: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('tables: outputs and input gradients equal PyTorch (float64, ≤ 1e-10)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tables-'));
  test.each(MODELS.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    manualSeed(20 + i);
    const [, make, input] = MODELS[i];
    const model = make().double();
    const x = input();
    const y = model.forward(x);
    const gradOutput = like(y);
    model.zeroGradParameters();
    const gradInput = model.backward(x, gradOutput);
    nn.saveStateDict(model as nn.Module, path.join(dir, 'state.pt'));
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(model.spec()));
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ input: toJson(x), gradOutput: toJson(gradOutput) }));
    const files = ['spec.json', 'state.pt', 'case.json', 'result.json'].map((f) => path.join(dir, f));
    runPython(python!, 'table_check.py', [...files]);
    const theirs = JSON.parse(fs.readFileSync(files[3], 'utf8'));
    expect(largest(toJson(y), theirs.output)).toBeLessThanOrEqual(1e-10);
    expect(largest(toJson(gradInput), theirs.gradInput)).toBeLessThanOrEqual(1e-10);
    // and every parameter's gradient (PyTorch leaves an unused branch's None: zeros here)
    const [, grads] = (model as nn.Module).parameters();
    const names = (model as nn.Module).namedParameters().map(([name]) => name);
    expect(names.length).toBeGreaterThan(0);
    names.forEach((name, k) => {
      const ours = grads[k].toArray();
      expect(largest(ours, theirs.gradParameters[name] ?? zerosLike(ours))).toBeLessThanOrEqual(1e-10);
    });
  });
});

describe('tables: gradcheck, save/load, summary, training, errors', () => {
  // every model whose input is a tensor (gradcheck perturbs one tensor)
  test.each(MODELS.filter(([, , input]) => input() instanceof Tensor).map(([name]) => [name] as const))('gradcheck: %s', (name) => {
    manualSeed(30);
    const [, make, input] = MODELS.find(([n]) => n === name)!;
    const r = nn.gradcheck(make().double() as nn.Module, input() as Tensor);
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test('a model of every table module saves and loads with the same outputs, and prints its tables', () => {
    manualSeed(31);
    const model = new nn.Sequential(
      residual(4),
      new nn.ConcatTable(linear(4, 2), linear(4, 3)),
      new nn.JoinTable(2),
      new nn.Narrow(2, 1, 4),
      new nn.SplitTable(2),
      new nn.ParallelTable(new nn.Tanh(), new nn.Tanh(), new nn.Identity(), new nn.Tanh()),
      new nn.CMulTable(),
    ).double();
    const x = x64([3, 4]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tables-')), 'model.net');
    nn.save(file, model);
    const loaded = nn.load(file);
    expect((loaded.forward(x) as Tensor).toArray()).toEqual((model.forward(x) as Tensor).toArray());
    expect(loaded.toString()).toBe(model.toString());
    const summary = model.summary([4]).toString();
    expect(summary).toMatch(/\n {2}nn\.ConcatTable +\{\[N, 2\], \[N, 3\]\} +25\n/);
    expect(summary).toMatch(/\n {2}nn\.SplitTable\(2, 0\) +\{\[N\], \[N\], \[N\], \[N\]\} +0\n/);
  });

  test('the Trainer trains a residual network natively (loss falls, every optimizer state sized right)', async () => {
    manualSeed(32);
    const model = new nn.Sequential(linear(2, 16), new nn.Tanh(), residual(16), residual(16), linear(16, 2), new nn.LogSoftMax()).double();
    // two interleaved spirals' worth of points: inside or outside the unit circle
    const inputs = x64([256, 2]);
    const targets = inputs.square().sum(1).gt(1).to('int64');
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 16,
      optimizer: { method: 'adam', config: { learningRate: 0.01 } },
    });
    const first = await trainer.trainEpoch({ inputs, targets });
    for (let k = 0; k < 15; k++) await trainer.trainEpoch({ inputs, targets });
    const last = await trainer.test({ inputs, targets });
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.accuracy).toBeGreaterThan(0.9);
  });

  test('tables where tensors are taken, and tensors where tables are, are TorchErrors naming the module', () => {
    const x = x64([3, 4]);
    expect(() => new nn.CAddTable().forward(x as never)).toThrow(
      /CAddTable takes a table \(a list of tensors\), not a tensor of shape \[3, 4\]/,
    );
    expect(() =>
      linear(4, 2)
        .double()
        .forward([x] as never),
    ).toThrow(/Linear takes a tensor, not a table \{\[3, 4\]\}/);
    expect(() => new nn.ParallelTable(linear(4, 2)).double().forward([x, x])).toThrow(
      /ParallelTable holds 1 modules but got a table of 2 entries/,
    );
    expect(() => new nn.SelectTable(3).forward([x, x])).toThrow(/SelectTable\(3\) of a table of 2 entries/);
    expect(() => new nn.JoinTable(3).forward([x, x])).toThrow(/JoinTable: dimension 3 is outside an input of shape \[3, 4\]/);
    expect(() => new nn.Narrow(2, 4, 2).forward(x)).toThrow(/Narrow\(2, 4, 2\) is outside an input of shape \[3, 4\]/);
    expect(() => new nn.Sequential(new nn.ConcatTable(linear(4, 2)), new nn.Tanh()).double().forward(x)).toThrow(
      /module 2 \(Tanh\): Tanh takes a tensor, not a table/,
    );
    expect(() => new nn.JoinTable(0)).toThrow(TorchError);
    expect(() => new nn.ConcatTable(linear(4, 2), 3 as never)).toThrow(
      /^Expected nn modules for new nn.ConcatTable\(...modules\) but argument 2 is 3$/,
    );
    expect(() => new nn.CAddTable().forward([x, tensor([1, 2], { dtype: 'float64' })])).toThrow(TorchError);
  });
});
