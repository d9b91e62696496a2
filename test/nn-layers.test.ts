// Torch7's other convolutions, its embedding, resampling, pooling to a size, reductions and
// normalisation (lib/nn/layers.ts), proven by PyTorch's modules of the same kind with the same
// weights: outputs and gradients of the input and of every parameter (float64, ≤ 1e-10,
// test/python/layer_check.py); gradcheck; save/load; errors naming the module.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, nn, randn, tensor, torch7 } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
const indices = (shape: number[], n: number) =>
  tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7) % n),
    { dtype: 'int64' },
  ).view(shape);

const CASES: [string, () => nn.Module, () => Tensor][] = [
  ['TemporalConvolution(3, 4, 3, 2), a batch', () => new nn.TemporalConvolution(3, 4, 3, 2), () => x64([2, 9, 3])],
  ['TemporalConvolution(2, 5, 2), one sequence', () => new nn.TemporalConvolution(2, 5, 2), () => x64([6, 2])],
  [
    'SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1)',
    () => new nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1),
    () => x64([2, 3, 4, 5]),
  ],
  [
    'SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2)',
    () => new nn.SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2),
    () => x64([2, 2, 7, 6]),
  ],
  ['Linear(3, 4, false): no bias', () => new nn.Linear(3, 4, false), () => x64([5, 3])],
  [
    'SpatialConvolution(2, 3, 3, 3, 1, 1, 1).noBias()',
    () => new nn.SpatialConvolution(2, 3, 3, 3, 1, 1, 1).noBias(),
    () => x64([2, 2, 5, 4]),
  ],
  [
    'SpatialFullConvolution(3, 2, 3, 3, 2, 2).noBias()',
    () => new nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2).noBias(),
    () => x64([2, 3, 3, 4]),
  ],
  [
    'SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2).noBias()',
    () => new nn.SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2).noBias(),
    () => x64([1, 2, 7, 6]),
  ],
  ['LookupTable(10, 4)', () => new nn.LookupTable(10, 4), () => indices([3, 5], 10)],
  ['LookupTable(10, 4, { paddingIndex: 0 })', () => new nn.LookupTable(10, 4, { paddingIndex: 0 }), () => indices([2, 6], 10)],
  ['SpatialUpSamplingNearest(2)', () => new nn.SpatialUpSamplingNearest(2), () => x64([2, 3, 3, 4])],
  ['SpatialUpSamplingBilinear(3): corners aligned', () => new nn.SpatialUpSamplingBilinear(3), () => x64([2, 2, 3, 4])],
  [
    'SpatialUpSamplingBilinear({ oheight: 7, owidth: 5 })',
    () => new nn.SpatialUpSamplingBilinear({ oheight: 7, owidth: 5 }),
    () => x64([1, 2, 3, 4]),
  ],
  ['SpatialAdaptiveMaxPooling(2, 3)', () => new nn.SpatialAdaptiveMaxPooling(2, 3), () => x64([2, 3, 7, 5])],
  ['SpatialAdaptiveAveragePooling(3, 2)', () => new nn.SpatialAdaptiveAveragePooling(3, 2), () => x64([2, 3, 5, 7])],
  ['SpatialDropout(0.3), evaluation: × (1 − p)', () => new nn.SpatialDropout(0.3).evaluate(), () => x64([2, 3, 4, 4])],
  ['Mean(2, 1): per sample of a batch', () => new nn.Mean(2, 1), () => x64([3, 4, 5])],
  ['Sum(-1)', () => new nn.Sum(-1), () => x64([3, 4])],
  ['Sum(1, 0, true): a mean', () => new nn.Sum(1, 0, true), () => x64([3, 4])],
  ['Max(2)', () => new nn.Max(2), () => x64([3, 4])],
  ['Normalize(2)', () => new nn.Normalize(2), () => x64([4, 5])],
  ['Normalize(1.5, 1e-6)', () => new nn.Normalize(1.5, 1e-6), () => x64([6])],
  ['Transpose([1, 2], [2, 3])', () => new nn.Transpose([1, 2], [2, 3]), () => x64([2, 3, 4])],
  ['LayerNorm([3, 4])', () => new nn.LayerNorm([3, 4]), () => x64([2, 3, 4])],
  ['LayerNorm(5, 1e-3, false)', () => new nn.LayerNorm(5, 1e-3, false), () => x64([3, 5])],
];

const python = pythonWithTorch();
if (!python)
  console.warn('nn-layers: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('outputs and gradients (input and parameters) equal PyTorch (float64, ≤ 1e-10)', () => {
  const ours: { output: unknown; gradInput: unknown; grads: Record<string, unknown> }[] = [];
  let theirs: { output: unknown; gradInput: unknown; gradParameters?: Record<string, unknown> }[];
  beforeAll(() => {
    manualSeed(80);
    const cases = CASES.map(([, make, input]) => {
      const module = make().double();
      const x = input();
      const y = module.forward(x);
      const gradOutput = x64(y.shape);
      module.zeroGradParameters();
      const gradInput = module.backward(x, gradOutput);
      const [, grads] = module.parameters();
      const names = module.namedParameters().map(([name]) => name);
      ours.push({
        output: y.toArray(),
        gradInput: x.dtype === 'int64' ? null : gradInput.toArray(),
        grads: Object.fromEntries(names.map((n, k) => [n, grads[k].toArray()])),
      });
      const params = Object.fromEntries(module.namedParameters().map(([name, t]) => [name, t.toArray()]));
      return {
        type: module.type,
        args: module.args,
        noBias: module.spec().noBias ?? false,
        input: x.toArray(),
        gradOutput: gradOutput.toArray(),
        params,
      };
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-layers-'));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    runPython(python!, 'layer_check.py', [path.join(dir, 'cases.json'), path.join(dir, 'results.json')]);
    theirs = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results;
  });
  test.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect(largest(ours[i].output, theirs[i].output)).toBeLessThanOrEqual(1e-10);
    if (ours[i].gradInput !== null) expect(largest(ours[i].gradInput, theirs[i].gradInput)).toBeLessThanOrEqual(1e-10);
    const names = Object.keys(ours[i].grads);
    expect(names.sort()).toEqual(Object.keys(theirs[i].gradParameters ?? {}).sort());
    for (const name of names) expect(largest(ours[i].grads[name], theirs[i].gradParameters![name])).toBeLessThanOrEqual(1e-10);
  });
});

describe('the layers in use', () => {
  test.each(
    // LookupTable's input is indices (its weight's gradient is compared with PyTorch's above)
    CASES.filter(([name]) => !name.startsWith('LookupTable')).map(([name]) => [name] as const),
  )('gradcheck: %s', (name) => {
    manualSeed(81);
    const [, make, input] = CASES.find(([n]) => n === name)!;
    const r = nn.gradcheck(make().double(), input());
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test("Torch7's noBias(): no bias to train, save or name; nn.save, state dicts and Torch7 files keep it so", () => {
    manualSeed(83);
    const model = new nn.Sequential(
      new nn.SpatialConvolution(1, 3, 3, 3).noBias(),
      new nn.Tanh(),
      new nn.View(-1, 3 * 4 * 4),
      new nn.Linear(48, 5, false),
    ).double();
    expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '3.weight']);
    expect(model.getParameters()[0].numel).toBe(3 * 9 + 48 * 5);
    expect((model.get(1) as nn.SpatialConvolution).bias).toBeUndefined();
    const x = x64([2, 1, 6, 6]);
    const y = model.forward(x).toArray();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-nobias-'));
    nn.save(path.join(dir, 'm.net'), model);
    const loaded = nn.load(path.join(dir, 'm.net'));
    expect(loaded.namedParameters().map(([name]) => name)).toEqual(['0.weight', '3.weight']);
    expect(loaded.forward(x).toArray()).toEqual(y);
    expect([...nn.stateDict(model).keys()]).toEqual(['0.weight', '3.weight']);
    torch7.save(path.join(dir, 'm.t7'), model);
    const fromTorch7 = torch7.load(path.join(dir, 'm.t7')) as nn.Module;
    expect(fromTorch7.namedParameters().map(([name]) => name)).toEqual(['0.weight', '3.weight']);
    expect(fromTorch7.forward(x).toArray()).toEqual(y);
    expect(() => (new nn.Tanh() as unknown as { noBias(): void }).noBias()).toThrow(TypeError);
    expect(() => new nn.Linear(2, 2, 'no' as never)).toThrow(/Linear bias/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a model of every layer saves and loads with the same outputs', () => {
    manualSeed(82);
    const model = new nn.Sequential(
      new nn.LookupTable(20, 6, { paddingIndex: 1 }), // N × T indices → N × T × 6
      new nn.TemporalConvolution(6, 8, 3), // N × (T − 2) × 8
      new nn.LayerNorm(8),
      new nn.Transpose([2, 3]), // N × 8 × (T − 2)
      new nn.View(-1, 8, 2, 4), // T = 10: N × 8 × 2 × 4
      new nn.SpatialUpSamplingNearest(2),
      new nn.SpatialDilatedConvolution(8, 4, 3, 3, 1, 1, 2, 2, 2, 2),
      new nn.SpatialFullConvolution(4, 4, 2, 2, 2, 2),
      new nn.SpatialUpSamplingBilinear({ oheight: 9, owidth: 9 }),
      new nn.SpatialDropout(0.2),
      new nn.SpatialAdaptiveAveragePooling(3, 3),
      new nn.SpatialAdaptiveMaxPooling(2, 2),
      new nn.View(-1, 16),
      new nn.Normalize(2),
      new nn.Sum(1, 1), // per sample
    ).double();
    model.evaluate();
    const x = indices([3, 10], 20);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-layers-')), 'model.net');
    nn.save(file, model);
    const loaded = nn.load(file).evaluate();
    expect(loaded.forward(x).toArray()).toEqual(model.forward(x).toArray());
    expect(loaded.toString()).toBe(model.toString());
  });

  test('a LookupTable model trains in the native loop (whole-number indices through the float inputs), its padding row untouched', async () => {
    manualSeed(83);
    const model = new nn.Sequential(
      new nn.LookupTable(12, 8, { paddingIndex: 0 }),
      new nn.Mean(1, 2),
      new nn.Linear(8, 2),
      new nn.LogSoftMax(),
    ).double();
    // a sequence is of class 1 when it holds token 11
    const rows = Array.from({ length: 120 }, (_, i) =>
      Array.from({ length: 6 }, (_, j) => ((i * 5 + j * 3) % 11 === 0 ? 11 : ((i + j * 7) % 10) + 1)).map((v, j) =>
        j === 5 && i % 4 === 0 ? 0 : v,
      ),
    );
    const inputs = tensor(rows, { dtype: 'int64' });
    const targets = tensor(
      rows.map((r) => (r.includes(11) ? 1 : 0)),
      { dtype: 'int64' },
    );
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 8,
      optimizer: { method: 'adam', config: { learningRate: 0.05 } },
    });
    for (let k = 0; k < 10; k++) await trainer.trainEpoch({ inputs, targets });
    expect((await trainer.test({ inputs, targets })).accuracy).toBeGreaterThan(0.9);
    expect(((model.get(1) as nn.Module).weight!.index(0) as Tensor).toArray()).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('bad inputs and arguments are TorchErrors naming the layer', () => {
    expect(() => new nn.LookupTable(5, 2).forward(tensor([0, 5], { dtype: 'int64' }))).toThrow(
      /LookupTable\(5, 2\): indices must be in \[0, 4\] \(0-based\)/,
    );
    expect(() => new nn.LookupTable(5, 2).forward(tensor([0.5]))).toThrow(/LookupTable takes whole-number indices/);
    expect(() => new nn.TemporalConvolution(3, 4, 5).double().forward(x64([4, 3]))).toThrow(/4 frames are fewer than the kernel's 5/);
    expect(() => new nn.SpatialFullConvolution(3, 2, 3, 3, 1, 1, 0, 0, 1, 0)).toThrow(/adjW and adjH must be smaller than dW and dH/);
    expect(() => new nn.Mean(3).forward(x64([2, 2]))).toThrow(/Mean: dimension 3 is outside an input of shape \[2, 2\]/);
    expect(() => new nn.LayerNorm(4).double().forward(x64([2, 3]))).toThrow(
      /LayerNorm\[4\] expects input whose last dimensions are \[4\], got shape \[2, 3\]/,
    );
    expect(() => new nn.Transpose()).toThrow(/needs at least one pair/);
    expect(() => new nn.Mean(0)).toThrow(TorchError);
    expect(() => new nn.SpatialDropout(1)).toThrow(TorchError);
  });
});
