/**
 * What a Trainer accepts as targets: for classification, checked once per pass before it starts: a vector of
 * N whole numbers in [0, classes). Anything else used to fail deep inside the pass ("bincount
 * only supports 1-d…") or, worse, train on truncated values (1.7 read as class 1).
 */
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { Tensor } from '../tensor';

export function checkClassTargets(targets: Tensor, classes: number, what: string): void {
  // N sequences of class indices (N×T, a language model's next tokens) count token by token; N×1 is
  // a column of indices, more likely a mistake than sequences of one
  const sequences = targets.ndim >= 2 && targets.numel > 0 && targets.shape.slice(1).reduce((a, b) => a * b, 1) > 1;
  if (targets.ndim !== 1 && !sequences) {
    throw new TorchError(
      `${what}: targets must be a vector of N class indices (0-based) but have shape [${targets.shape.join(', ')}]; flatten them with targets.view(-1)`,
    );
  }
  if (targets.dtype === 'bool')
    throw new TorchError(`${what}: targets must be class indices (integers), not booleans`, { code: 'DTYPE_MISMATCH' });
  tidy(() => {
    if (targets.dtype === 'float32' || targets.dtype === 'float64') {
      const wrong = targets.ne(targets.floor()).sum().item() as number; // NaN is never equal to its floor
      if (wrong > 0) {
        const flat = targets.reshape([-1]);
        const first = flat.ne(flat.floor()).float().argmax().item() as number;
        throw new TorchError(
          `${what}: targets must be whole class indices but ${wrong} are not (target ${first} is ${flat.slice(0, first, first + 1).item()}); for real-valued targets use a Trainer with task: 'regression'`,
        );
      }
    }
    const lo = targets.min().item() as number;
    const hi = targets.max().item() as number;
    if (lo < 0 || hi > classes - 1) {
      throw new TorchError(
        `${what}: targets must be class indices in [0, ${classes - 1}] (0-based, ${classes} classes) but range over [${lo}, ${hi}]`,
      );
    }
  });
}

/** Regression targets: real values (float32/float64), one row per sample, all finite. */
export function checkRealTargets(targets: Tensor, what: string): void {
  if (targets.dtype !== 'float32' && targets.dtype !== 'float64') {
    throw new TorchError(
      `${what}: regression targets must be real values (float32 or float64) but are ${targets.dtype}; convert them with targets.to('float32')`,
      { code: 'DTYPE_MISMATCH' },
    );
  }
  if (targets.ndim === 0) throw new TorchError(`${what}: regression targets need one row per sample but are a single number`);
  const bad = tidy(() => targets.sub(targets).ne(0).sum().item() as number); // x − x is 0 unless x is NaN or ±Inf
  if (bad > 0) throw new TorchError(`${what}: ${bad} regression targets are NaN or Inf`);
}
