// Trainer({ precision }): autocast in the native loop with float32 master weights, and for 'fp16' a
// dynamic loss scale. One SGD step is checked against PyTorch's own AMP recipe (torch.autocast, and
// GradScaler for float16) run by test/python/amp_check.py with a torch as old as this LibTorch,
// whose autocast casts the same operations.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchError, Trainer, libtorchInfo, nn, noGrad, tensor } from '../lib';
import { pythonForLibTorch, runPython } from './helpers/python';
import { LinearInTypeScript } from './helpers/typescript-module';
import { CHILD_TIMEOUT_MS, MNIST_DIR, withTool } from './helpers/common';

const py = pythonForLibTorch();
if (!py)
  console.warn(`mixed-precision: the PyTorch checks are SKIPPED: no Python with a torch as old as this LibTorch ${libtorchInfo().version}`);
const withPython = withTool('a Python torch that this LibTorch reads', py).test;
// LibTorch 2.x autocasts float16 on the CPU; 1.13 knows bfloat16 only there
const cpuFloat16 = Number(libtorchInfo().version.split('.')[0]) >= 2;
// GradScaler on the CPU is PyTorch >= 2.3's
const pyGradScaler = py !== undefined && Number(py.version.split('.')[0]) >= 2;

const base = {
  weight: [
    [0.1, -0.2, 0.3],
    [0.01, 0.2, -0.3],
  ],
  bias: [0.05, -0.01],
  x: [
    [1.1, 2.3, -0.7],
    [0.3, 0.2, 0.9],
  ],
  y: [0, 1],
  lr: 0.1,
};

function trainer(
  precision: 'fp32' | 'bf16' | 'fp16',
  optimizer: Record<string, unknown> = { method: 'sgd', config: { learningRate: base.lr } },
) {
  const model = new nn.Sequential(new nn.Linear(3, 2), new nn.LogSoftMax()).float();
  noGrad(() => {
    model.modules[0].weight!.copy_(tensor(base.weight));
    model.modules[0].bias!.copy_(tensor(base.bias));
  });
  return {
    model,
    trainer: new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 2,
      shuffle: false,
      precision,
      optimizer: optimizer as never,
    }),
  };
}
const params = (model: nn.Sequential) => [model.modules[0].weight!.toArray(), model.modules[0].bias!.toArray()] as [number[][], number[]];
const data = (x: number[][]) => ({ inputs: tensor(x), targets: tensor(base.y, { dtype: 'int64' }) });

describe('Trainer precision', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-amp-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pytorch = (spec: Record<string, unknown>) => {
    const file = path.join(dir, 'spec.json');
    fs.writeFileSync(file, JSON.stringify({ ...base, ...spec }));
    return JSON.parse(runPython(py!.python, 'amp_check.py', [file])) as {
      loss: number;
      weight: number[][];
      bias: number[];
      skipped?: boolean;
      scale?: number;
    };
  };
  const close = (a: number[] | number[][], b: number[] | number[][]) => a.flat().forEach((v, i) => expect(v).toBeCloseTo(b.flat()[i], 6));

  withPython("'bf16': one step's loss and parameters are PyTorch's under torch.autocast(bfloat16); the weights stay float32", async () => {
    const theirs = pytorch({ dtype: 'bfloat16' });
    const fp32 = pytorch({ dtype: 'float32' });
    // the inputs are chosen so that bfloat16's rounding shows in the loss
    expect(Math.abs(theirs.loss - fp32.loss)).toBeGreaterThan(1e-3);
    const { model, trainer: t } = trainer('bf16');
    const r = await t.trainEpoch(data(base.x));
    expect(r.stepLosses![0]).toBeCloseTo(theirs.loss, 6);
    close(params(model)[0], theirs.weight);
    close(params(model)[1], theirs.bias);
    expect(model.dtype).toBe('float32');
    expect(model.modules[0].weight!.dtype).toBe('float32');
    // test passes autocast too: the same loss as the training step's, before it
    const again = trainer('bf16').trainer;
    expect((await again.test(data(base.x))).loss).toBeCloseTo(theirs.loss, 6);
  });

  test("'bf16' through a module written in TypeScript: the same step as the same layer built natively", async () => {
    // its forward runs on the JavaScript thread, which autocasts as the pass's thread does
    const run = async (precision: 'fp32' | 'bf16') => {
      const wrapped = new LinearInTypeScript(3, 2);
      const model = new nn.Sequential(wrapped, new nn.LogSoftMax()).float();
      noGrad(() => {
        wrapped.linear.weight!.copy_(tensor(base.weight));
        wrapped.linear.bias!.copy_(tensor(base.bias));
      });
      const t = new Trainer({
        model,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 2,
        shuffle: false,
        precision,
        optimizer: { method: 'sgd', config: { learningRate: base.lr } },
      });
      const loss = (await t.trainEpoch(data(base.x))).stepLosses![0];
      return { loss, weight: wrapped.linear.weight!.toArray() as number[][], bias: wrapped.linear.bias!.toArray() as number[] };
    };
    const { model, trainer: native } = trainer('bf16');
    const nativeLoss = (await native.trainEpoch(data(base.x))).stepLosses![0];
    const ours = await run('bf16');
    expect(ours.loss).toBe(nativeLoss);
    expect([ours.weight, ours.bias]).toEqual(params(model));
    // bfloat16's rounding shows: the float32 step differs
    expect(Math.abs((await run('fp32')).loss - ours.loss)).toBeGreaterThan(1e-3);
  });

  (cpuFloat16 && pyGradScaler ? test : test.skip)(
    "'fp16': one step as PyTorch's GradScaler takes it; an overflowing step is skipped, halving the scale, as GradScaler does",
    async () => {
      const theirs = pytorch({ dtype: 'float16', scale: 65536 });
      expect(theirs.skipped).toBe(false);
      const { model, trainer: t } = trainer('fp16');
      expect(t.lossScale).toBe(65536);
      const r = await t.trainEpoch(data(base.x));
      expect(r.stepLosses![0]).toBeCloseTo(theirs.loss, 6);
      close(params(model)[0], theirs.weight);
      close(params(model)[1], theirs.bias);
      expect([r.skippedSteps, t.lossScale]).toEqual([0, theirs.scale]);

      // inputs of 100s: the scaled gradient overflows float16 (65504)
      const big = [
        [100, 200, -300],
        [300, 200, 100],
      ];
      const overflow = pytorch({ dtype: 'float16', scale: 65536, x: big });
      expect(overflow.skipped).toBe(true);
      const fresh = trainer('fp16');
      const skipped = await fresh.trainer.trainEpoch(data(big));
      expect([skipped.skippedSteps, fresh.trainer.lossScale]).toEqual([1, overflow.scale]);
      close(params(fresh.model)[0], base.weight);

      // the scale is kept in checkpoints
      const file = path.join(dir, 'fp16.checkpoint');
      fresh.trainer.saveCheckpoint(file);
      const resumed = trainer('fp16').trainer;
      resumed.loadCheckpoint(file);
      expect(resumed.lossScale).toBe(overflow.scale);
    },
  );

  (cpuFloat16 ? test.skip : test)(
    "'fp16' on the CPU of LibTorch 1.13, which has no float16 autocast there: an error that names 'bf16'",
    async () => {
      await expect(trainer('fp16').trainer.trainEpoch(data(base.x))).rejects.toThrow(
        /has no float16 autocast on the CPU; on the CPU use precision 'bf16'/,
      );
    },
  );

  test('bad precisions are errors that say what is expected', () => {
    expect(() => trainer('fp8' as never)).toThrow(TorchError);
    expect(() => trainer('fp8' as never)).toThrow(/'fp32', 'bf16' or 'fp16'|fp32.*bf16.*fp16/);
    const model = new nn.Linear(3, 2).double();
    expect(() => new Trainer({ model, criterion: new nn.MSECriterion(), precision: 'bf16' })).toThrow(
      "Trainer: precision 'bf16' keeps float32 master weights, but the model is float64; convert it with model.float()",
    );
    expect(() => trainer('fp16', { method: 'lbfgs' })).toThrow(
      /precision 'fp16' skips the steps whose scaled gradients overflow, which needs a one-evaluation optimizer .* not lbfgs/,
    );
    expect(trainer('fp32').trainer.lossScale).toBeNull();
  });

  test("the CLI's -precision bf16 trains the study's convnet as well as float32 (size small, one epoch)", () => {
    const root = path.resolve(__dirname, '..');
    const bin = path.join(root, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).bin.nodetorch);
    const env = { ...process.env, MNIST_DIR };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'mnist', '-size', 'small', '-epochs', '1', '-quiet', '-save', path.join(dir, 'cli'), ...args], {
        timeout: CHILD_TIMEOUT_MS,
        encoding: 'utf8',
        env,
      });
    const bf16 = run('-type', 'float', '-precision', 'bf16', '-batchSize', '32', '-learningRate', '0.05');
    expect(bf16.status).toBe(0);
    expect(bf16.stdout).toContain('==> precision: bf16 (autocast, float32 master weights)');
    const accuracy = Number(/epoch 1: train accuracy [\d.]+%, test accuracy ([\d.]+)%/.exec(bf16.stdout)![1]);
    console.log(`CLI -precision bf16 -size small -epochs 1 -batchSize 32: test accuracy ${accuracy}%`);
    expect(accuracy).toBeGreaterThanOrEqual(93);
    const double = run('-precision', 'bf16');
    expect(double.status).not.toBe(0);
    expect(double.stderr).toContain('-precision bf16 trains a float32 model under autocast: use -type float (or cuda), not -type double');
  });
});
