// model.summary(inputShape) and model.numParameters(): per-module output shapes and parameter
// counts, checked against the layer formulas (conv: out·(in·kh·kw + 1), linear: out·(in + 1)).
import { models, nn } from '../lib';

test("the study's max-pooling convnet: shapes and counts per layer, 310,346 parameters in all", () => {
  const model = models.mnistModel('convnet', { pooling: 'max' });
  const conv = (i: number, o: number, k: number) => o * (i * k * k + 1);
  const linear = (i: number, o: number) => o * (i + 1);
  expect(model.numParameters()).toBe(conv(1, 64, 5) + conv(64, 64, 5) + linear(1600, 128) + linear(128, 10));
  const s = model.summary([1, 32, 32]);
  expect(s.parameters).toBe(310346);
  expect(s.rows[0]).toEqual({ depth: 0, module: 'nn.Sequential', outputShape: [1, 10], parameters: 310346 });
  const leaves = s.rows.slice(1).map((r) => [r.module.replace(/\(.*/, ''), r.outputShape, r.parameters]);
  expect(leaves).toEqual([
    ['nn.SpatialConvolutionMM', [1, 64, 28, 28], conv(1, 64, 5)],
    ['nn.Tanh', [1, 64, 28, 28], 0],
    ['nn.SpatialMaxPooling', [1, 64, 14, 14], 0],
    ['nn.SpatialConvolutionMM', [1, 64, 10, 10], conv(64, 64, 5)],
    ['nn.Tanh', [1, 64, 10, 10], 0],
    ['nn.SpatialMaxPooling', [1, 64, 5, 5], 0],
    ['nn.View', [1, 1600], 0],
    ['nn.Linear', [1, 128], linear(1600, 128)],
    ['nn.Tanh', [1, 128], 0],
    ['nn.Linear', [1, 10], linear(128, 10)],
    ['nn.LogSoftMax', [1, 10], 0],
  ]);
  const table = s.toString().split('\n');
  expect(table[0]).toMatch(/^module\s+output shape\s+parameters$/);
  expect(table.some((line) => /^ {2}nn\.Linear\(1600, 128\)\s+\[N, 128\]\s+204,928$/.test(line))).toBe(true);
  expect(table[table.length - 1]).toBe('310,346 parameters');
});

test('nested containers are indented with their own totals; bad shapes and shapes the model refuses are errors', () => {
  const inner = new nn.Sequential().add(new nn.Linear(8, 4)).add(new nn.Tanh());
  const model = new nn.Sequential().add(new nn.Linear(3, 8)).add(inner).add(new nn.Linear(4, 2));
  const s = model.summary([3]);
  expect(s.rows.map((r) => [r.depth, r.parameters])).toEqual([
    [0, 32 + 36 + 10],
    [1, 32],
    [1, 36],
    [2, 36],
    [2, 0],
    [1, 10],
  ]);
  expect(model.output).toBeNull(); // the summary's pass is not the model's last forward
  expect(() => model.summary([0])).toThrow(/Expected a sample shape of positive integers, e.g. \[1, 32, 32\] for summary inputShape/);
  expect(() => model.summary([5])).toThrow(
    /summary: a sample of shape \[5\] does not fit this model \(run as a batch of 2\): .*Linear\(3 -> 8\) expects a vector of 3 or a batch N×3/,
  );
});
