// ONNX export, proven by onnxruntime-node (Microsoft's runtime, which nodetorch did not write):
// every exported model runs there and gives nodetorch's outputs (float32, ≤ 1e-5).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, manualSeed, models, nn, randn, tensor } from '../lib';
import { CHILD_TIMEOUT_MS } from './helpers/common';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-onnx-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs an ONNX file in onnxruntime-node (test/helpers/onnx-run.js, its own process). */
function runOnnx(file: string, input: Tensor): { data: number[]; dims: number[]; version: string } {
  fs.writeFileSync(
    path.join(dir, 'input.json'),
    JSON.stringify({ data: Array.from(input.float().data() as Float32Array), dims: input.shape }),
  );
  const r = spawnSync(
    process.execPath,
    [path.join(__dirname, 'helpers', 'onnx-run.js'), file, path.join(dir, 'input.json'), path.join(dir, 'output.json')],
    { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`onnxruntime-node failed: ${r.stderr}`);
  return JSON.parse(fs.readFileSync(path.join(dir, 'output.json'), 'utf8'));
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

/** Exports `model`, runs `input` in onnxruntime; returns the largest difference from nodetorch's output. */
function compare(model: nn.Module, input: Tensor, name: string): number {
  const file = path.join(dir, `${name}.onnx`);
  nn.exportOnnx(model, file, { inputShape: input.shape.slice(1) });
  const ours = model.evaluate().forward(input);
  const theirs = runOnnx(file, input);
  expect(theirs.dims).toEqual(ours.shape);
  const largest = largestDifference(ours.data() as Float32Array, theirs.data);
  console.log(`ONNX → onnxruntime-node ${theirs.version}, ${name}: largest output difference ${largest.toExponential(2)}`);
  return largest;
}

describe('nn.exportOnnx, run by onnxruntime-node', () => {
  test.each([
    ['the default convnet (L2 pooling, subtractive normalisation)', () => models.mnistModel('convnet')],
    ['the max-pooling convnet', () => models.mnistModel('convnet', { pooling: 'max' })],
    ['linear', () => models.mnistModel('linear')],
    ['mlp', () => models.mnistModel('mlp')],
  ])("%s gives nodetorch's outputs (≤ 1e-5)", (name, make) => {
    manualSeed(3);
    const model = make().float();
    expect(compare(model, randn([4, 1, 32, 32]), name)).toBeLessThanOrEqual(1e-5);
  });

  test('every other module: strided padded convolution, zero padding, average pooling, ReLU, Sigmoid, Dropout, View, SoftMax with β', () => {
    manualSeed(4);
    const model = new nn.Sequential()
      .add(new nn.SpatialZeroPadding(1, 2, 0, 1))
      .add(new nn.SpatialConvolution(3, 4, 3, 3, 2, 1, 1, 0))
      .add(new nn.ReLU())
      .add(new nn.SpatialAveragePooling(2, 2, 2, 2))
      .add(
        new nn.SpatialSubtractiveNormalization(4, [
          [1, 2, 1],
          [2, 4, 2],
          [1, 2, 1],
        ]),
      )
      .add(new nn.Sigmoid())
      .add(new nn.Dropout(0.5))
      .add(new nn.View(4 * 2 * 4))
      .add(new nn.Linear(32, 5))
      .add(new nn.SoftMax({ beta: 2.5 }))
      .float();
    expect(compare(model, randn([2, 3, 5, 12]), 'every other module')).toBeLessThanOrEqual(1e-5);
  });

  test('the element-wise layers (ELU, LeakyReLU, PReLU per plane and shared, SoftPlus with β and threshold, HardTanh, GELU, Abs, Square, Sqrt, Power, MulConstant, AddConstant, Identity)', () => {
    manualSeed(6);
    const model = new nn.Sequential(
      new nn.SpatialConvolution(3, 4, 3, 3),
      new nn.PReLU(4),
      new nn.ELU(0.7),
      new nn.LeakyReLU(0.2),
      new nn.SoftPlus(2, 1),
      new nn.HardTanh(-0.5, 1.5),
      new nn.GELU(),
      new nn.MulConstant(-1.5),
      new nn.Abs(),
      new nn.AddConstant(0.1),
      new nn.Sqrt(0.2),
      new nn.Power(3),
      new nn.Square(),
      new nn.Identity(),
      new nn.View(-1, 4 * 3 * 3),
      new nn.Linear(36, 5),
      new nn.PReLU(),
    ).float();
    model.get(2).weight!.copy(randn([4]).mul(0.3));
    expect(compare(model, randn([3, 3, 5, 5]), 'element-wise layers')).toBeLessThanOrEqual(1e-5);
  });

  test('batch normalisation (spatial and not, affine and not) exports its running estimates', () => {
    manualSeed(7);
    const model = new nn.Sequential(
      new nn.SpatialConvolution(3, 4, 3, 3),
      new nn.SpatialBatchNormalization(4),
      new nn.ReLU(),
      new nn.View(-1, 4 * 3 * 3),
      new nn.Linear(36, 6),
      new nn.BatchNormalization(6, 1e-3, 0.1, false),
    ).float();
    for (let k = 0; k < 5; k++) model.forward(randn([8, 3, 5, 5]).mul(2).add(1)); // running estimates away from (0, 1)
    expect(compare(model, randn([3, 3, 5, 5]), 'batch normalisation')).toBeLessThanOrEqual(1e-5);
  });

  test('ResNet-20 (tables: ConcatTable, CAddTable, Concat, shortcut A) gives its outputs', () => {
    manualSeed(8);
    const model = models.resnet20().float();
    for (let k = 0; k < 3; k++) model.forward(randn([8, 1, 32, 32]).mul(1.5).add(0.5)); // running estimates away from (0, 1)
    expect(compare(model, randn([3, 1, 32, 32]), 'resnet20')).toBeLessThanOrEqual(1e-4);
  });

  test('every table module: ConcatTable, ParallelTable, CAddTable, CMulTable, JoinTable, SplitTable, SelectTable, Concat, Narrow', () => {
    manualSeed(9);
    const model = new nn.Sequential(
      new nn.SpatialConvolution(2, 4, 3, 3, 1, 1, 1, 1),
      new nn.ConcatTable(new nn.ReLU(), new nn.Tanh(), new nn.Identity()),
      new nn.ParallelTable(new nn.MulConstant(2), new nn.Sigmoid(), new nn.Identity()),
      new nn.ConcatTable(new nn.CAddTable(), new nn.CMulTable(), new nn.JoinTable(2), new nn.SelectTable(-1)),
      new nn.ParallelTable(new nn.Identity(), new nn.Identity(), new nn.SpatialConvolution(12, 4, 1, 1), new nn.Identity()),
      new nn.JoinTable(2), // N × 16 × 5 × 5
      new nn.Concat(2, new nn.Narrow(2, 3, 8), new nn.Identity()), // N × 24 × 5 × 5
      new nn.SplitTable(2), // 24 × (N × 5 × 5)
      new nn.JoinTable(2), // N × 120 × 5
      new nn.View(-1, 600),
      new nn.Linear(600, 3),
    ).float();
    expect(compare(model, randn([2, 2, 5, 5]), 'tables')).toBeLessThanOrEqual(1e-5);
  });

  test('a graph (gModule): shared values, a residual sum and a join', () => {
    manualSeed(10);
    const x = nn.Input();
    const h = new nn.Linear(6, 5).node(x);
    const sum = new nn.CAddTable().node(new nn.Tanh().node(h), new nn.Sigmoid().node(h));
    const model = new nn.gModule([x], [new nn.Linear(10, 3).node(new nn.JoinTable(2).node(sum, h))]).float();
    expect(compare(model as unknown as nn.Module, randn([4, 6]), 'graph')).toBeLessThanOrEqual(1e-5);
  });

  test('the newer spatial layers: adaptive pooling, dilated (no bias) and full convolution, SpatialDropout, up-sampling, LayerNorm, Transpose, Max, Mean, Sum, Normalize', () => {
    manualSeed(11);
    const norm = new nn.LayerNorm([3, 7]);
    const model = new nn.Sequential(
      new nn.SpatialAdaptiveMaxPooling(4, 4), // 8 × 8 → 4 × 4
      new nn.SpatialDilatedConvolution(2, 4, 3, 3, 1, 1, 2, 2, 2, 2).noBias(),
      new nn.SpatialFullConvolution(4, 3, 3, 3, 2, 2, 1, 1, 1, 1), // → 8 × 8
      new nn.SpatialDropout(0.3),
      new nn.SpatialUpSamplingNearest(2), // → 16 × 16
      new nn.SpatialUpSamplingBilinear({ oheight: 9, owidth: 7 }),
      new nn.SpatialAdaptiveAveragePooling(7, 3), // → 3 × 7
      norm,
      new nn.Transpose([3, 4]), // N × 3 × 7 × 3
      new nn.Max(4), // N × 3 × 7
      new nn.Concat(2, new nn.Mean(2, 2), new nn.Sum(3), new nn.Sum(2, 0, true)), // N × 3, N × 3, N × 7
      new nn.Normalize(2),
      new nn.Linear(13, 4, false),
    ).float();
    norm.weight!.copy(randn([3, 7]));
    norm.bias!.copy(randn([3, 7]));
    expect(compare(model, randn([2, 2, 8, 8]), 'newer spatial layers')).toBeLessThanOrEqual(1e-5);
  });

  test('sequences: LookupTable (indices as whole numbers), TemporalConvolution, Narrow', () => {
    manualSeed(12);
    const model = new nn.Sequential(
      new nn.LookupTable(10, 6),
      new nn.TemporalConvolution(6, 5, 3, 1), // 7 frames → 5
      new nn.Narrow(2, 2, -1), // frames 2…5
      new nn.View(-1, 20),
      new nn.Linear(20, 2),
    ).float();
    const indices = tensor([
      [1, 4, 9, 0, 3, 3, 7],
      [2, 2, 5, 8, 6, 1, 0],
    ]).float();
    expect(compare(model, indices, 'sequences')).toBeLessThanOrEqual(1e-5);
  });

  test('recurrent layers: a 2-layer bidirectional LSTM (batch first) and a GRU (time first)', () => {
    manualSeed(13);
    const lstm = new nn.Sequential(
      new nn.LSTM(5, 6, { numLayers: 2, bidirectional: true, batchFirst: true }), // N × 4 × 12
      new nn.View(-1, 48),
      new nn.Linear(48, 3),
    ).float();
    expect(compare(lstm, randn([3, 4, 5]), 'LSTM')).toBeLessThanOrEqual(1e-5);
    // the character model's shape: an LSTM, then Linear over each step (MatMul, not Gemm)
    const charModel = new nn.Sequential(
      new nn.LookupTable(12, 6),
      new nn.LSTM(6, 8, { batchFirst: true }),
      new nn.Linear(8, 12),
      new nn.View(-1, 12),
      new nn.LogSoftMax(),
    ).float();
    expect(
      compare(
        charModel,
        tensor([
          [1, 5, 11, 0],
          [3, 3, 7, 2],
        ]).float(),
        'character LSTM',
      ),
    ).toBeLessThanOrEqual(1e-5);
    const gru = new nn.Sequential(new nn.GRU(5, 7, { numLayers: 2 }), new nn.Tanh()).float(); // T × N × 7
    expect(compare(gru, randn([4, 2, 5]), 'GRU')).toBeLessThanOrEqual(1e-5);
  });

  test('a model trained in float64 exports as float32', () => {
    manualSeed(5);
    const model = models.mnistModel('mlp');
    const file = path.join(dir, 'double.onnx');
    nn.exportOnnx(model, file, { inputShape: [1, 32, 32] });
    const input = randn([2, 1, 32, 32]);
    const ours = model.forward(input.double()).data() as Float64Array;
    expect(largestDifference(ours, runOnnx(file, input).data)).toBeLessThan(1e-5);
  });

  test('what cannot be exported is a TorchError naming it', () => {
    const file = path.join(dir, 'bad.onnx');
    const mystery = new nn.Tanh();
    Object.defineProperty(mystery, 'type', { value: 'Mystery' }); // a module type the exporter does not know
    expect(() => nn.exportOnnx(new nn.Sequential().add(new nn.Linear(2, 2)).add(mystery), file, { inputShape: [2] })).toThrow(
      /exportOnnx: no ONNX translation for Mystery/,
    );
    expect(() => nn.exportOnnx(new nn.LSTM(3, 4), file, { inputShape: [3] })).toThrow(
      /LSTM exports for batches of sequences \(3-D input\)/,
    );
    expect(() => nn.exportOnnx(new nn.SpatialAdaptiveAveragePooling(3, 3), file, { inputShape: [1, 8, 8] })).toThrow(
      /SpatialAdaptiveAveragePooling\(3, 3\) exports only when it divides the input's 8×8/,
    );
    const [left, right] = [nn.Input(), nn.Input()];
    const twoInputs = new nn.gModule([left, right], [new nn.CAddTable().node(left, right)]);
    expect(() => nn.exportOnnx(twoInputs as never, file, { inputShape: [3] })).toThrow(
      /this gModule takes a table of 2 inputs; an ONNX export has one tensor input/,
    );
    expect(() => nn.exportOnnx(new nn.ConcatTable(new nn.Tanh(), new nn.ReLU()) as never, file, { inputShape: [3] })).toThrow(
      /the model outputs a table; an ONNX export needs one tensor output/,
    );
    expect(() => nn.exportOnnx(models.mnistModel('linear'), file, { inputShape: [1, 28, 28] })).toThrow(
      /a sample of shape \[1, 28, 28\] does not fit this model/,
    );
    expect(() => nn.exportOnnx(models.mnistModel('linear'), file, {} as never)).toThrow(
      /Expected a sample shape of positive integers, e\.g\. \[1, 32, 32\] for exportOnnx inputShape/,
    );
    expect(() => nn.exportOnnx(models.mnistModel('linear'), file, { inputShape: [1, 32, 32], opset: 9 } as never)).toThrow(TorchError);
    expect(() => nn.exportOnnx({} as never, file, { inputShape: [1] })).toThrow(/Expected an nn module for exportOnnx model/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('nodetorch export writes ONNX and state dicts from a saved model', () => {
    manualSeed(6);
    const model = models.mnistModel('convnet', { pooling: 'max' }).float();
    const saved = path.join(dir, 'model.net.1');
    nn.save(saved, model);
    const cli = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
    const onnxFile = path.join(dir, 'cli.onnx');
    const r = spawnSync(process.execPath, [cli, 'export', '-model', saved, '-output', onnxFile], {
      timeout: CHILD_TIMEOUT_MS,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`wrote ${onnxFile}`);
    const input = randn([1, 1, 32, 32]);
    const ours = model.evaluate().forward(input).data() as Float32Array;
    expect(largestDifference(ours, runOnnx(onnxFile, input).data)).toBeLessThan(1e-5);

    const pt = spawnSync(process.execPath, [cli, 'export', '-model', saved, '-output', path.join(dir, 'cli.pt')], {
      timeout: CHILD_TIMEOUT_MS,
      encoding: 'utf8',
    });
    expect(pt.status).toBe(0);
    expect([...nn.stateDict(model).keys()]).toEqual([
      '0.weight',
      '0.bias',
      '3.weight',
      '3.bias',
      '7.weight',
      '7.bias',
      '9.weight',
      '9.bias',
    ]);
    const bad = spawnSync(process.execPath, [cli, 'export', '-model', saved, '-output', path.join(dir, 'x.txt')], {
      timeout: CHILD_TIMEOUT_MS,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('ending in .onnx (ONNX) or .pt (PyTorch state dict)');
    const help = spawnSync(process.execPath, [cli, 'export', '-help'], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    expect(help.stdout).toContain('Usage: nodetorch export');
  });
});
