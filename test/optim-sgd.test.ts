import { manualSeed, nn, optim, tensor, Tensor, tidy, Trainer } from '../lib';
import { arr } from './helpers/common';

// f(x) = ½‖x − c‖² has gradient x − c: easy to follow by hand.
const c = [1, -2];
function quadratic(): optim.Feval {
  return (x: Tensor) => {
    const v = arr(x);
    const g = tensor(
      v.map((xi, i) => xi - c[i]),
      { dtype: 'float64' },
    );
    return [v.reduce((s, xi, i) => s + 0.5 * (xi - c[i]) ** 2, 0), g];
  };
}

describe('optim.sgd (Torch7 semantics)', () => {
  test('plain steps: x ← x − lr·g, returns [x, [f(x) before the step]]', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    const config = { learningRate: 0.1 };
    const [out, fs] = optim.sgd(quadratic(), x, config);
    expect(out).toBe(x);
    expect(fs).toEqual([2.5]);
    expect(arr(x)).toEqual([0.1, -0.2]);
    expect((config as { evalCounter?: number }).evalCounter).toBe(1); // state defaults to config
  });

  test('learningRateDecay: lr / (1 + k·decay) with k the calls so far', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    const state = {};
    const config = { learningRate: 1, learningRateDecay: 0.5 };
    optim.sgd(quadratic(), x, config, state); // lr 1: x = c
    expect(arr(x)).toEqual([1, -2]);
    x.fill(0);
    optim.sgd(quadratic(), x, config, state); // lr 1 / 1.5
    expectClose(arr(x), [1 / 1.5, -2 / 1.5]);
  });

  test('momentum: first buffer = g undamped, then m·buf + (1 − dampening)·g with dampening = momentum by default', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    const state: optim.SgdState = {};
    const config = { learningRate: 0.1, momentum: 0.9 };
    optim.sgd(quadratic(), x, config, state);
    // g0 = (−1, 2); buf = g0; x1 = −0.1·g0
    expectClose(arr(x), [0.1, -0.2]);
    expect(arr(state.dfdx!)).toEqual([-1, 2]);
    optim.sgd(quadratic(), x, config, state);
    // g1 = x1 − c = (−0.9, 1.8); buf = 0.9·(−1, 2) + 0.1·g1 = (−0.99, 1.98)
    expectClose(arr(state.dfdx!), [-0.99, 1.98]);
    expectClose(arr(x), [0.1 + 0.099, -0.2 - 0.198]);
  });

  test('the state keeps its momentum buffer natively: steps inside tidy() and disposed reads leave it intact', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    const config = { learningRate: 0.1, momentum: 0.9 };
    tidy(() => optim.sgd(quadratic(), x, config)); // state defaults to config
    const first = (config as optim.SgdState).dfdx!;
    expect(arr(first)).toEqual([-1, 2]);
    first.dispose();
    tidy(() => optim.sgd(quadratic(), x, config));
    expectClose(arr((config as optim.SgdState).dfdx!), [-0.99, 1.98]);
    expect(Object.keys(config)).toEqual(['learningRate', 'momentum', 'evalCounter']); // tensors are not enumerable
    expect((config as optim.SgdState).evalCounter).toBe(2);
  });

  test('a config that served as its own state can be used again: copied, with another state, or in a Trainer', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    const config = { learningRate: 0.1 };
    optim.sgd(quadratic(), x, config);
    expect(Object.keys(config)).toEqual(['learningRate', 'evalCounter']);
    const copy = { ...config, learningRate: 0.05 }; // a schedule's next config
    expect(() => optim.sgd(quadratic(), x, copy, {})).not.toThrow();
    expect(
      () => new Trainer({ model: new nn.Linear(2, 2), criterion: new nn.MSECriterion(), optimizer: { method: 'sgd', config } }),
    ).not.toThrow();
    expect(() => optim.sgd(quadratic(), x, { ...config, evalCountr: 1 } as never)).toThrow(/Unknown option 'evalCountr'/);
  });

  test('weight decay is added to the gradient; nesterov uses g + m·buf', () => {
    const x = tensor([1, 1], { dtype: 'float64' });
    optim.sgd(() => [0, tensor([0, 0], { dtype: 'float64' })], x, { learningRate: 0.5, weightDecay: 0.1 });
    expectClose(arr(x), [0.95, 0.95]);
    const y = tensor([0, 0], { dtype: 'float64' });
    const state: optim.SgdState = {};
    optim.sgd(quadratic(), y, { learningRate: 0.1, momentum: 0.5, dampening: 0, nesterov: true }, state);
    // buf = g = (−1, 2); step = g + 0.5·buf = (−1.5, 3)
    expectClose(arr(y), [0.15, -0.3]);
  });

  test('bad configs and bad feval results are clear errors', () => {
    const x = tensor([0, 0], { dtype: 'float64' });
    expect(() => optim.sgd(quadratic(), x, { learningRate: -1 })).toThrow(/Expected a finite number >= 0 for learningRate but received -1/);
    expect(() => optim.sgd(quadratic(), x, { momentum: 0, nesterov: true })).toThrow(/nesterov needs momentum > 0 and dampening = 0/);
    expect(() => optim.sgd(quadratic(), x, { momentum: 0.9, nesterov: true })).toThrow(/dampening 0.9/);
    expect(() => optim.sgd(quadratic(), x, { learningrate: 1 } as never)).toThrow(/Unknown option 'learningrate'/);
    expect(() => optim.sgd(() => [NaN, tensor([0, 0], { dtype: 'float64' })], x)).toThrow(/feval returned a loss of NaN/);
    expect(() => optim.sgd(() => [1, tensor([0, 0, 0], { dtype: 'float64' })], x)).toThrow(
      /gradient from feval has shape \[3\] but x has shape \[2\]/,
    );
    expect(() => optim.sgd('f' as never, x)).toThrow(/Expected a function feval/);
  });

  test('the native training loop and the closure form give the same numbers', async () => {
    manualSeed(7);
    const make = () => new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.Tanh()).add(new nn.Linear(3, 3)).add(new nn.LogSoftMax());
    const a = make();
    const b = make();
    const [pa] = a.getParameters();
    const [pb, gb] = b.getParameters();
    pb.copy(pa);
    const initial = arr(pa);
    const inputs = tensor(
      Array.from({ length: 12 }, (_, i) => [Math.sin(i), Math.cos(i), i / 12, (i % 3) - 1]),
      { dtype: 'float64' },
    );
    const targets = tensor(
      Array.from({ length: 12 }, (_, i) => i % 3),
      { dtype: 'int64' },
    );
    const config = { learningRate: 0.3, momentum: 0.5, weightDecay: 0.01, learningRateDecay: 0.1 };
    const crit = new nn.ClassNLLCriterion();
    const trainer = new Trainer({
      model: a,
      criterion: crit,
      batchSize: 4,
      shuffle: false,
      classes: 3,
      optimizer: { method: 'sgd', config },
    });
    await trainer.trainEpoch({ inputs, targets });
    // The same 3 minibatches through Torch7's feval closure.
    const state: optim.SgdState = {};
    for (let start = 0; start < 12; start += 4) {
      const x = inputs.slice(0, start, start + 4);
      const y = targets.slice(0, start, start + 4);
      optim.sgd(
        (w) => {
          if (w !== pb) pb.copy(w);
          gb.zero();
          const out = b.forward(x);
          const f = crit.forward(out, y);
          b.backward(x, crit.backward(out, y));
          return [f, gb];
        },
        pb,
        { ...config },
        state,
      );
    }
    expect(trainer.optimizerState().evalCounter).toBe(3);
    expect(state.evalCounter).toBe(3);
    const diff = Math.max(...arr(pa).map((v, i) => Math.abs(v - arr(pb)[i])));
    expect(diff).toBeLessThan(1e-12);
    // and both trained: every parameter moved from where it started
    expect(Math.min(...arr(pa).map((v, i) => Math.abs(v - initial[i])))).toBeGreaterThan(0);
  });
});

function expectClose(actual: number[], expected: number[]) {
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
}
