// TensorBoard: Trainer.fit({ tensorboard }) and SummaryWriter write event files that TensorBoard's
// own reader (its event accumulator, test/python/tensorboard_check.py) reads with every value.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SummaryWriter, TorchError, Trainer, manualSeed, nn, tensor } from '../lib';
import { pythonWith, runPython } from './helpers/python';
import { withTool } from './helpers/common';

const python = pythonWith(['tensorboard', 'PIL']);
if (!python)
  console.warn(
    "tensorboard: the checks by TensorBoard's reader are SKIPPED: no Python with tensorboard (scripts/torch-venv.sh DIR SPEC tensorboard); CI installs one",
  );
const withPython = withTool('Python with TensorBoard and PIL', python).test;

interface Read {
  scalars: Record<string, [number, number][]>;
  images: Record<string, { step: number; width: number; height: number; mode: string; pixels: number[] }[]>;
  hparams: Record<string, number | string | boolean>;
  hparamNames: string[];
  metrics: string[];
  status: number;
}

describe('TensorBoard event files', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tb-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  withPython(
    "Trainer.fit({ tensorboard }): every epoch's losses, accuracies and rate, the confusion matrix, the hyper-parameters",
    async () => {
      manualSeed(1);
      const x = tensor(
        Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(2 * i), (i % 3) - 1]),
        { dtype: 'float64' },
      );
      const y = tensor(
        Array.from({ length: 60 }, (_, i) => i % 3),
        { dtype: 'int64' },
      );
      const model = new nn.Sequential(new nn.Linear(3, 8), new nn.Tanh(), new nn.Linear(8, 3), new nn.LogSoftMax());
      const trainer = new Trainer({
        model,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 10,
        optimizer: { method: 'sgd', config: { learningRate: 0.2, momentum: 0.5 } },
        schedule: { kind: 'step', stepSize: 1, gamma: 0.5 },
      });
      const logDir = path.join(dir, 'run');
      const results = await trainer.fit({
        train: { inputs: x, targets: y },
        test: { inputs: x, targets: y },
        epochs: 3,
        tensorboard: logDir,
      });
      const read = JSON.parse(runPython(python!, 'tensorboard_check.py', [logDir])) as Read;
      const f32 = Math.fround;
      expect(read.scalars['train/loss']).toEqual(results.map((r) => [r.epoch, f32(r.train.loss)]));
      expect(read.scalars['test/accuracy']).toEqual(results.map((r) => [r.epoch, f32(r.test!.accuracy)]));
      expect(read.scalars['test/loss']).toEqual(results.map((r) => [r.epoch, f32(r.test!.loss)]));
      expect(read.scalars.learningRate).toEqual([
        [1, f32(0.2)],
        [2, f32(0.1)],
        [3, f32(0.05)],
      ]);
      // each step's loss and rate, recorded by the native loop: 6 steps an epoch, numbered on
      expect(read.scalars['step/loss']).toEqual(results.flatMap((r, e) => r.train.stepLosses!.map((l, k) => [6 * e + k + 1, f32(l)])));
      expect(read.scalars['step/learningRate'].map(([, v]) => v)).toEqual([0.2, 0.1, 0.05].flatMap((v) => new Array(6).fill(f32(v))));
      // the confusion matrix of each test pass: 3×3 cells of 16 pixels, black where a row's counts all are
      const images = read.images['test/confusion'];
      expect(images.map((i) => [i.step, i.width, i.height, i.mode])).toEqual([
        [1, 48, 48, 'L'],
        [2, 48, 48, 'L'],
        [3, 48, 48, 'L'],
      ]);
      const mat = results[2].test!.confusion.mat;
      mat.forEach((row, r) =>
        row.forEach((count, c) => {
          const total = row.reduce((a, b) => a + b, 0);
          expect(images[2].pixels[(r * 16 + 8) * 48 + c * 16 + 8]).toBe(255 - Math.round((255 * count) / Math.max(total, 1)));
        }),
      );
      expect(read.hparams).toEqual({ optimizer: 'sgd', batchSize: 10, learningRate: 0.2, momentum: 0.5 });
      expect(read.metrics.sort()).toEqual(['test/accuracy', 'test/loss', 'train/accuracy', 'train/loss']);
      expect(read.status).toBe(1); // STATUS_SUCCESS
    },
  );

  withPython('SummaryWriter: scalars, RGB images and hyper-parameters', () => {
    const logDir = path.join(dir, 'writer');
    const w = new SummaryWriter(logDir);
    w.addScalar('a/b', 1.5, 0);
    w.addScalar('a/b', -2, 7);
    const pixels = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    w.addImage('rgb', { pixels, width: 3, height: 2, channels: 3 }, 4);
    w.addHparams({ lr: 0.01, name: 'x', flag: true }, { 'a/b': null, final: 0.75 });
    w.close();
    const read = JSON.parse(runPython(python!, 'tensorboard_check.py', [logDir])) as Read;
    expect(read.scalars['a/b']).toEqual([
      [0, 1.5],
      [7, -2],
    ]);
    expect(read.scalars.final).toEqual([[0, 0.75]]);
    const image = read.images.rgb[0];
    expect([image.step, image.width, image.height, image.mode]).toEqual([4, 3, 2, 'RGB']);
    expect(image.pixels).toEqual(Array.from({ length: 6 }, (_, p) => [p * 30, p * 30 + 10, p * 30 + 20]));
    expect(read.hparams).toEqual({ lr: 0.01, name: 'x', flag: true });
    expect(read.hparamNames.sort()).toEqual(['flag', 'lr', 'name']);
  });

  test('bad arguments are TorchErrors; a closed writer refuses more', () => {
    const w = new SummaryWriter(path.join(dir, 'bad'));
    expect(() => w.addScalar('', 1, 0)).toThrow(/a tag must be a non-empty string/);
    expect(() => w.addScalar('x', NaN, 0)).toThrow(TorchError);
    expect(() => w.addScalar('x', 1, -1)).toThrow(/step/);
    expect(() => w.addHparams({ a: [1] as never }, {})).toThrow(/'a' is object; hyper-parameters are numbers, strings or booleans/);
    w.close();
    expect(() => w.addScalar('x', 1, 0)).toThrow(/is closed/);
    expect(() => new SummaryWriter('')).toThrow(TorchError);
  });
});
