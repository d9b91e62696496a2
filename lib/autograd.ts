/**
 * Autograd switches.
 */
import { TorchError } from './errors';
import { native } from './native';

/**
 * Runs `fn` with gradient recording off (like torch.no_grad()) and restores the previous mode.
 * Synchronous only: grad mode is per thread and would leak across an await.
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TorchError(`Expected a function for noGrad(fn) but received ${typeof fn}`);
  const previous = native().isGradEnabled();
  native().setGradEnabled(false);
  try {
    const result = fn();
    if (result instanceof Promise) throw new TorchError('noGrad(fn) expects a synchronous function; it returned a Promise');
    return result;
  } finally {
    native().setGradEnabled(previous);
  }
}

/** Whether operations are currently recorded for autograd. */
export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}
