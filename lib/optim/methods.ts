/**
 * optim.lbfgs, optim.asgd and optim.cg in Torch7's closure form. The algorithms run natively (the
 * same C++ as in the Trainer's loop) and call feval synchronously whenever they need f(x) and
 * df/dx. `state` (default: `config`, as Torch7) keeps the algorithm's state between calls.
 */
import { TorchError } from '../errors';
import { NativeTensor, native } from '../native';
import { Tensor, asTensor } from '../tensor';
import { checkBoolean, checkInteger, checkKeys, checkNumber, invalid } from '../validate';
import { Feval } from './sgd';

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
  /** true: strong-Wolfe line search (c1 = 1e-4, c2 = 0.9) instead of the fixed step. */
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
  rho?: number;
  sig?: number;
  int?: number;
  ext?: number;
  /** Line searches per call (default 20). */
  maxIter?: number;
  ratio?: number;
  /** Evaluations per call (default 1.25·maxIter). */
  maxEval?: number;
}

/** Optimizer state between calls; nIter, funcEval, t… are mirrored for reading. */
export interface MethodState {
  [key: string]: unknown;
}

const STATE = Symbol('nodetorch.optimState');

const SPECS: Record<string, Record<string, { min?: number; integer?: boolean; positive?: boolean; boolean?: boolean }>> = {
  lbfgs: {
    maxIter: { integer: true, min: 1 },
    maxEval: { positive: true },
    tolFun: { min: 0 },
    tolX: { min: 0 },
    nCorrection: { integer: true, min: 1 },
    learningRate: { positive: true },
    lineSearch: { boolean: true },
  },
  asgd: { eta0: { positive: true }, lambda: { min: 0 }, alpha: { min: 0 }, t0: { min: 0 } },
  cg: { rho: { positive: true }, sig: { positive: true }, int: { positive: true }, ext: { positive: true }, maxIter: { integer: true, min: 1 }, ratio: { positive: true }, maxEval: { positive: true } },
};

/** @internal Validates a config for a native method (unknown keys and bad values are errors). */
export function checkMethodConfig(method: 'lbfgs' | 'asgd' | 'cg', config: object): void {
  if (typeof config !== 'object' || config === null) invalid('a config object', `optim.${method} config`, config);
  const spec = SPECS[method];
  // the state mirrored into config by earlier calls (state defaults to config, as Torch7)
  const stateKeys = ['nIter', 'funcEval', 't', 'Hdiag', 'f_old', 'eta_t', 'mu_t', 'evaluations'];
  checkKeys(config, [...Object.keys(spec), ...stateKeys], `optim.${method} config`);
  for (const [key, rule] of Object.entries(spec)) {
    const value = (config as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (rule.boolean) checkBoolean(value, key);
    else if (rule.integer) checkInteger(value, key, rule.min ?? -Infinity);
    else if (rule.positive) {
      checkNumber(value, key);
      if ((value as number) <= 0) invalid('a number > 0', key, value);
    } else checkNumber(value, key, { min: rule.min });
  }
}

function run(method: 'lbfgs' | 'asgd' | 'cg', feval: Feval, x: Tensor, config: object, state: MethodState) {
  if (typeof feval !== 'function') invalid('a function feval(x) → [loss, gradient]', `optim.${method} feval`, feval);
  asTensor(x, `optim.${method} x`);
  checkMethodConfig(method, config);
  const handle = (state as { [STATE]?: unknown })[STATE] ?? null;
  const r = native().optimStep(method, x.handle, config, handle as never, (xh: NativeTensor) => {
    if (xh !== x.handle) throw new TorchError('internal: feval called with a foreign tensor');
    return feval(x).map((v) => (v instanceof Tensor ? v.handle : v)) as [number, NativeTensor];
  });
  Object.defineProperty(state, STATE, { value: r.state, enumerable: false, configurable: true });
  Object.assign(state, r.scalars);
  return r;
}

/**
 * Torch7's optim.lbfgs: returns [x, f_history, evaluations]. Defaults and stopping rules as
 * Torch7 (maxIter 20, maxEval 1.25·maxIter, tolFun 1e-5 on Σ|g|, tolX 1e-9, nCorrection 100,
 * learningRate 1); `lineSearch: true` adds a strong-Wolfe line search.
 */
export function lbfgs(feval: Feval, x: Tensor, config: LbfgsConfig = {}, state: MethodState = config as MethodState): [Tensor, number[], number] {
  const r = run('lbfgs', feval, x, config, state);
  return [x, r.fs, r.evaluations];
}

/**
 * Torch7's optim.asgd: returns [x, [f(x)], average]. The average `ax` is what Torch7's test pass
 * evaluated with (the Trainer swaps it in for test passes).
 */
export function asgd(feval: Feval, x: Tensor, config: AsgdConfig = {}, state: MethodState = config as MethodState): [Tensor, number[], Tensor] {
  const r = run('asgd', feval, x, config, state);
  return [x, r.fs, new Tensor(r.average!)];
}

/**
 * Torch7's optim.cg (Rasmussen's minimize): returns [x, f_history, evaluations]. Deliberate
 * difference: Torch7's Lua stopped at the first failed line search (0 is true in Lua); this
 * stops after two consecutive failures, as Rasmussen intended.
 */
export function cg(feval: Feval, x: Tensor, config: CgConfig = {}, state: MethodState = config as MethodState): [Tensor, number[], number] {
  const r = run('cg', feval, x, config, state);
  return [x, r.fs, r.evaluations];
}
