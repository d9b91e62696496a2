// Torch7's adaptive and momentum methods (adadelta, adam, adamax, rmsprop, rprop, nag) and PyTorch's
// adamw: step by step against PyTorch's optimizer of the same name where the update is the same
// (goldens from test/goldens/make_optim_goldens.py), and against hand computations transcribed from
// Torch7's Lua where it differs (adam's epsilon, nag's look-ahead point, rmsprop's initialMean).
import { optim, tensor, Tensor, tidy } from '../lib';
import goldens from './goldens/optim.json';
import { arr } from './helpers/common';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });

function rosenbrockGradient([a, b]: number[]): number[] {
  return [-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)];
}
function rosenbrock(x: Tensor): [number, Tensor] {
  const [a, b] = arr(x);
  return [(1 - a) ** 2 + 100 * (b - a * a) ** 2, f64(rosenbrockGradient([a, b]))];
}

describe(`the same update as PyTorch ${goldens.torch}'s optimizer of the same name`, () => {
  const cases: [keyof typeof goldens & keyof typeof optim, string][] = [
    ['adadelta', 'Adadelta with lr = 1 (Torch7 has no learning rate)'],
    ['adam', 'Adam, with an epsilon negligible beside sqrt(v) (Torch7 adds it before the bias correction)'],
    ['adamax', 'Adamax'],
    ['adamw', 'AdamW (decoupled weight decay)'],
    ['rmsprop', 'RMSprop'],
    ['rprop', "Rprop (PyTorch's lr is Torch7's initial stepsize)"],
  ];
  for (const [method, what] of cases) {
    test(`${method} agrees step by step with torch.optim.${what}`, () => {
      const { config, steps } = goldens[method] as { config: Record<string, number>; steps: number[][] };
      const x = f64([-1.5, 2]);
      const state = {};
      for (const expected of steps) {
        (optim[method] as optim.OneStep<object>)(rosenbrock, x, config, state);
        arr(x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
      }
    });
  }
});

// Torch7's Lua, transcribed over plain numbers: one call each, updating x and the state in place.
type Vec = number[];
const torch7 = {
  adam(x: Vec, s: { t: number; m: Vec; v: Vec }, c: { lr: number; lrd: number; b1: number; b2: number; eps: number; wd: number }) {
    const g = rosenbrockGradient(x).map((gi, i) => gi + c.wd * x[i]);
    const clr = c.lr / (1 + s.t * c.lrd);
    s.t += 1;
    const step = (clr * Math.sqrt(1 - c.b2 ** s.t)) / (1 - c.b1 ** s.t);
    g.forEach((gi, i) => {
      s.m[i] = c.b1 * s.m[i] + (1 - c.b1) * gi;
      s.v[i] = c.b2 * s.v[i] + (1 - c.b2) * gi * gi;
      x[i] -= (step * s.m[i]) / (Math.sqrt(s.v[i]) + c.eps);
    });
  },
  nag(x: Vec, s: { evalCounter: number; dfdx?: Vec }, c: { lr: number; lrd: number; wd: number; mom: number }) {
    if (s.dfdx) s.dfdx.forEach((d, i) => (x[i] += c.mom * d));
    const g = rosenbrockGradient(x).map((gi, i) => gi + c.wd * x[i]);
    const clr = c.lr / (1 + s.evalCounter * c.lrd);
    if (!s.dfdx) s.dfdx = [0, 0];
    else s.dfdx = s.dfdx.map((d) => d * c.mom);
    g.forEach((gi, i) => {
      x[i] -= clr * gi;
      s.dfdx![i] -= clr * gi;
    });
    s.evalCounter += 1;
  },
  rmsprop(x: Vec, s: { m?: Vec }, c: { lr: number; alpha: number; eps: number; init: number }) {
    const g = rosenbrockGradient(x);
    if (!s.m) s.m = [c.init, c.init];
    g.forEach((gi, i) => {
      s.m![i] = c.alpha * s.m![i] + (1 - c.alpha) * gi * gi;
      x[i] -= (c.lr * gi) / (Math.sqrt(s.m![i]) + c.eps);
    });
  },
};

describe("Torch7's own semantics, where PyTorch's differ, against Torch7's Lua transcribed", () => {
  test("adam: epsilon before the bias correction and Torch7's learningRateDecay", () => {
    const c = { lr: 0.05, lrd: 0.1, b1: 0.8, b2: 0.99, eps: 0.5, wd: 0.01 };
    const ref = [-1.5, 2];
    const refState = { t: 0, m: [0, 0], v: [0, 0] };
    const x = f64([-1.5, 2]);
    const config = { learningRate: c.lr, learningRateDecay: c.lrd, beta1: c.b1, beta2: c.b2, epsilon: c.eps, weightDecay: c.wd };
    for (let k = 0; k < 25; k++) {
      torch7.adam(ref, refState, c);
      optim.adam(rosenbrock, x, config);
      arr(x).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    }
    expect((config as Record<string, unknown>).t).toBe(25);
    arr((config as unknown as { m: Tensor }).m).forEach((v, i) => expect(v).toBeCloseTo(refState.m[i], 10));
    arr((config as unknown as { v: Tensor }).v).forEach((v, i) => expect(v).toBeCloseTo(refState.v[i], 8));
    // the first step in closed form: Torch7 divides by |g| + ε/sqrt(1 − β2), PyTorch by |g| + ε
    const g0 = rosenbrockGradient([-1.5, 2])[0] - c.wd * 1.5;
    const once = f64([-1.5, 2]);
    optim.adam(rosenbrock, once, { learningRate: c.lr, beta1: c.b1, beta2: c.b2, epsilon: c.eps, weightDecay: c.wd });
    expect(arr(once)[0]).toBeCloseTo(-1.5 - (c.lr * g0) / (Math.abs(g0) + c.eps / Math.sqrt(1 - c.b2)), 12);
    expect(Math.abs(arr(once)[0] - (-1.5 - (c.lr * g0) / (Math.abs(g0) + c.eps)))).toBeGreaterThan(1e-3);
  });

  test('nag: x moves along the momentum first (the look-ahead point Torch7 keeps), with decay and weight decay', () => {
    const c = { lr: 1e-4, lrd: 0.01, wd: 0.1, mom: 0.9 };
    const ref = [-1.5, 2];
    const refState: { evalCounter: number; dfdx?: Vec } = { evalCounter: 0 };
    const x = f64([-1.5, 2]);
    const config = { learningRate: c.lr, learningRateDecay: c.lrd, weightDecay: c.wd, momentum: c.mom };
    for (let k = 0; k < 40; k++) {
      torch7.nag(ref, refState, c);
      optim.nag(rosenbrock, x, config);
      arr(x).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    }
    expect((config as Record<string, unknown>).evalCounter).toBe(40);
    arr((config as unknown as { dfdx: Tensor }).dfdx).forEach((v, i) => expect(v).toBeCloseTo(refState.dfdx![i], 12));
  });

  test('rmsprop: the mean square starts at initialMean (PyTorch: 0)', () => {
    const c = { lr: 0.01, alpha: 0.9, eps: 1e-6, init: 4 };
    const ref = [-1.5, 2];
    const refState: { m?: Vec } = {};
    const x = f64([-1.5, 2]);
    const state = {};
    for (let k = 0; k < 20; k++) {
      torch7.rmsprop(ref, refState, c);
      optim.rmsprop(rosenbrock, x, { learningRate: c.lr, alpha: c.alpha, epsilon: c.eps, initialMean: c.init }, state);
      arr(x).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 12));
    }
  });

  test("Torch7's defaults, read back from a call's state", () => {
    // adamax's epsilon 1e-38 is Torch7's (PyTorch 1e-8): with a zero gradient component, m/u = 0/1e-38 = 0
    const x = f64([1, 1]);
    const flat = (): [number, Tensor] => [0, f64([0, 0])];
    for (const method of ['adam', 'adamax', 'adadelta', 'rmsprop', 'nag', 'adamw'] as const) {
      const state = {};
      optim[method](flat, x, {}, state);
      expect(arr(x)).toEqual(method === 'adamw' ? [1 - 1e-3 * 1e-2, 1 - 1e-3 * 1e-2] : [1, 1]);
      x.copy(f64([1, 1]));
    }
    // rprop: the first step is stepsize 0.1 against the gradient's sign
    const y = f64([0, 0]);
    optim.rprop(() => [1, f64([2, -3])], y);
    expect(arr(y)).toEqual([-0.1, 0.1]);
  });

  test('rprop: niter evaluations per call, each f returned; steps shrink where the sign flips and grow where it holds', () => {
    const x = f64([0, 0]);
    const state = {};
    const signs = [
      [1, 1],
      [1, -1],
      [1, 1],
    ];
    let call = 0;
    const [, fs] = optim.rprop(() => [call, f64(signs[call++])], x, { niter: 3 }, state);
    expect(fs).toEqual([0, 1, 2]);
    // component 0: steps 0.1, 0.12, 0.144 (all against +); component 1: 0.1, then flipped (step 0.05,
    // gradient zeroed: no move), then 0.05 again (previous gradient 0: factor 1)
    const [a, b] = arr(x);
    expect(a).toBeCloseTo(-(0.1 + 0.12 + 0.144), 12);
    expect(b).toBeCloseTo(-0.1 - 0.05, 12);
    expect(arr((state as { stepsizes: Tensor }).stepsizes)).toEqual([0.144, 0.05].map((v) => expect.closeTo(v, 12)) as never);
  });
});

describe('state, errors and memory', () => {
  test('every method keeps its Torch7 state in the config by default, readable and surviving tidy()', () => {
    const expected: Record<string, [string[], string[]]> = {
      adadelta: [['evalCounter'], ['paramVariance', 'accDelta']],
      adam: [['t'], ['m', 'v']],
      adamax: [['t'], ['m', 'u']],
      adamw: [['t'], ['m', 'v']],
      rmsprop: [[], ['m']],
      rprop: [[], ['delta', 'stepsizes']],
      nag: [['evalCounter'], ['dfdx']],
    };
    for (const [method, [scalars, tensors]] of Object.entries(expected)) {
      const x = f64([-1.5, 2]);
      const config: Record<string, unknown> = {};
      for (let k = 0; k < 3; k++) tidy(() => (optim[method as 'adam'] as optim.OneStep<object>)(rosenbrock, x, config));
      expect(Object.keys(config).sort()).toEqual(scalars.sort());
      for (const s of scalars) expect(config[s]).toBe(3);
      for (const t of tensors) expect((config[t] as Tensor).shape).toEqual([2]);
      expect(arr(x).every(Number.isFinite)).toBe(true);
    }
  });

  test('bad configs are errors naming the option and what it must be', () => {
    const x = f64([0, 0]);
    expect(() => optim.adam(rosenbrock, x, { beta1: 1 })).toThrow(/Expected a number >= 0 and < 1 for beta1 but received 1/);
    expect(() => optim.adamw(rosenbrock, x, { beta2: -0.1 })).toThrow(/Expected a number >= 0 and < 1 for beta2/);
    expect(() => optim.adam(rosenbrock, x, { epsilon: 0 })).toThrow(/Expected a number > 0 for epsilon but received 0/);
    expect(() => optim.nag(rosenbrock, x, { momentum: 0 })).toThrow(/Expected a number > 0 for momentum but received 0/);
    expect(() => optim.rprop(rosenbrock, x, { etaplus: 0.9 })).toThrow(
      /optim.rprop: expected etaminus < 1 < etaplus \(got etaminus 0.5, etaplus 0.9\)/,
    );
    expect(() => optim.rprop(rosenbrock, x, { stepsizemin: 60 })).toThrow(
      /optim.rprop: expected stepsizemin <= stepsizemax \(got 60 and 50\)/,
    );
    expect(() => optim.rprop(rosenbrock, x, { niter: 0 })).toThrow(/niter/);
    expect(() => optim.rmsprop(rosenbrock, x, { alpha: 1.5 })).toThrow(/Expected a finite number >= 0 and <= 1 for alpha but received 1.5/);
    expect(() => optim.adadelta(rosenbrock, x, { learningRate: 1 } as never)).toThrow(/learningRate/);
    expect(arr(x)).toEqual([0, 0]);
  });

  test('a NaN gradient is refused and x is left as it was, also after nag moved it along the momentum', () => {
    for (const method of ['adadelta', 'adam', 'adamax', 'adamw', 'rmsprop', 'rprop', 'nag'] as const) {
      const x = f64([-1.5, 2]);
      const state = {};
      (optim[method] as optim.OneStep<object>)(rosenbrock, x, {}, state);
      const before = arr(x);
      expect(() => (optim[method] as optim.OneStep<object>)(() => [1, f64([NaN, 0])], x, {}, state)).toThrow(
        new RegExp(`optim.${method}: .*NaN`),
      );
      expect(arr(x)).toEqual(before);
    }
  });
});
