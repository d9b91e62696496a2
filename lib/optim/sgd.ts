/**
 * optim.sgd with Torch7's semantics: learningRate, learningRateDecay (lr / (1 + k·decay), k =
 * calls so far), weightDecay (added to the gradient in place), momentum with dampening defaulting
 * to the momentum value, nesterov. The closure form and the native training loop share one C++
 * implementation.
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { Tensor, asTensor } from '../tensor';
import { checkBoolean, checkKeys, checkNumber, invalid } from '../validate';

/** Torch7's optim.sgd config table. */
export interface SgdConfig {
  /** Default 1e-3. */
  learningRate?: number;
  /** Default 0. */
  learningRateDecay?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Default 0. */
  momentum?: number;
  /** Default: the momentum value (Torch7), not 0 (LibTorch/PyTorch). */
  dampening?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/** Torch7's optim state: evalCounter and the momentum buffer. */
export interface SgdState {
  evalCounter?: number;
  dfdx?: Tensor | null;
}

const KEYS = ['learningRate', 'learningRateDecay', 'weightDecay', 'momentum', 'dampening', 'nesterov'] as const;

/** @internal Validates a config; returns it with Torch7's defaults filled in. */
export function checkSgdConfig(config: SgdConfig = {}): Required<SgdConfig> {
  if (typeof config !== 'object' || config === null) invalid('a config object', 'optim.sgd config', config);
  checkKeys(config, [...KEYS, 'evalCounter', 'dfdx'], 'optim.sgd config');
  const c = {
    learningRate: checkNumber(config.learningRate ?? 1e-3, 'learningRate', { min: 0 }),
    learningRateDecay: checkNumber(config.learningRateDecay ?? 0, 'learningRateDecay', { min: 0 }),
    weightDecay: checkNumber(config.weightDecay ?? 0, 'weightDecay', { min: 0 }),
    momentum: checkNumber(config.momentum ?? 0, 'momentum', { min: 0 }),
    dampening: 0,
    nesterov: checkBoolean(config.nesterov ?? false, 'nesterov'),
  };
  c.dampening = checkNumber(config.dampening ?? c.momentum, 'dampening', { min: 0 });
  if (c.nesterov && (c.momentum <= 0 || c.dampening !== 0)) {
    throw new TorchError(`optim.sgd: nesterov needs momentum > 0 and dampening = 0 (got momentum ${c.momentum}, dampening ${c.dampening})`);
  }
  return c;
}

/** A Torch7 closure: returns f(x) and df/dx at x. */
export type Feval = (x: Tensor) => [number, Tensor];

/**
 * One SGD step, Torch7's closure form: calls feval(x), updates x in place and returns
 * [x, [f(x)]] with f evaluated before the update. `state` defaults to `config` (as in Torch7)
 * and keeps evalCounter and the momentum buffer between calls.
 */
export function sgd(feval: Feval, x: Tensor, config: SgdConfig = {}, state: SgdState = config as SgdState): [Tensor, number[]] {
  if (typeof feval !== 'function') invalid('a function feval(x) → [loss, gradient]', 'optim.sgd feval', feval);
  asTensor(x, 'optim.sgd x');
  const c = checkSgdConfig(config);
  const result = feval(x);
  if (!Array.isArray(result) || result.length !== 2) invalid('[loss, gradient] from feval', 'optim.sgd', result);
  const [fx, g] = result;
  if (typeof fx !== 'number' || !Number.isFinite(fx)) throw new TorchError(`optim.sgd: feval returned a loss of ${fx}; expected a finite number`);
  asTensor(g, 'the gradient returned by feval');
  const previous = state.dfdx ?? null;
  const next = native().sgdUpdate(x.handle, g.handle, c, { evalCounter: state.evalCounter ?? 0, dfdx: previous ? previous.handle : null });
  state.evalCounter = next.evalCounter;
  if (next.dfdx && !previous) state.dfdx = new Tensor(next.dfdx);
  else if (next.dfdx) new Tensor(next.dfdx).dispose(); // same buffer as state.dfdx, updated in place
  return [x, [fx]];
}
