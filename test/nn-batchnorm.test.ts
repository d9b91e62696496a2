// BatchNormalization and SpatialBatchNormalization, proven by PyTorch's BatchNorm1d/2d with the same
// weights and running estimates (moved through the state dict): outputs, input and parameter
// gradients and the running estimates after a training step, and evaluation-mode outputs (float64,
// ≤ 1e-10, test/python/table_check.py); Torch7's defaults; buffers saved, loaded, checkpointed,
// converted and exported to ONNX; a residual convnet with batch normalisation trains on MNIST.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, data, manualSeed, nn, randn } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-batchnorm-'));
const values = (t: Tensor) => t.toArray();

const MODELS: [string, () => nn.Module, () => Tensor][] = [
  ['BatchNormalization(5) after a Linear', () => new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNormalization(5)), () => x64([8, 4])],
  [
    'BatchNormalization(5, 1e-3, 0.3, false): no affine',
    () => new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNormalization(5, 1e-3, 0.3, false)),
    () => x64([8, 4]),
  ],
  [
    'SpatialBatchNormalization(3) after a convolution',
    () => new nn.Sequential(new nn.SpatialConvolution(2, 3, 3, 3, 1, 1, 1, 1), new nn.SpatialBatchNormalization(3)),
    () => x64([4, 2, 5, 5]),
  ],
];

const python = pythonWithTorch();
if (!python)
  console.warn('nn-batchnorm: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

/** Runs the model in PyTorch (test/python/table_check.py) from nodetorch's state dict. */
function pytorch(model: nn.Module, input: Tensor, gradOutput: Tensor, train: boolean) {
  nn.saveStateDict(model, path.join(dir, 'state.pt'));
  fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(model.spec()));
  fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ input: input.toArray(), gradOutput: gradOutput.toArray(), train }));
  const files = ['spec.json', 'state.pt', 'case.json', 'result.json'].map((f) => path.join(dir, f));
  runPython(python!, 'table_check.py', [...files]);
  return JSON.parse(fs.readFileSync(files[3], 'utf8')) as {
    output: unknown;
    gradInput: unknown;
    state: Record<string, unknown>;
    gradParameters: Record<string, unknown>;
  };
}

withTool('Python with torch', python).describe('equal to PyTorch BatchNorm1d/2d (float64, ≤ 1e-10)', () => {
  test.each(MODELS.map(([name], i) => [name, i] as const))(
    '%s: a training step (output, gradients, running estimates), then evaluation',
    (_name, i) => {
      manualSeed(40 + i);
      const [, make, input] = MODELS[i];
      const model = make().double();
      // running estimates away from (0, 1), as after some training
      model
        .namedBuffers()
        .forEach(([name, t]) => name !== 'num_batches_tracked' && t.copy(t.add(randn(t.shape, { dtype: 'float64' }).abs().mul(0.5))));
      const x = input();
      const gradOutput = x64(model.forward(x).shape);
      const theirs = pytorch(model, x, gradOutput, true); // from the state before this step
      model.zeroGradParameters();
      const y = model.forward(x);
      const gradInput = model.backward(x, gradOutput);
      expect(largest(values(y), theirs.output)).toBeLessThanOrEqual(1e-10);
      expect(largest(values(gradInput), theirs.gradInput)).toBeLessThanOrEqual(1e-10);
      const grads = new Map(model.namedParameters().map(([name]) => [name, name]));
      const [, gradList] = model.parameters();
      [...grads.keys()].forEach((name, k) => expect(largest(values(gradList[k]), theirs.gradParameters[name])).toBeLessThanOrEqual(1e-10));
      // the running estimates moved exactly as PyTorch's (one forward each since the copy: two here, so compare after one)
      const evaluation = make().double();
      nn.loadStateDict(evaluation, path.join(dir, 'state.pt'));
      evaluation.forward(x);
      for (const [name, t] of evaluation.namedBuffers()) expect(largest(values(t), theirs.state[name])).toBeLessThanOrEqual(1e-10);
      // evaluation mode uses them
      evaluation.evaluate();
      const evalGrad = x64(evaluation.forward(x).shape);
      const theirsEval = pytorch(evaluation, x, evalGrad, false);
      expect(largest(values(evaluation.forward(x)), theirsEval.output)).toBeLessThanOrEqual(1e-10);
      expect(largest(values(evaluation.backward(x, evalGrad)), theirsEval.gradInput)).toBeLessThanOrEqual(1e-10);
    },
  );
});

describe('buffers and the rest', () => {
  test.each([
    ['BatchNormalization(5), training: the batch statistics', () => new nn.BatchNormalization(5), [6, 5]],
    ['SpatialBatchNormalization(3), training', () => new nn.SpatialBatchNormalization(3), [4, 3, 2, 2]],
    ['SpatialBatchNormalization(3), evaluation: the running estimates', () => new nn.SpatialBatchNormalization(3).evaluate(), [4, 3, 2, 2]],
  ] as const)('gradcheck: %s (input, weight, bias)', (_name, make, shape) => {
    manualSeed(95);
    const r = nn.gradcheck(make().double(), randn([...shape], { dtype: 'float64' }));
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test("Torch7's defaults and initialisation; state dict names as PyTorch's; a single sample needs evaluation mode", () => {
    manualSeed(50);
    const bn = new nn.SpatialBatchNormalization(4);
    expect(bn.args).toEqual([4, 1e-5, 0.1, true]);
    const w = bn.weight!.toArray() as number[];
    expect(w.every((v) => v >= 0 && v <= 1) && new Set(w).size === 4).toBe(true); // U(0, 1), as Torch7
    expect(bn.bias!.toArray()).toEqual([0, 0, 0, 0]);
    expect(bn.namedBuffers().map(([name, t]) => [name, t.dtype, t.shape])).toEqual([
      ['running_mean', 'float64', [4]],
      ['running_var', 'float64', [4]],
      ['num_batches_tracked', 'int64', []],
    ]);
    expect(() => bn.forward(x64([4, 1, 1]))).toThrow(
      /SpatialBatchNormalization needs more than one value per feature to train \(a batch of 1\); use evaluate\(\) for single samples/,
    );
    expect(bn.forward(x64([4, 3, 3])).shape).toEqual([4, 3, 3]); // a single sample of 9 values per plane trains, as PyTorch
    expect(bn.evaluate().forward(x64([4, 1, 1])).shape).toEqual([4, 1, 1]);
    expect(() => bn.forward(x64([2, 5, 3, 3]))).toThrow(/SpatialBatchNormalization\(4\) expects N×4×H×W input, got shape \[2, 5, 3, 3\]/);
    expect(() => new nn.BatchNormalization(3, 1e-5, 2)).toThrow(TorchError);
    expect(new nn.BatchNormalization(3, 1e-5, 0.1, false).weight).toBeUndefined();
  });

  test('running estimates are saved and loaded (nn.save, state dicts), converted by float(), and in checkpoints', async () => {
    manualSeed(51);
    const model = new nn.Sequential(
      new nn.Linear(3, 4),
      new nn.BatchNormalization(4),
      new nn.Tanh(),
      new nn.Linear(4, 2),
      new nn.LogSoftMax(),
    ).double();
    const inputs = x64([64, 3]);
    const targets = inputs.sum(1).gt(0).to('int64');
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 8 });
    await trainer.trainEpoch({ inputs, targets });
    const stats = model.namedBuffers().map(([name, t]) => [name, t.toArray()]);
    expect(stats[2][1]).toBe(8); // 64 samples in batches of 8
    const file = path.join(dir, 'bn.net');
    nn.save(file, model);
    const loaded = nn.load(file);
    expect(loaded.namedBuffers().map(([name, t]) => [name, t.toArray()])).toEqual(stats);
    model.evaluate();
    loaded.evaluate();
    expect(values(loaded.forward(inputs))).toEqual(values(model.forward(inputs)));
    // a checkpoint resumes the running estimates too
    trainer.saveCheckpoint(path.join(dir, 'bn.checkpoint'));
    const other = new nn.Sequential(
      new nn.Linear(3, 4),
      new nn.BatchNormalization(4),
      new nn.Tanh(),
      new nn.Linear(4, 2),
      new nn.LogSoftMax(),
    ).double();
    new Trainer({ model: other, criterion: new nn.ClassNLLCriterion(), batchSize: 8 }).loadCheckpoint(path.join(dir, 'bn.checkpoint'));
    expect(other.namedBuffers().map(([name, t]) => [name, t.toArray()])).toEqual(stats);
    // float() converts the estimates, and keeps the count an integer
    expect(
      loaded
        .float()
        .namedBuffers()
        .map(([, t]) => t.dtype),
    ).toEqual(['float32', 'float32', 'int64']);
  });

  test('a residual convnet with batch normalisation (ResNet-style, shortcut by identity) learns MNIST in the native loop', async () => {
    manualSeed(52);
    const mnist = await data.mnist({ size: 'small', dir: process.env.MNIST_DIR });
    const block = (n: number) =>
      new nn.Sequential(
        new nn.ConcatTable(
          new nn.Sequential(
            new nn.SpatialConvolution(n, n, 3, 3, 1, 1, 1, 1),
            new nn.SpatialBatchNormalization(n),
            new nn.ReLU(),
            new nn.SpatialConvolution(n, n, 3, 3, 1, 1, 1, 1),
            new nn.SpatialBatchNormalization(n),
          ),
          new nn.Identity(),
        ),
        new nn.CAddTable(),
        new nn.ReLU(),
      );
    const model = new nn.Sequential(
      new nn.SpatialConvolution(1, 16, 5, 5, 2, 2, 2, 2), // 16×16
      new nn.SpatialBatchNormalization(16),
      new nn.ReLU(),
      block(16),
      new nn.SpatialMaxPooling(2, 2), // 8×8
      block(16),
      new nn.View(-1, 16 * 8 * 8),
      new nn.Linear(16 * 8 * 8, 10),
      new nn.LogSoftMax(),
    ).float();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 32,
      optimizer: { method: 'sgd', config: { learningRate: 0.05, momentum: 0.9 } },
    });
    const [epoch] = await trainer.fit({ train: mnist.train, test: mnist.test, epochs: 1 });
    console.log(
      `nn-batchnorm: a residual convnet with batch normalisation, size small, 1 epoch: test accuracy ${(100 * epoch.test!.accuracy).toFixed(2)}%`,
    );
    expect(epoch.test!.accuracy).toBeGreaterThan(0.9);
  });
});
