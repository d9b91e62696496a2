/**
 * Every optimizer's config, in one table: the options Torch7's optim takes, their rules and their
 * Torch7 defaults. This is the one owner of both: `completeConfig` validates a user's config and
 * fills every default, and the native methods (native/engine/optim_*.cc) read the complete config into typed fields.
 * Adding an optimizer here is one entry (plus its C++ class).
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { checkBoolean, checkInteger, checkKeys, checkNumber, invalid } from '../validate';

/** Torch7's optim.sgd config. */
export interface SgdConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** lr / (1 + k·decay), k = calls so far. Default 0. */
  learningRateDecay?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
  /** Default 0. */
  momentum?: number;
  /** Default: the momentum value (Torch7), not 0 (LibTorch/PyTorch). */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/** Torch7's optim.adagrad config. */
export interface AdagradConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** lr / (1 + k·decay), k = calls so far. Default 0. */
  learningRateDecay?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
}

/** Torch7's optim.adam config. */
export interface AdamConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** lr / (1 + t·decay), t = calls so far. Default 0. */
  learningRateDecay?: number;
  /** First-moment coefficient, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Second-moment coefficient, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v) before the bias correction (Torch7; PyTorch adds it after). Default 1e-8. */
  epsilon?: number;
  /** Added to the gradient in place (L2). Default 0. */
  weightDecay?: number;
}

/** PyTorch's torch.optim.AdamW config (Torch7 had none): decoupled weight decay. */
export interface AdamWConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected sqrt(v), as PyTorch. Default 1e-8. */
  epsilon?: number;
  /** x ← x·(1 − lr·weightDecay) each step. Default 1e-2 (PyTorch's). */
  weightDecay?: number;
}

/** Torch7's optim.adamax config. */
export interface AdamaxConfig {
  /** Default 2e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Added to |g| (Torch7's default 1e-38; PyTorch's 1e-8). */
  epsilon?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
}

/** Torch7's optim.adadelta config (no learning rate: PyTorch's lr = 1). */
export interface AdadeltaConfig {
  /** Interpolation coefficient, in [0, 1]. Default 0.9. */
  rho?: number;
  /** Default 1e-6. */
  eps?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
}

/** Torch7's optim.rmsprop config. */
export interface RmspropConfig {
  /** Default 1e-2. */
  learningRate?: number;
  /** Smoothing constant, in [0, 1]. Default 0.99. */
  alpha?: number;
  /** Added to sqrt(m). Default 1e-8. */
  epsilon?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
  /** The mean square's starting value. Default 0. */
  initialMean?: number;
}

/** Torch7's optim.rprop config. */
export interface RpropConfig {
  /** Initial step of every component. Default 0.1 (PyTorch's lr: 0.01). */
  stepsize?: number;
  /** Growth factor, > 1. Default 1.2. */
  etaplus?: number;
  /** Shrink factor, in (0, 1). Default 0.5. */
  etaminus?: number;
  /** Default 50. */
  stepsizemax?: number;
  /** Default 1e-6. */
  stepsizemin?: number;
  /** Evaluations per call. Default 1. */
  niter?: number;
}

/** Torch7's optim.nag config (Nesterov's accelerated gradient, Sutskever's form). */
export interface NagConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** lr / (1 + k·decay), k = calls so far. Default 0. */
  learningRateDecay?: number;
  /** Added to the gradient in place. Default 0. */
  weightDecay?: number;
  /** Must be > 0. Default 0.9. */
  momentum?: number;
}

/** Torch7's optim.lbfgs config. */
export interface LbfgsConfig {
  /** Iterations per call (default 20). */
  maxIter?: number;
  /** Evaluations per call (default 1.25·maxIter, fractional as Torch7). */
  maxEval?: number;
  /** Stop when Σ|g| ≤ tolFun (default 1e-5). */
  tolFun?: number;
  /** Stop on steps or changes below tolX (default 1e-9). */
  tolX?: number;
  /** Curvature pairs kept (default 100). */
  nCorrection?: number;
  /** Fixed step size (default 1); the first step is min(1, 1/Σ|g|)·learningRate. */
  learningRate?: number;
  /** true: strong-Wolfe line search (c1 = 1e-4, c2 = 0.9) instead of the fixed step (default false). */
  lineSearch?: boolean;
}

/** Torch7's optim.asgd config. */
export interface AsgdConfig {
  /** Initial step (default 1e-4). */
  eta0?: number;
  /** Decay term (default 1e-4). */
  lambda?: number;
  /** Power of the step decay (default 0.75). */
  alpha?: number;
  /** Steps before averaging starts (default 1e6). */
  t0?: number;
}

/** Torch7's optim.cg config. */
export interface CgConfig {
  /** Wolfe-Powell sufficient decrease (default 0.01). */
  rho?: number;
  /** Wolfe-Powell curvature (default 0.5). */
  sig?: number;
  /** Do not re-evaluate within int of the bracket's ends (default 0.1). */
  int?: number;
  /** Extrapolate at most ext times the current step (default 3). */
  ext?: number;
  /** Line searches per call (default 20). */
  maxIter?: number;
  /** Maximum slope ratio (default 100). */
  ratio?: number;
  /** Evaluations per call (default 1.25·maxIter). */
  maxEval?: number;
}

export interface OptimConfigs {
  sgd: SgdConfig;
  lbfgs: LbfgsConfig;
  asgd: AsgdConfig;
  cg: CgConfig;
  adagrad: AdagradConfig;
  adadelta: AdadeltaConfig;
  adam: AdamConfig;
  adamax: AdamaxConfig;
  adamw: AdamWConfig;
  rmsprop: RmspropConfig;
  rprop: RpropConfig;
  nag: NagConfig;
}
export type OptimMethodName = keyof OptimConfigs;

type Complete = Record<string, number | boolean>;
interface Rule {
  /** Torch7's default, or a function of the options read before it. */
  default: number | boolean | ((c: Complete) => number);
  /** 'fraction': in [0, 1). */
  kind: 'number' | 'positive' | 'fraction' | 'integer' | 'boolean';
  min?: number;
  max?: number;
}

/** Shared rules: Torch7's rates, decays and moment coefficients. */
const rate = (value: number): Rule => ({ default: value, kind: 'number', min: 0 });
const positive = (value: number): Rule => ({ default: value, kind: 'positive' });
const fraction = (value: number): Rule => ({ default: value, kind: 'fraction' });
const unit = (value: number): Rule => ({ default: value, kind: 'number', min: 0, max: 1 });

const METHODS: { [M in OptimMethodName]: { options: Record<keyof OptimConfigs[M], Rule>; check?: (c: Complete) => void } } = {
  sgd: {
    options: {
      learningRate: { default: 1e-3, kind: 'number', min: 0 },
      learningRateDecay: { default: 0, kind: 'number', min: 0 },
      weightDecay: { default: 0, kind: 'number', min: 0 },
      momentum: { default: 0, kind: 'number', min: 0 },
      dampening: { default: (c) => c.momentum as number, kind: 'number', min: 0 },
      nesterov: { default: false, kind: 'boolean' },
    },
    check(c) {
      if (c.nesterov && ((c.momentum as number) <= 0 || c.dampening !== 0)) {
        throw new TorchError(
          `optim.sgd: nesterov needs momentum > 0 and dampening = 0 (got momentum ${c.momentum}, dampening ${c.dampening})`,
        );
      }
    },
  },
  lbfgs: {
    options: {
      maxIter: { default: 20, kind: 'integer', min: 1 },
      maxEval: { default: (c) => (c.maxIter as number) * 1.25, kind: 'positive' },
      tolFun: { default: 1e-5, kind: 'number', min: 0 },
      tolX: { default: 1e-9, kind: 'number', min: 0 },
      nCorrection: { default: 100, kind: 'integer', min: 1 },
      learningRate: { default: 1, kind: 'positive' },
      lineSearch: { default: false, kind: 'boolean' },
    },
  },
  asgd: {
    options: {
      eta0: { default: 1e-4, kind: 'positive' },
      lambda: { default: 1e-4, kind: 'number', min: 0 },
      alpha: { default: 0.75, kind: 'number', min: 0 },
      t0: { default: 1e6, kind: 'number', min: 0 },
    },
  },
  cg: {
    options: {
      rho: { default: 0.01, kind: 'positive' },
      sig: { default: 0.5, kind: 'positive' },
      int: { default: 0.1, kind: 'positive' },
      ext: { default: 3, kind: 'positive' },
      maxIter: { default: 20, kind: 'integer', min: 1 },
      ratio: { default: 100, kind: 'positive' },
      maxEval: { default: (c) => (c.maxIter as number) * 1.25, kind: 'positive' },
    },
  },
  adagrad: {
    options: { learningRate: rate(1e-3), learningRateDecay: rate(0), weightDecay: rate(0) },
  },
  adadelta: {
    options: { rho: unit(0.9), eps: positive(1e-6), weightDecay: rate(0) },
  },
  adam: {
    options: {
      learningRate: rate(1e-3),
      learningRateDecay: rate(0),
      beta1: fraction(0.9),
      beta2: fraction(0.999),
      epsilon: positive(1e-8),
      weightDecay: rate(0),
    },
  },
  adamax: {
    options: { learningRate: rate(2e-3), beta1: fraction(0.9), beta2: fraction(0.999), epsilon: positive(1e-38), weightDecay: rate(0) },
  },
  adamw: {
    options: { learningRate: rate(1e-3), beta1: fraction(0.9), beta2: fraction(0.999), epsilon: positive(1e-8), weightDecay: rate(1e-2) },
  },
  rmsprop: {
    options: { learningRate: rate(1e-2), alpha: unit(0.99), epsilon: positive(1e-8), weightDecay: rate(0), initialMean: rate(0) },
  },
  rprop: {
    options: {
      stepsize: positive(0.1),
      etaplus: positive(1.2),
      etaminus: positive(0.5),
      stepsizemax: positive(50),
      stepsizemin: rate(1e-6),
      niter: { default: 1, kind: 'integer', min: 1 },
    },
    check(c) {
      if (!((c.etaplus as number) > 1 && (c.etaminus as number) < 1)) {
        throw new TorchError(`optim.rprop: expected etaminus < 1 < etaplus (got etaminus ${c.etaminus}, etaplus ${c.etaplus})`);
      }
      if ((c.stepsizemin as number) > (c.stepsizemax as number)) {
        throw new TorchError(`optim.rprop: expected stepsizemin <= stepsizemax (got ${c.stepsizemin} and ${c.stepsizemax})`);
      }
    },
  },
  nag: {
    // Torch7 refuses momentum <= 0 ('Momentum must be positive for Nesterov Accelerated Gradient')
    options: { learningRate: rate(1e-3), learningRateDecay: rate(0), weightDecay: rate(0), momentum: positive(0.9) },
  },
};

/** The optimizer methods, in the order error messages list them. */
export const OPTIM_METHODS = Object.keys(METHODS) as OptimMethodName[];

/** Checks a method name. */
export function checkMethod(method: unknown, what = 'optimizer method'): OptimMethodName {
  if (typeof method !== 'string' || !(OPTIM_METHODS as string[]).includes(method)) {
    invalid(
      OPTIM_METHODS.map((m) => `'${m}'`)
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1'),
      what,
      method,
    );
  }
  return method as OptimMethodName;
}

const stateKeys = new Map<OptimMethodName, string[]>();

/**
 * The scalar state a method mirrors into Torch7's state table (evalCounter, nIter, t, …), as the
 * native method reports it. A config that served as a state table (the default, as Torch7) carries
 * these keys; they are passed over, not refused, wherever the config is used again.
 */
export function stateKeysOf(method: OptimMethodName): string[] {
  let keys = stateKeys.get(method);
  if (!keys) {
    keys = Object.keys(native().optimizerState(native().optimizerCreate(method, completeConfig(method, {}, []))));
    stateKeys.set(method, keys);
  }
  return keys;
}

/**
 * Validates `config` for `method` and returns a new object with every option set (Torch7's
 * defaults for the missing ones); the method's mirrored state keys are passed over.
 */
export function completeConfig(method: OptimMethodName, config: unknown, ignore: readonly string[] = stateKeysOf(method)): Complete {
  if (typeof config !== 'object' || config === null) invalid('a config object', `optim.${method} config`, config);
  const { options, check } = METHODS[method] as { options: Record<string, Rule>; check?: (c: Complete) => void };
  checkKeys(config, [...Object.keys(options), ...ignore], `optim.${method} config`);
  const given = config as Record<string, unknown>;
  const c: Complete = {};
  for (const [key, rule] of Object.entries(options)) {
    const value = given[key] ?? (typeof rule.default === 'function' ? rule.default(c) : rule.default);
    if (rule.kind === 'boolean') c[key] = checkBoolean(value, key);
    else if (rule.kind === 'integer') c[key] = checkInteger(value, key, rule.min ?? -Infinity);
    else if (rule.kind === 'positive') {
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid('a number > 0', key, value);
      c[key] = value;
    } else if (rule.kind === 'fraction') {
      if (typeof value !== 'number' || !(value >= 0 && value < 1)) invalid('a number >= 0 and < 1', key, value);
      c[key] = value;
    } else c[key] = checkNumber(value, key, { min: rule.min, max: rule.max });
  }
  check?.(c);
  return c;
}

/** Whether `method` has a learningRate option (what a schedule scales). */
export function hasLearningRate(method: OptimMethodName): boolean {
  return 'learningRate' in METHODS[method].options;
}
