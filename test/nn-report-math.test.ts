import { nn, tensor, Tensor } from '../lib';
import { arr } from './helpers/common';

// The report's section 1: backprop through a sigmoid and through a softmax with inverse
// temperature β, checked against the analytic Jacobians.

/** Row i of the Jacobian via backward with the unit vector e_i (gradInput_j = ∂y_i/∂x_j). */
function jacobian(m: nn.Module, x: Tensor): number[][] {
  const n = x.shape[0];
  return Array.from({ length: n }, (_, i) => {
    m.forward(x);
    const e = tensor(
      Array.from({ length: n }, (_, k) => (k === i ? 1 : 0)),
      { dtype: 'float64' },
    );
    return arr(m.backward(x, e));
  });
}

describe("the report's backprop math", () => {
  const x = tensor([0.5, -1.2, 2.0, 0.1], { dtype: 'float64' });

  test('sigmoid: ∂y/∂x = y(1 − y) on the diagonal, 0 elsewhere', () => {
    const sigmoid = new nn.Sigmoid();
    const y = arr(sigmoid.forward(x));
    jacobian(sigmoid, x).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? y[i] * (1 - y[i]) : 0, 12)));
  });

  for (const beta of [-1, 0.5, 3]) {
    test(`softmax with β = ${beta}: y_i = e^{−βx_i}/Σe^{−βx_k}, ∂y_i/∂x_i = −β y_i (1 − y_i), ∂y_i/∂x_j = β y_i y_j`, () => {
      const softmax = new nn.SoftMax({ beta });
      const y = arr(softmax.forward(x));
      const e = arr(x).map((v) => Math.exp(-beta * v));
      const z = e.reduce((a, b) => a + b, 0);
      y.forEach((v, i) => expect(v).toBeCloseTo(e[i] / z, 12));
      jacobian(softmax, x).forEach((row, i) =>
        row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? -beta * y[i] * (1 - y[i]) : beta * y[i] * y[j], 12)),
      );
    });
  }

  test('the default β = −1 is the plain softmax (Torch7 nn.SoftMax)', () => {
    const y = arr(new nn.SoftMax().forward(x));
    const e = arr(x).map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    y.forEach((v, i) => expect(v).toBeCloseTo(e[i] / z, 12));
    expect(() => new nn.SoftMax({ beta: NaN })).toThrow(/Expected a finite number for SoftMax beta but received NaN/);
  });
});
