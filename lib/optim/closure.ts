/**
 * Torch7's closure form: optim.sgd / lbfgs / asgd / cg / adam / …(feval, x, config, state). The algorithms run
 * natively (the same C++ as in the Trainer's loop) and call feval synchronously whenever they need
 * f(x) and df/dx. `state` (default: `config`, as Torch7) keeps the native state between calls; its
 * scalars (evalCounter, nIter, t, …) are mirrored into it after each call, and its tensors (sgd's
 * momentum buffer `dfdx`, asgd's average `ax`, …) are readable properties, returning a new Tensor
 * that shares the buffer: disposing it (or a tidy() around the step) leaves the state intact.
 */
import { TorchError } from '../errors';
import { NativeOptimizer, NativeTensor, native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { invalid } from '../validate';
import {
  AdadeltaConfig,
  AdagradConfig,
  AdamConfig,
  AdamaxConfig,
  AdamWConfig,
  AsgdConfig,
  CgConfig,
  LbfgsConfig,
  NagConfig,
  OptimConfigs,
  OptimMethodName,
  RmspropConfig,
  RpropConfig,
  SgdConfig,
  completeConfig,
} from './configs';

/** A Torch7 closure: returns f(x) and df/dx at x. */
export type Feval = (x: Tensor) => [number, Tensor];

/** Optimizer state between calls (default: the config object itself, as Torch7). */
export interface MethodState {
  [key: string]: unknown;
}
/** optim.sgd's state: evalCounter and the momentum buffer. */
export interface SgdState extends MethodState {
  evalCounter?: number;
  dfdx?: Tensor | null;
}

const STATE = Symbol('nodetorch.optimState');

function run(method: OptimMethodName, feval: Feval, x: Tensor, config: object, state: MethodState) {
  if (typeof feval !== 'function') invalid('a function feval(x) → [loss, gradient]', `optim.${method} feval`, feval);
  checkTensor(x, `optim.${method} x`);
  if (typeof state !== 'object' || state === null) invalid('a state object', `optim.${method} state`, state);
  const complete = completeConfig(method, config);
  const handle = (state as { [STATE]?: NativeOptimizer })[STATE] ?? freshState(method, complete, state);
  const r = renameErrors(method, () =>
    native().optimStep(method, x.handle, complete, handle, (xh: NativeTensor) => {
      if (xh !== x.handle) throw new TorchError('internal: feval called with a foreign tensor');
      const result = feval(x);
      if (!Array.isArray(result) || result.length !== 2) invalid('[loss, gradient] from feval', `optim.${method}`, result);
      const [fx, g] = result;
      if (typeof fx !== 'number' || !Number.isFinite(fx))
        throw new TorchError(`optim.${method}: feval returned a loss of ${fx}; expected a finite number`);
      checkTensor(g, 'the gradient returned by feval');
      if (g.shape.join() !== x.shape.join()) {
        throw new TorchError(
          `optim.${method}: the gradient from feval has shape [${g.shape.join(', ')}] but x has shape [${x.shape.join(', ')}]`,
          { code: 'SHAPE_MISMATCH' },
        );
      }
      return [fx, g.handle];
    }),
  );
  mirrorTensors(state, r.state, r.tensors);
  Object.defineProperty(state, STATE, { value: r.state, enumerable: false, configurable: true });
  Object.assign(state, r.scalars);
  return r;
}

/**
 * The native state for a state table used for the first time. Torch7 read a state the caller
 * filled in (state.dfdx = …, state.evalCounter = 5); here the state lives natively and is only
 * mirrored into the table, so such entries would be ignored: refuse them instead, naming the way
 * to resume (a state table returned by an earlier call, or a Trainer checkpoint).
 */
function freshState(method: OptimMethodName, config: object, state: MethodState): NativeOptimizer {
  const created = native().optimizerCreate(method, config);
  const scalars = native().optimizerState(created);
  for (const [key, value] of Object.entries(state)) {
    const given = value instanceof Tensor || (key in scalars && value !== scalars[key]);
    if (given) {
      throw new TorchError(
        `optim.${method}: the state table gives ${key} (${value instanceof Tensor ? `a tensor of shape [${value.shape.join(', ')}]` : JSON.stringify(value)}), but a new state starts from ${key in scalars ? scalars[key] : 'nothing'}: ` +
          `nodetorch keeps the optimizer's state natively and fills the table in itself; start with an empty state table (or the config), or keep using the one an earlier call filled in (Trainer checkpoints save and restore it)`,
      );
    }
  }
  return created;
}

/** Native failures name the method (optim.cg: …), not the entry point. */
function renameErrors<T>(method: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof TorchError && e.op === 'optimStep') e.renamed(`optim.${method}`);
    throw e;
  }
}

/**
 * Defines the state's tensors as read-only, non-enumerable properties (a spread copies none).
 * Lists (L-BFGS's old_dirs.0, …) stay native; checkpoints carry them.
 */
function mirrorTensors(state: MethodState, handle: NativeOptimizer, names: string[]): void {
  for (const name of names.filter((n) => !n.includes('.'))) {
    Object.defineProperty(state, name, {
      get: () => {
        const t = native().optimizerTensors(handle, name)[name];
        return t ? new Tensor(t) : null;
      },
      enumerable: false,
      configurable: true,
    });
  }
}

/**
 * One SGD step (Torch7's optim.sgd): calls feval(x), updates x in place and returns [x, [f(x)]]
 * with f evaluated before the update.
 */
export function sgd(feval: Feval, x: Tensor, config: SgdConfig = {}, state: SgdState = config as SgdState): [Tensor, number[]] {
  const r = run('sgd', feval, x, config, state);
  return [x, r.fs];
}

/**
 * Torch7's optim.lbfgs: returns [x, f_history, evaluations], or only [x, f_history] when x already
 * met the optimality test (Σ|g| <= tolFun) before moving, as Torch7. Defaults and stopping rules
 * as Torch7 (maxIter 20, maxEval 1.25·maxIter, tolFun 1e-5 on Σ|g|, tolX 1e-9, nCorrection 100,
 * learningRate 1); `lineSearch: true` adds a strong-Wolfe line search.
 */
export function lbfgs(
  feval: Feval,
  x: Tensor,
  config: LbfgsConfig = {},
  state: MethodState = config as MethodState,
): [x: Tensor, fHistory: number[], evaluations?: number] {
  const r = run('lbfgs', feval, x, config, state);
  return r.stoppedAtStart ? [x, r.fs] : [x, r.fs, r.evaluations];
}

/**
 * Torch7's optim.asgd: returns [x, [f(x)], average]. The average `ax` is what Torch7's test pass
 * evaluated with (the Trainer swaps it in for test passes).
 */
export function asgd(
  feval: Feval,
  x: Tensor,
  config: AsgdConfig = {},
  state: MethodState = config as MethodState,
): [Tensor, number[], Tensor] {
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

/** A method that evaluates feval once per call (rprop: niter times) and returns [x, [f(x) before the update]]. */
export type OneStep<C> = (feval: Feval, x: Tensor, config?: C, state?: MethodState) => [Tensor, number[]];

function oneStep<M extends OptimMethodName>(method: M): OneStep<OptimConfigs[M]> {
  return (feval, x, config = {}, state = config as MethodState) => [x, run(method, feval, x, config, state).fs];
}

/** Torch7's optim.adagrad: the state keeps evalCounter and paramVariance (Σ g²). */
export const adagrad: OneStep<AdagradConfig> = oneStep('adagrad');

/** Torch7's optim.adadelta (no learning rate); the state keeps evalCounter, paramVariance and accDelta. */
export const adadelta: OneStep<AdadeltaConfig> = oneStep('adadelta');

/**
 * Torch7's optim.adam; the state keeps t and the moments m and v. As Torch7, ε is added to sqrt(v)
 * before the bias correction (PyTorch adds it after); the two agree when ε is negligible.
 */
export const adam: OneStep<AdamConfig> = oneStep('adam');

/** Torch7's optim.adamax (Adam with the infinity norm); the state keeps t, m and u. */
export const adamax: OneStep<AdamaxConfig> = oneStep('adamax');

/** PyTorch's AdamW (decoupled weight decay, PyTorch's defaults); the state keeps t, m and v. */
export const adamw: OneStep<AdamWConfig> = oneStep('adamw');

/** Torch7's optim.rmsprop; the state keeps the mean square m. */
export const rmsprop: OneStep<RmspropConfig> = oneStep('rmsprop');

/**
 * Torch7's optim.rprop: niter evaluations per call, returning their f values; the state keeps the
 * previous gradient (delta) and the per-component steps (stepsize). As Torch7, it zeroes the
 * gradient's components whose sign flipped, in the tensor feval returned.
 */
export const rprop: OneStep<RpropConfig> = oneStep('rprop');

/** Torch7's optim.nag (Nesterov, Sutskever's form: x is the look-ahead point); the state keeps evalCounter and dfdx. */
export const nag: OneStep<NagConfig> = oneStep('nag');
