import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed, models, nn, Tensor, Trainer, OptimizerSpec } from '../lib';
import { smallClassification } from './helpers/common';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-ckpt-'));
const data = smallClassification();
const make = () => new nn.Sequential().add(new nn.Linear(4, 6)).add(new nn.Tanh()).add(new nn.Linear(6, 3)).add(new nn.LogSoftMax());
const trainer = (model: nn.Module, optimizer: OptimizerSpec) =>
  new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 5, classes: 3, optimizer });
const values = (t: Tensor) => t.toArray() as number[];

describe('checkpoints resume training exactly', () => {
  const specs: OptimizerSpec[] = [
    { method: 'sgd', config: { learningRate: 0.2, momentum: 0.9, learningRateDecay: 0.01 } },
    { method: 'lbfgs', config: { learningRate: 0.3, maxIter: 3, nCorrection: 4 } },
    { method: 'asgd', config: { eta0: 0.2, t0: 3 } },
    { method: 'cg', config: { maxIter: 2 } },
    { method: 'adam', config: { learningRate: 0.05, learningRateDecay: 0.01 } },
    { method: 'adamw', config: { learningRate: 0.05 } },
    { method: 'adamax', config: { learningRate: 0.05 } },
    { method: 'adadelta', config: { rho: 0.8 } },
    { method: 'rmsprop', config: { learningRate: 0.01 } },
    { method: 'rprop', config: { stepsize: 0.01, niter: 2 } },
    { method: 'nag', config: { learningRate: 0.05, momentum: 0.8 } },
  ];
  for (const spec of specs) {
    test(`${spec.method}: 2 shuffled epochs straight = 1 epoch, checkpoint, load into a fresh Trainer, 1 epoch`, async () => {
      manualSeed(1);
      const straight = trainer(make(), spec);
      const start = values(straight.parameters);
      await straight.trainEpoch(data);
      await straight.trainEpoch(data);
      const expected = values(straight.parameters);
      const expectedTest = (await straight.test(data)).loss;

      manualSeed(1); // the same initialisation and the same shuffle for epoch 1
      const first = trainer(make(), spec);
      values(first.parameters).forEach((v, i) => expect(v).toBe(start[i]));
      await first.trainEpoch(data);
      const file = path.join(dir, `${spec.method}.ckpt`);
      first.saveCheckpoint(file);

      manualSeed(99); // a different initialisation, overwritten by the checkpoint
      const resumed = trainer(make(), { method: 'sgd' });
      resumed.loadCheckpoint(file);
      expect(resumed.epoch).toBe(1);
      expect(resumed.method).toBe(spec.method);
      await resumed.trainEpoch(data);
      values(resumed.parameters).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
      expect((await resumed.test(data)).loss).toBeCloseTo(expectedTest, 12); // ASGD: with the restored average
      expect(resumed.optimizerState()).toEqual(straight.optimizerState());
    });
  }

  test('a checkpoint of another model structure, or a model file, is refused', () => {
    const t = trainer(make(), { method: 'sgd' });
    const file = path.join(dir, 'other.ckpt');
    trainer(new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.LogSoftMax()), { method: 'sgd' }).saveCheckpoint(file);
    expect(() => t.loadCheckpoint(file)).toThrow(/holds a different model structure/);
    nn.save(path.join(dir, 'model.net'), make());
    expect(() => t.loadCheckpoint(path.join(dir, 'model.net'))).toThrow(/is not a nodetorch checkpoint/);
    expect(() => t.loadCheckpoint(path.join(dir, 'missing.ckpt'))).toThrow(/no such file/);
  });
});

test('a version-1 checkpoint (the headline run, docs/headline/checkpoint) resumes: epoch, optimizer and parameters', () => {
  const trainer = new Trainer({ model: models.mnistModel('convnet').float(), criterion: new nn.ClassNLLCriterion() });
  trainer.loadCheckpoint(path.join(__dirname, '..', 'docs', 'headline', 'checkpoint'));
  expect(trainer.epoch).toBe(29);
  expect(trainer.method).toBe('sgd');
  expect(trainer.optimizerState()).toEqual({ evalCounter: 29 * 60000 }); // batch 1: one step per sample
  const saved = nn.load(path.join(__dirname, '..', 'docs', 'headline', 'model.net.29'));
  const [fromModel] = saved.getParameters();
  expect(trainer.parameters.sub(fromModel).abs().max().item()).toBe(0);
});
