// The criteria beyond the study (CrossEntropy, BCEWithLogits, DistKLDiv, HingeEmbedding, and the
// pair criteria MarginRanking and CosineEmbedding, whose input is a table {x1, x2}), proven by
// PyTorch's losses of the same kind: loss and input gradient in float64 (≤ 1e-10,
// test/python/criterion_check.py); gradcheck through a module; the Trainer with CrossEntropy.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, nn, rand, randn, tensor } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { flat, toJson } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
const signs = (n: number) =>
  tensor(
    Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1)),
    { dtype: 'float64' },
  );

const CASES: [string, () => nn.Criterion, () => nn.Value, () => Tensor][] = [
  ['CrossEntropyCriterion()', () => new nn.CrossEntropyCriterion(), () => x64([5, 4]), () => tensor([0, 3, 1, 1, 2], { dtype: 'int64' })],
  [
    'CrossEntropyCriterion(weights)',
    () => new nn.CrossEntropyCriterion([1, 0.5, 2, 0.25]),
    () => x64([5, 4]),
    () => tensor([0, 3, 1, 1, 2], { dtype: 'int64' }),
  ],
  ['BCEWithLogitsCriterion()', () => new nn.BCEWithLogitsCriterion(), () => x64([4, 3]).mul(3), () => rand([4, 3], { dtype: 'float64' })],
  [
    'BCEWithLogitsCriterion(false): summed',
    () => new nn.BCEWithLogitsCriterion(false),
    () => x64([6]).mul(3),
    () => rand([6], { dtype: 'float64' }),
  ],
  [
    'DistKLDivCriterion(), a zero target included',
    () => new nn.DistKLDivCriterion(),
    () => new nn.LogSoftMax().forward(x64([3, 4])),
    () =>
      tensor(
        [
          [0.1, 0.2, 0.3, 0.4],
          [0, 0.5, 0.25, 0.25],
          [1, 0, 0, 0],
        ],
        { dtype: 'float64' },
      ),
  ],
  ['HingeEmbeddingCriterion(0.7)', () => new nn.HingeEmbeddingCriterion(0.7), () => x64([7]), () => signs(7)],
  ['MarginRankingCriterion(0.2)', () => new nn.MarginRankingCriterion(0.2), () => [x64([6]), x64([6])], () => signs(6)],
  ['CosineEmbeddingCriterion(0.1)', () => new nn.CosineEmbeddingCriterion(0.1), () => [x64([6, 4]), x64([6, 4])], () => signs(6)],
];

const python = pythonWithTorch();
if (!python)
  console.warn('nn-criteria: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('losses and input gradients equal PyTorch (float64, ≤ 1e-10)', () => {
  const ours: { loss: number; grad: unknown }[] = [];
  let theirs: { loss: number; grad: unknown }[];
  beforeAll(() => {
    manualSeed(70);
    const cases = CASES.map(([, make, input, target]) => {
      const criterion = make();
      const [x, t] = [input(), target()];
      ours.push({ loss: criterion.forward(x, t), grad: toJson(criterion.backward(x as Tensor, t)) });
      return { type: criterion.type, args: [] as unknown[], input: toJson(x), target: t.toArray() };
    });
    // the arguments PyTorch needs, as the constructors were given them
    const given = [[[]], [[1, 0.5, 2, 0.25]], [true], [false], [true], [0.7], [0.2], [0.1]];
    cases.forEach((c, i) => (c.args = given[i]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-criteria-'));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    runPython(python!, 'criterion_check.py', [path.join(dir, 'cases.json'), path.join(dir, 'results.json')]);
    theirs = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results;
  });
  test.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect(Math.abs(ours[i].loss - theirs[i].loss)).toBeLessThanOrEqual(1e-10);
    const [p, q] = [flat(ours[i].grad), flat(theirs[i].grad)];
    expect(p.length).toBe(q.length);
    p.forEach((v, k) => expect(Math.abs(v - q[k])).toBeLessThanOrEqual(1e-10));
  });
});

describe('the criteria in use', () => {
  test.each(CASES.map(([name], i) => [name, i] as const))('gradcheck: %s (input, and each entry of a pair)', (_name, i) => {
    manualSeed(72 + i);
    const [, make, input, target] = CASES[i];
    const x = input();
    const pieces = x instanceof Tensor ? [x] : (x as Tensor[]);
    // a pair criterion's gradient, checked one entry at a time: the other held fixed
    pieces.forEach((piece, k) => {
      const criterion = make();
      const t = target();
      const pair = (entry: Tensor) =>
        criterion.loss(
          pieces.map((p, j) => (j === k ? entry : p)),
          t,
        );
      const r = x instanceof Tensor ? nn.gradcheck(criterion, piece, { target: t }) : nn.gradcheck(pair, piece);
      expect(r.scale).toBeGreaterThan(0);
      expect(r.maxError).toBeLessThan(1e-7 * Math.max(1, r.scale));
    });
  });

  test("CrossEntropyCriterion's gradient with class weights against central differences", () => {
    manualSeed(71);
    const x = x64([5, 4]);
    const c = new nn.CrossEntropyCriterion([1, 2, 1, 0.5]);
    const target = tensor([0, 1, 2, 3, 1], { dtype: 'int64' });
    const g = c.backward(x, target);
    const eps = 1e-6;
    const numerical = (x.toArray() as number[][]).map((row, i) =>
      row.map((_, j) => {
        const plus = x.clone();
        plus.index(i, j).fill((x.index(i, j).item() as number) + eps);
        const minus = x.clone();
        minus.index(i, j).fill((x.index(i, j).item() as number) - eps);
        return (c.forward(plus, target) - c.forward(minus, target)) / (2 * eps);
      }),
    );
    expect(Math.max(...flat(numerical).map((v, k) => Math.abs(v - flat(g.toArray())[k])))).toBeLessThan(1e-8);
  });

  test('the Trainer classifies with CrossEntropyCriterion on raw scores (no LogSoftMax), inferring the task', async () => {
    manualSeed(72);
    const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 3)).double();
    const inputs = x64([300, 2]);
    const targets = inputs.index(null, 0).gt(0.5).to('int64').add(inputs.index(null, 1).gt(0).to('int64'));
    const trainer = new Trainer({
      model,
      criterion: new nn.CrossEntropyCriterion(),
      batchSize: 10,
      optimizer: { method: 'adam', config: { learningRate: 0.02 } },
    });
    for (let k = 0; k < 10; k++) await trainer.trainEpoch({ inputs, targets });
    const r = await trainer.test({ inputs, targets });
    expect(trainer.task).toBe('classification');
    expect(trainer.classes).toBe(3);
    expect(r.accuracy).toBeGreaterThan(0.9);
  });

  test('bad inputs and targets are TorchErrors naming the criterion', () => {
    expect(() => new nn.MarginRankingCriterion().forward(x64([3]), signs(3))).toThrow(
      /MarginRankingCriterion takes a table of two tensors \{x1, x2\}, got \[3\]/,
    );
    expect(() => new nn.CosineEmbeddingCriterion().forward([x64([3, 2]), x64([3, 4])], signs(3))).toThrow(
      /x1 has shape \[3, 2\] but x2 \[3, 4\]/,
    );
    expect(() => new nn.HingeEmbeddingCriterion().forward(x64([3]), tensor([1, 0, -1], { dtype: 'float64' }))).toThrow(
      /targets must be 1 or -1/,
    );
    expect(() => new nn.CrossEntropyCriterion([1, 2]).forward(x64([2, 3]), tensor([0, 1], { dtype: 'int64' }))).toThrow(
      /2 weights for 3 classes/,
    );
    expect(() => new nn.CrossEntropyCriterion().forward(x64([2, 3]), tensor([0.5, 1], { dtype: 'float64' }))).toThrow(
      /targets must be whole class indices/,
    );
    expect(() => new nn.CrossEntropyCriterion([-1])).toThrow(TorchError);
  });
});
