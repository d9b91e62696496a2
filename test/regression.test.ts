// The Trainer beyond classification: real-valued and multi-output targets with Torch7's
// element-wise criteria (MSE, Abs, SmoothL1, BCE), MAE/RMSE metrics, logs; the criteria's values
// against hand computations and their gradients by finite differences.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed, nn, noGrad, randn, rand, tensor, Tensor, Trainer } from '../lib';

const values = (t: Tensor) => t.toArray() as number[];

describe('element-wise criteria, as Torch7', () => {
  const x = tensor(
    [
      [0.2, 0.9],
      [0.6, 0.05],
    ],
    { dtype: 'float64' },
  );
  const t = tensor(
    [
      [0, 1],
      [1.5, 0.05],
    ],
    { dtype: 'float64' },
  );
  const d = [0.2, -0.1, -0.9, 0];
  test('AbsCriterion: Σ|x − t| / n, or the sum without sizeAverage', () => {
    expect(new nn.AbsCriterion().forward(x, t)).toBeCloseTo(d.reduce((s, v) => s + Math.abs(v), 0) / 4, 14);
    expect(new nn.AbsCriterion(false).forward(x, t)).toBeCloseTo(1.2, 14);
  });
  test('SmoothL1Criterion: ½d² below 1, |d| − ½ above', () => {
    const big = tensor([3, 0.5], { dtype: 'float64' });
    expect(new nn.SmoothL1Criterion(false).forward(big, tensor([0, 0], { dtype: 'float64' }))).toBeCloseTo(2.5 + 0.125, 14);
    expect(new nn.SmoothL1Criterion().forward(x, t)).toBeCloseTo(d.reduce((s, v) => s + 0.5 * v * v, 0) / 4, 14);
  });
  test('BCECriterion: −[t log(x + 1e-12) + (1 − t) log(1 − x + 1e-12)], inputs in [0, 1]', () => {
    const p = tensor([0.2, 0.9, 1], { dtype: 'float64' });
    const y = tensor([0, 1, 1], { dtype: 'float64' });
    const expected = -(Math.log(1 - 0.2 + 1e-12) + Math.log(0.9 + 1e-12) + Math.log(1 + 1e-12)) / 3;
    expect(new nn.BCECriterion().forward(p, y)).toBeCloseTo(expected, 14);
    expect(() => new nn.BCECriterion().forward(tensor([1.5], { dtype: 'float64' }), tensor([1], { dtype: 'float64' }))).toThrow(
      /BCECriterion: inputs must be probabilities in \[0, 1\] \(end the model with nn.Sigmoid\)/,
    );
  });
  test('gradients match finite differences', () => {
    manualSeed(1);
    const input = rand([3, 2], { dtype: 'float64' }).mul(0.8).add(0.1);
    const target = rand([3, 2], { dtype: 'float64' });
    for (const c of [new nn.AbsCriterion(), new nn.SmoothL1Criterion(), new nn.BCECriterion(), new nn.MSECriterion(false)]) {
      expect(nn.gradcheck(c, input, { target }).maxError).toBeLessThan(1e-6);
    }
  });
  test('bad targets are errors naming the criterion', () => {
    expect(() => new nn.AbsCriterion().forward(x, tensor([1, 2], { dtype: 'int64' }))).toThrow(/AbsCriterion: targets must be real values/);
    expect(() => new nn.SmoothL1Criterion().forward(x, tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      /SmoothL1Criterion: 3 target values for an input of shape \[2, 2\]/,
    );
  });
});

describe('a regression Trainer', () => {
  // y = sin(x₁) + ½x₂ and a second output x₁x₂, with noise-free targets
  manualSeed(4);
  const inputs = randn([400, 2], { dtype: 'float64' });
  const [a, b] = [inputs.index(null, 0), inputs.index(null, 1)];
  const oneOutput = a.sin().add(b.mul(0.5));
  const targets2 = tensor(
    values(oneOutput).map((v, i) => [v, values(a)[i] * values(b)[i]]),
    { dtype: 'float64' },
  );
  const mlp = (outputs: number) => new nn.Sequential().add(new nn.Linear(2, 32)).add(new nn.Tanh()).add(new nn.Linear(32, outputs));

  test('fits N real targets with an N×1 output: MAE and RMSE fall, and equal a computation from the model', async () => {
    manualSeed(5);
    const model = mlp(1);
    const trainer = new Trainer({
      model,
      task: 'regression',
      criterion: new nn.MSECriterion(),
      batchSize: 16,
      optimizer: { method: 'adam', config: { learningRate: 0.01 } },
    });
    const before = await trainer.test({ inputs, targets: oneOutput });
    const results = await trainer.fit({ train: { inputs, targets: oneOutput }, test: { inputs, targets: oneOutput }, epochs: 30 });
    const after = results[results.length - 1].test!;
    console.log(`regression: RMSE ${before.rmse.toFixed(3)} → ${after.rmse.toFixed(3)}, MAE ${after.mae.toFixed(4)}`);
    expect(after.task).toBe('regression');
    expect(after.rmse).toBeLessThan(0.1 * before.rmse);
    // the reported figures are the model's own errors, computed here independently
    const predicted = values(noGrad(() => model.forward(inputs)).view(-1));
    const errors = predicted.map((p, i) => p - values(oneOutput)[i]);
    expect(after.mae).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / 400, 10);
    expect(after.rmse).toBeCloseTo(Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / 400), 10);
    expect(after.loss).toBeCloseTo(after.rmse ** 2, 10); // MSE's sizeAverage over one output
  });

  test('multi-output targets with Abs and SmoothL1 criteria; logs hold loss and RMSE', async () => {
    for (const criterion of [new nn.AbsCriterion(), new nn.SmoothL1Criterion()]) {
      manualSeed(6);
      const trainer = new Trainer({
        model: mlp(2),
        task: 'regression',
        criterion,
        batchSize: 20,
        optimizer: { method: 'rmsprop', config: { learningRate: 0.005 } },
      });
      const save = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-regression-'));
      const [first, , , , last] = await trainer.fit({
        train: { inputs, targets: targets2 },
        test: { inputs, targets: targets2 },
        epochs: 5,
        save,
      });
      expect(last.test!.mae).toBeLessThan(first.test!.mae);
      const log = fs.readFileSync(path.join(save, 'test.log'), 'utf8').split('\n');
      expect(log[0]).toBe('loss (test set)\tRMSE (test set)\t');
      expect(log).toHaveLength(7);
    }
  });

  test('BCE with Sigmoid outputs learns multi-label targets in [0, 1]', async () => {
    manualSeed(7);
    const labels = tensor(
      values(a).map((v, i) => [v > 0 ? 1 : 0, values(b)[i] > 0 ? 1 : 0]),
      { dtype: 'float64' },
    );
    const model = mlp(2).add(new nn.Sigmoid());
    const trainer = new Trainer({
      model,
      task: 'regression',
      criterion: new nn.BCECriterion(),
      batchSize: 10,
      optimizer: { method: 'adam', config: { learningRate: 0.02 } },
    });
    const [result] = (await trainer.fit({ train: { inputs, targets: labels }, epochs: 10 })).slice(-1);
    expect(result.train.mae).toBeLessThan(0.15);
  });

  test('wrong targets and options are errors that say what a regression needs', async () => {
    const trainer = new Trainer({ model: mlp(1), task: 'regression', criterion: new nn.MSECriterion() });
    await expect(trainer.trainEpoch({ inputs, targets: tensor(new Array(400).fill(1), { dtype: 'int64' }) })).rejects.toThrow(
      /train: regression targets must be real values \(float32 or float64\) but are int64/,
    );
    await expect(trainer.trainEpoch({ inputs, targets: targets2 })).rejects.toThrow(
      /the model must output as many values per sample as there are targets/,
    );
    const nan = tensor(
      values(oneOutput).map((v, i) => (i === 7 ? NaN : v)),
      { dtype: 'float64' },
    );
    await expect(trainer.test({ inputs, targets: nan })).rejects.toThrow(/test: 1 regression targets are NaN or Inf/);
    expect(() => new Trainer({ model: mlp(1), task: 'regression', criterion: new nn.MSECriterion(), classes: 3 } as never)).toThrow(
      /classes and classNames are for classification/,
    );
    expect(() => new Trainer({ model: mlp(1), task: 'ranking' as never, criterion: new nn.MSECriterion() })).toThrow(/Trainer task/);
    const plateau = new Trainer({
      model: mlp(1),
      task: 'regression',
      criterion: new nn.MSECriterion(),
      schedule: { kind: 'plateau', metric: 'testAccuracy' },
    });
    await expect(plateau.fit({ train: { inputs, targets: oneOutput }, test: { inputs, targets: oneOutput }, epochs: 1 })).rejects.toThrow(
      /follows testAccuracy, which this epoch did not measure/,
    );
  });
});
