import { manualSeed, nn, randn, rand, tensor, Tensor } from '../lib';

// Every module and criterion passes a central-difference gradient check in float64, for its input
// and for every parameter (torch/nn's test.lua does the same with Jacobians).
const TOL = 1e-6;
const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });

function check(name: string, make: () => nn.Module, input: () => Tensor, seed?: number) {
  test(name, () => {
    manualSeed(5);
    const m = make().double();
    const r = nn.gradcheck(m, input(), { seed });
    expect(r.scale).toBeGreaterThan(0); // a real gradient flowed
    expect(r.maxError).toBeLessThan(TOL * Math.max(1, r.scale));
  });
}

describe('gradcheck: modules (input and parameters)', () => {
  check(
    'Linear (sample)',
    () => new nn.Linear(5, 3),
    () => x64([5]),
  );
  check(
    'Linear (batch)',
    () => new nn.Linear(5, 3),
    () => x64([4, 5]),
  );
  check(
    'SpatialConvolution with stride and padding',
    () => new nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 0),
    () => x64([2, 7, 6]),
  );
  check(
    'SpatialConvolutionMM (batch)',
    () => new nn.SpatialConvolutionMM(2, 3, 3, 3),
    () => x64([2, 2, 6, 6]),
  );
  check(
    'SpatialMaxPooling',
    () => new nn.SpatialMaxPooling(2, 2, 2, 2),
    () => x64([2, 6, 6]),
  );
  check(
    'SpatialAveragePooling',
    () => new nn.SpatialAveragePooling(3, 2, 2, 1),
    () => x64([2, 7, 6]),
  );
  check(
    'SpatialLPPooling (p = 2)',
    () => new nn.SpatialLPPooling(2, 2, 2, 2, 2, 2),
    () => x64([2, 6, 6]),
  );
  check(
    'SpatialSubtractiveNormalization (1-D gaussian kernel)',
    () => new nn.SpatialSubtractiveNormalization(3, nn.gaussian1D(7)),
    () => x64([3, 9, 8]),
  );
  check(
    'SpatialSubtractiveNormalization (2-D kernel, batch)',
    () =>
      new nn.SpatialSubtractiveNormalization(2, [
        [1, 2, 1],
        [2, 4, 2],
        [1, 2, 1],
      ]),
    () => x64([2, 2, 5, 5]),
  );
  check(
    'SpatialZeroPadding (pad and crop)',
    () => new nn.SpatialZeroPadding(1, -1, 2, 0),
    () => x64([2, 4, 5]),
  );
  check(
    'View',
    () => new nn.View(12),
    () => x64([2, 3, 2, 2]),
  );
  check(
    'Reshape',
    () => new nn.Reshape(6),
    () => x64([6]),
  );
  check(
    'Tanh',
    () => new nn.Tanh(),
    () => x64([7]),
  );
  check(
    'ReLU',
    () => new nn.ReLU(),
    () => tensor([-1.5, -0.3, 0.2, 0.9, 2], { dtype: 'float64' }),
  );
  check(
    'Sigmoid',
    () => new nn.Sigmoid(),
    () => x64([7]),
  );
  check(
    'SoftMax (β = −1)',
    () => new nn.SoftMax(),
    () => x64([6]),
  );
  check(
    'SoftMax (β = 2.5, batch)',
    () => new nn.SoftMax({ beta: 2.5 }),
    () => x64([3, 6]),
  );
  check(
    'LogSoftMax',
    () => new nn.LogSoftMax(),
    () => x64([3, 6]),
  );
  check(
    'Dropout (training, fixed seed)',
    () => new nn.Dropout(0.4),
    () => x64([20]),
    11,
  );
  check(
    'Sequential convnet with every stage',
    () =>
      new nn.Sequential()
        .add(new nn.SpatialConvolutionMM(1, 3, 3, 3))
        .add(new nn.Tanh())
        .add(new nn.SpatialLPPooling(3, 2, 2, 2, 2, 2))
        .add(new nn.SpatialSubtractiveNormalization(3, nn.gaussian1D(3)))
        .add(new nn.Reshape(12))
        .add(new nn.Linear(12, 4))
        .add(new nn.LogSoftMax()),
    () => x64([1, 6, 6]),
  );

  test('a wrong backward is caught: the check can fail', () => {
    const x = tensor([0.3, -0.7], { dtype: 'float64' });
    expect(nn.gradcheck((v) => v.mul(v), x).maxError).toBeLessThan(1e-8);
    // x·detach(x): autograd's gradient is x, the true one 2x
    const wrong = nn.gradcheck((v) => v.detach().mul(v), x, { gradOutput: tensor([1, 1], { dtype: 'float64' }) });
    expect(wrong.maxError).toBeCloseTo(0.7, 6);
    // a module whose output changes between evaluations (Dropout without a seed) fails too
    expect(nn.gradcheck(new nn.Dropout(0.5).double(), x64([30])).maxError).toBeGreaterThan(1e-3);
  });

  test('float32 modules are refused with a clear message', () => {
    expect(() => nn.gradcheck(new nn.Linear(2, 2).float(), x64([2]))).toThrow(
      /gradcheck needs float64 parameters \(got float32\); call double\(\) first/,
    );
    expect(() => nn.gradcheck(new nn.Linear(2, 2), randn([2]))).toThrow(/gradcheck needs a float64 input/);
  });
});

describe('gradcheck: criteria (input)', () => {
  test('ClassNLLCriterion, MSECriterion, MultiMarginCriterion (p = 1, 2, weights)', () => {
    const out = rand([4, 5], { dtype: 'float64' });
    const classes = tensor([0, 3, 4, 1], { dtype: 'int64' });
    const cases: [nn.Criterion, Tensor][] = [
      [new nn.ClassNLLCriterion(), classes],
      [new nn.MSECriterion(), rand([4, 5], { dtype: 'float64' })],
      [new nn.MSECriterion(false), classes],
      [new nn.MultiMarginCriterion(), classes],
      [new nn.MultiMarginCriterion({ p: 2, margin: 0.5, weights: [1, 2, 3, 4, 5] }), classes],
    ];
    for (const [criterion, target] of cases) {
      const r = nn.gradcheck(criterion, out, { target });
      expect(r.scale).toBeGreaterThan(0);
      expect(r.maxError).toBeLessThan(1e-7);
    }
  });
});
