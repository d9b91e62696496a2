import { manualSeed, memory, nn, noGrad, tensor, zeros, TorchError } from '../lib';
import { arr, collectGarbage } from './helpers/common';

const expectClose = (actual: number[], expected: number[], digits = 10) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
};

function setParams(m: nn.Module, values: number[][]) {
  const [params, grads] = m.parameters();
  params.forEach((p, i) => p.copy(tensor(values[i], { dtype: 'float64' }).view(p.shape)));
  params.concat(grads).forEach((t) => t.dispose());
}

describe('nn modules', () => {
  test('Linear computes W x + b for a sample and a batch', () => {
    const lin = new nn.Linear(3, 2);
    setParams(lin, [
      [1, 2, 3, 4, 5, 6],
      [0.5, -1],
    ]);
    expect(lin.forward(tensor([1, 0, -1], { dtype: 'float64' })).toArray()).toEqual([-2 + 0.5, -2 - 1]);
    expect(
      lin
        .forward(
          tensor(
            [
              [1, 1, 1],
              [0, 0, 0],
            ],
            { dtype: 'float64' },
          ),
        )
        .toArray(),
    ).toEqual([
      [6.5, 14],
      [0.5, -1],
    ]);
  });

  test('Linear backward: gradInput = Wᵀg, gradWeight = g xᵀ, and gradients accumulate', () => {
    const lin = new nn.Linear(3, 2);
    setParams(lin, [
      [1, 2, 3, 4, 5, 6],
      [0, 0],
    ]);
    lin.zeroGradParameters();
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const g = tensor([1, -1], { dtype: 'float64' });
    lin.forward(x);
    expect(lin.backward(x, g).toArray()).toEqual([1 - 4, 2 - 5, 3 - 6]);
    lin.forward(x);
    lin.backward(x, g);
    const [, grads] = lin.parameters();
    expect(grads[0].toArray()).toEqual([
      [2, 4, 6],
      [-2, -4, -6],
    ]);
    expect(grads[1].toArray()).toEqual([2, -2]);
    lin.zeroGradParameters();
    expect(arr(grads[0]).every((v) => v === 0)).toBe(true);
    const [[weight, bias]] = lin.parameters();
    const [w0, b0] = [weight.toArray(), bias.toArray()];
    lin.updateParameters(0.5); // zero gradients: unchanged
    expect(weight.toArray()).toEqual(w0);
    expect(bias.toArray()).toEqual(b0);
  });

  test("several backward calls after one forward, as Torch7's nn.Jacobian makes them: gradients accumulate", () => {
    const lin = new nn.Linear(3, 2);
    setParams(lin, [
      [1, 2, 3, 4, 5, 6],
      [0, 0],
    ]);
    lin.zeroGradParameters();
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    lin.forward(x);
    // one backward per output element (a Jacobian row each): gradInput is that row of W
    expect(lin.backward(x, tensor([1, 0], { dtype: 'float64' })).toArray()).toEqual([1, 2, 3]);
    expect(lin.backward(x, tensor([0, 1], { dtype: 'float64' })).toArray()).toEqual([4, 5, 6]);
    const [, grads] = lin.parameters();
    expect(grads[0].toArray()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(grads[1].toArray()).toEqual([1, 1]);
    const soft = new nn.SoftMax();
    const y = soft.forward(x);
    const rows = [0, 1, 2].map(
      (k) =>
        soft
          .backward(
            x,
            tensor(
              [0, 1, 2].map((j) => (j === k ? 1 : 0)),
              { dtype: 'float64' },
            ),
          )
          .toArray() as number[],
    );
    const p = y.toArray() as number[];
    // d softmax_k / d x_j = p_k (δ_kj − p_j)
    rows.forEach((row, k) => row.forEach((v, j) => expect(v).toBeCloseTo(p[k] * ((k === j ? 1 : 0) - p[j]), 14)));
  });

  test('updateParameters does p -= lr * gradP', () => {
    const lin = new nn.Linear(1, 1);
    setParams(lin, [[2], [1]]);
    lin.zeroGradParameters();
    const x = tensor([3], { dtype: 'float64' });
    lin.forward(x);
    lin.backward(x, tensor([1], { dtype: 'float64' })); // dW = 3, db = 1
    lin.updateParameters(0.1);
    const [params] = lin.parameters();
    expect(params[0].item()).toBeCloseTo(2 - 0.3, 12);
    expect(params[1].item()).toBeCloseTo(1 - 0.1, 12);
  });

  test("Torch7's default initialisation U(±1/√fanIn) for Linear and convolution", () => {
    manualSeed(1);
    const conv = new nn.SpatialConvolutionMM(64, 64, 5, 5);
    const [[w, b]] = conv.parameters();
    const bound = 1 / Math.sqrt(64 * 25);
    const values = arr(w);
    expect(Math.max(...values)).toBeLessThanOrEqual(bound);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...values)).toBeGreaterThan(0.99 * bound); // uniform over the whole range
    expect(Math.abs(values.reduce((a, c) => a + c, 0) / values.length)).toBeLessThan(bound / 20);
    expect(Math.max(...arr(b).map(Math.abs))).toBeLessThanOrEqual(bound);
    const [[lw]] = new nn.Linear(128, 10).parameters();
    expect(Math.max(...arr(lw).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(128));
  });

  test('SpatialConvolution is a cross-correlation with Torch7 argument order (kW, kH, dW, dH, padW, padH)', () => {
    const conv = new nn.SpatialConvolution(1, 1, 2, 2);
    setParams(conv, [[1, 2, 3, 4], [10]]);
    const x = tensor(
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
      { dtype: 'float64' },
    );
    // top-left: 1·1 + 2·2 + 3·4 + 4·5 + 10 = 47
    expect(conv.forward(x).toArray()).toEqual([
      [
        [47, 57],
        [77, 87],
      ],
    ]);
    const wide = new nn.SpatialConvolution(1, 1, 3, 1, 1, 1, 1, 0); // kW 3, kH 1, padW 1
    setParams(wide, [[1, 1, 1], [0]]);
    expect(wide.forward(x).toArray()).toEqual([
      [
        [3, 6, 5],
        [9, 15, 11],
        [15, 24, 17],
      ],
    ]);
    expect(conv.forward(x.unsqueeze(0)).shape).toEqual([1, 1, 2, 2]);
  });

  test('SpatialMaxPooling, View, Tanh, ReLU, Sigmoid and LogSoftMax', () => {
    const x = tensor(
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(new nn.SpatialMaxPooling(2, 2, 2, 2).forward(x).toArray()).toEqual([
      [
        [6, 8],
        [14, 16],
      ],
    ]);
    expect(new nn.SpatialMaxPooling(3, 3, 1, 1).forward(x).toArray()).toEqual([
      [
        [11, 12],
        [15, 16],
      ],
    ]);
    expect(new nn.View(16).forward(x).shape).toEqual([16]);
    expect(new nn.View(16).forward(zeros([5, 1, 4, 4], { dtype: 'float64' })).shape).toEqual([5, 16]);
    // the Torch7 Reshape trap is fixed: one 1×32×32 sample stays one sample
    expect(new nn.Reshape(1024).forward(zeros([1, 32, 32])).shape).toEqual([1024]);
    const v = tensor([-1, 0, 2], { dtype: 'float64' });
    expectClose(arr(new nn.Tanh().forward(v)), [-1, 0, 2].map(Math.tanh));
    expect(new nn.ReLU().forward(v).toArray()).toEqual([0, 0, 2]);
    expectClose(
      arr(new nn.Sigmoid().forward(v)),
      [-1, 0, 2].map((a) => 1 / (1 + Math.exp(-a))),
    );
    const lse = Math.log(Math.exp(-1) + Math.exp(0) + Math.exp(2));
    expectClose(arr(new nn.LogSoftMax().forward(v)), [-1 - lse, -lse, 2 - lse]);
  });

  test('Sequential chains, get(i) is 1-based, size() counts, and backward runs the whole chain', () => {
    const net = new nn.Sequential().add(new nn.Linear(2, 2)).add(new nn.Tanh());
    expect(net.size()).toBe(2);
    expect(net.get(1)).toBeInstanceOf(nn.Linear);
    expect(net.get(2)).toBeInstanceOf(nn.Tanh);
    setParams(net.get(1), [
      [1, 0, 0, 1],
      [0, 0],
    ]);
    const x = tensor([0.5, -0.25], { dtype: 'float64' });
    const y = net.forward(x);
    expectClose(arr(y), [Math.tanh(0.5), Math.tanh(-0.25)]);
    net.zeroGradParameters();
    const gradInput = net.backward(x, tensor([1, 1], { dtype: 'float64' }));
    expectClose(arr(gradInput), [1 - Math.tanh(0.5) ** 2, 1 - Math.tanh(-0.25) ** 2]);
    expect(() => net.get(3)).toThrow(/Expected an integer in \[1, 2\] for Sequential.get\(index\) \(1-based\) but received 3/);
  });

  test('getParameters: one flat vector the modules are views of, gradients accumulate into one flat vector', () => {
    const net = new nn.Sequential().add(new nn.Linear(3, 2)).add(new nn.Linear(2, 1));
    const [flat, flatGrad] = net.getParameters();
    expect(flat.shape).toEqual([3 * 2 + 2 + 2 + 1]);
    flat.fill(0.5);
    const x = tensor([1, 1, 1], { dtype: 'float64' });
    expect(net.forward(x).item()).toBeCloseTo(0.5 * 2 * (1.5 + 0.5) + 0.5, 12); // hidden = 2 each
    flatGrad.zero();
    net.backward(x, tensor([1], { dtype: 'float64' }));
    // last bias gradient is 1, last weights' gradients are the hidden activations (2, 2)
    expect(arr(flatGrad).slice(-3)).toEqual([2, 2, 1]);
    const [params] = net.parameters();
    params[0].fill(1);
    expect(arr(flat).slice(0, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    // a second call returns the same vectors instead of re-flattening (Torch7 needs it called once)
    const [again] = net.getParameters();
    again.fill(3);
    expect(arr(flat).every((v) => v === 3)).toBe(true);
  });

  test('ClassNLLCriterion: -x[target], batch mean, gradient -1/N at the targets (0-based targets)', () => {
    const crit = new nn.ClassNLLCriterion();
    const out = tensor(
      [
        [-1, -2, -3],
        [-4, -5, -6],
      ],
      { dtype: 'float64' },
    );
    const target = tensor([2, 0], { dtype: 'int64' });
    expect(crit.forward(out, target)).toBeCloseTo((3 + 4) / 2, 12);
    expect(crit.backward(out, target).toArray()).toEqual([
      [0, 0, -0.5],
      [-0.5, 0, 0],
    ]);
    expect(crit.forward(tensor([-1, -2, -3], { dtype: 'float64' }), 1)).toBe(2);
    expect(() => crit.forward(out, tensor([3, 0], { dtype: 'int64' }))).toThrow(/targets must be class indices in \[0, 2\]/);
  });

  test('float(), double() and the dtype of outputs', () => {
    const lin = new nn.Linear(2, 2);
    expect(lin.dtype).toBe('float64');
    lin.float();
    expect(lin.dtype).toBe('float32');
    expect(lin.forward(tensor([1, 2])).dtype).toBe('float32');
    const seq = new nn.Sequential().add(new nn.Linear(2, 2)).float();
    expect(seq.get(1).dtype).toBe('float32');
    expect(() => seq.forward(tensor([1, 2], { dtype: 'float64' }))).toThrow(/module 1 \(Linear\)/);
  });

  test('bad constructor arguments and inputs give clear errors', () => {
    expect(() => new nn.Linear(0, 2)).toThrow(/Expected an integer >= 1 for Linear inputSize but received 0/);
    expect(() => new nn.SpatialConvolution(1, -4, 5, 5)).toThrow(/for SpatialConvolution nOutputPlane but received -4/);
    expect(() => new nn.SpatialMaxPooling(2.5, 2)).toThrow(/SpatialMaxPooling kW/);
    expect(() => new nn.View()).toThrow(/View needs at least one size/);
    const conv = new nn.SpatialConvolutionMM(1, 4, 5, 5);
    expect(() => conv.forward(zeros([1, 3, 3], { dtype: 'float64' }))).toThrow(/kernel 5×5 is larger than the padded input \[1, 3, 3\]/);
    expect(() => conv.forward(zeros([3, 8, 8], { dtype: 'float64' }))).toThrow(
      /SpatialConvolutionMM expects 1×H×W or N×1×H×W input, got shape \[3, 8, 8\]/,
    );
    expect(() => conv.forward(zeros([8, 8], { dtype: 'float64' }))).toThrow(/got shape \[8, 8\]/);
    expect(() => new nn.Linear(3, 2).forward(zeros([4], { dtype: 'float64' }))).toThrow(
      /Linear\(3 -> 2\) expects a vector of 3 or a batch N×3, got shape \[4\]/,
    );
    expect(() => new nn.View(10).forward(zeros([7]))).toThrow(/cannot take an input of shape \[7\]/);
    const lin = new nn.Linear(2, 2);
    expect(() => lin.backward(zeros([2], { dtype: 'float64' }), zeros([2], { dtype: 'float64' }))).toThrow(
      /backward\(\) needs a forward\(\)/,
    );
    expect(() => new nn.Sequential().add({} as never)).toThrow(TorchError);
    expect(() => noGrad(() => lin.forward(zeros([2], { dtype: 'float64' })))).not.toThrow();
  });

  test('modules do not leak tensors across forward/backward', async () => {
    const lin = new nn.Linear(4, 4);
    const x = zeros([4], { dtype: 'float64' });
    const g = zeros([4], { dtype: 'float64' });
    lin.forward(x);
    lin.backward(x, g);
    await collectGarbage(); // so that only this loop moves the counter
    const before = memory().tensors;
    for (let i = 0; i < 10; i++) {
      lin.output?.dispose();
      lin.gradInput?.dispose();
      lin.forward(x);
      lin.backward(x, g);
    }
    lin.output?.dispose();
    lin.gradInput?.dispose();
    expect(memory().tensors).toBe(before - 2);
  });
});
