// Trainer.fit's callbacks: objects with onTrainBegin / onEpochEnd / onTrainEnd, trainer.stop() ending
// fit normally with the reason, EarlyStopping (patience, minDelta, restoreBest) and keepBest.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EarlyStopping, Tensor, TorchError, Trainer, manualSeed, nn, tensor } from '../lib';

function problem() {
  const x = tensor(
    Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]),
    { dtype: 'float64' },
  );
  const y = tensor(
    Array.from({ length: 40 }, (_, i) => (Math.sin(i) > 0 ? 1 : 0)),
    { dtype: 'int64' },
  );
  return { inputs: x, targets: y };
}
const model = () => new nn.Sequential(new nn.Linear(2, 6), new nn.Tanh(), new nn.Linear(6, 2), new nn.LogSoftMax());

describe('Trainer.fit callbacks', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-callbacks-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('hooks run in order with the epoch figures; trainer.stop ends fit normally with the reason', async () => {
    manualSeed(3);
    const data = problem();
    const trainer = new Trainer({
      model: model(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 8,
      optimizer: { method: 'sgd', config: { learningRate: 0.1 } },
    });
    const calls: string[] = [];
    const results = await trainer.fit({
      train: data,
      test: data,
      epochs: 10,
      callbacks: [
        {
          onTrainBegin: () => {
            calls.push('begin');
          },
          onEpochEnd: (end, control) => {
            calls.push(`epoch ${end.epoch}: ${end.metrics.testAccuracy !== undefined && end.metrics.trainLoss !== undefined}`);
            if (end.epoch === 2) control.stop('enough');
          },
          onTrainEnd: () => {
            calls.push('end');
          },
        },
      ],
    });
    expect(calls).toEqual(['begin', 'epoch 1: true', 'epoch 2: true', 'end']);
    expect(results).toHaveLength(2);
    expect(results.stopped).toEqual({ epoch: 2, reason: 'enough' });
    expect(trainer.epoch).toBe(2);
  });

  test('onBatchEnd sees every step with its loss; trainer.stop() from it ends the pass at its next batch', async () => {
    manualSeed(4);
    const data = problem();
    const trainer = new Trainer({
      model: model(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 2,
      optimizer: { method: 'sgd', config: { learningRate: 0.1 } },
    });
    const seen: { epoch: number; step: number; loss: number }[] = [];
    const all = await trainer.fit({
      train: data,
      epochs: 2,
      callbacks: [
        {
          onBatchEnd: ({ epoch, step, loss }) => {
            seen.push({ epoch, step, loss });
          },
        },
      ],
    });
    expect(seen.map((s) => s.step)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1)); // 20 steps an epoch
    expect(seen.map((s) => s.epoch)).toEqual([...new Array(20).fill(1), ...new Array(20).fill(2)]);
    expect(seen.map((s) => s.loss)).toEqual([...all[0].train.stepLosses!, ...all[1].train.stepLosses!]);

    const stopping = new Trainer({
      model: model(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 2,
      optimizer: { method: 'sgd', config: { learningRate: 0.1 } },
    });
    // 10,000 steps an epoch: the event loop hears of step 5 long before the native loop could end the pass
    const big = { inputs: data.inputs.repeat([500, 1]), targets: data.targets.repeat([500]) };
    const results = await stopping.fit({
      train: big,
      epochs: 3,
      callbacks: [
        {
          onBatchEnd: ({ step }, control) => {
            if (step === 5) control.stop('five steps');
          },
        },
      ],
    });
    expect(results).toHaveLength(1);
    expect(results.stopped).toEqual({ epoch: 1, reason: 'five steps' });
    expect(results[0].train.steps).toBeGreaterThanOrEqual(5);
    expect(results[0].train.steps).toBeLessThan(10000);
    expect(stopping.epoch).toBe(1);
  });

  test('EarlyStopping stops after `patience` epochs without improvement and can restore the best weights', async () => {
    manualSeed(5);
    const data = problem();
    const m = model();
    // a rate so high that the test loss soon stops improving
    const trainer = new Trainer({
      model: m,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 40,
      optimizer: { method: 'sgd', config: { learningRate: 8 } },
    });
    const early = new EarlyStopping({ monitor: 'testLoss', patience: 2, restoreBest: true });
    const seen: Tensor[] = [];
    const results = await trainer.fit({
      train: data,
      test: data,
      epochs: 40,
      callbacks: [
        early,
        {
          onEpochEnd: () => {
            seen.push(m.namedState()[0][1].clone());
          },
        },
      ],
    });
    expect(results.stopped).toBeDefined();
    const losses = results.map((r) => r.test!.loss);
    const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
    expect(early.bestEpoch).toBe(bestEpoch);
    expect(results.length).toBe(bestEpoch + 3); // the best, then patience + 1 worse epochs
    expect(results.stopped!.reason).toMatch(
      new RegExp(`testLoss has not improved by more than 0 for 3 epochs \\(best .* at epoch ${bestEpoch}\\)`),
    );
    // the weights are the best epoch's again
    expect(m.namedState()[0][1].toArray()).toEqual(seen[bestEpoch - 1].toArray());
  });

  test('keepBest writes <save>/model.best whenever the metric improves', async () => {
    manualSeed(7);
    const data = problem();
    const m = model();
    const trainer = new Trainer({
      model: m,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 8,
      optimizer: { method: 'sgd', config: { learningRate: 0.3 } },
    });
    const save = path.join(dir, 'best');
    const results = await trainer.fit({ train: data, test: data, epochs: 4, save, keepBest: 'testAccuracy' });
    const accuracies = results.map((r) => r.test!.accuracy);
    const best = accuracies.indexOf(Math.max(...accuracies)) + 1;
    expect(results.best).toEqual({ epoch: best, metric: 'testAccuracy', value: accuracies[best - 1], file: path.join(save, 'model.best') });
    expect(fs.readFileSync(path.join(save, 'model.best'))).toEqual(fs.readFileSync(path.join(save, `model.net.${best}`)));
  });

  test('bad callbacks and options are TorchErrors before training', async () => {
    const data = problem();
    const trainer = new Trainer({ model: model(), criterion: new nn.ClassNLLCriterion() });
    await expect(trainer.fit({ train: data, epochs: 1, callbacks: {} as never })).rejects.toThrow(/callbacks/);
    await expect(trainer.fit({ train: data, epochs: 1, callbacks: [{}] })).rejects.toThrow(
      /has none of onTrainBegin, onBatchEnd, onEpochEnd, onTrainEnd/,
    );
    await expect(trainer.fit({ train: data, epochs: 1, callbacks: [{ onEpochEnd: 3 } as never] })).rejects.toThrow(
      /callbacks\[0\]\.onEpochEnd/,
    );
    await expect(trainer.fit({ train: data, epochs: 1, keepBest: 'testAccuracy' })).rejects.toThrow(
      /keepBest writes <save>\/model.best, so it needs save/,
    );
    await expect(trainer.fit({ train: data, epochs: 1, callbacks: [new EarlyStopping({ monitor: 'testLoss' })] })).rejects.toThrow(
      /EarlyStopping follows testLoss, which epoch 1 did not measure/,
    );
    expect(() => new EarlyStopping({ monitor: 'loss' as never })).toThrow(TorchError);
    expect(() => new EarlyStopping({ patience: 1.5 })).toThrow(/whole number/);
    expect(trainer.epoch).toBe(1); // only the EarlyStopping run trained (its check comes after the epoch)
  });
});
