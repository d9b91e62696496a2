import { TorchError } from '../errors';
import { checkInteger } from '../validate';
import { Module } from './Module';

/** Positive sizes, and at most one -1 (inferred from the input's element count, as Torch7's). */
function sizes(type: string, shape: number[]): number[] {
  if (shape.length === 0) throw new TorchError(`${type} needs at least one size`);
  const checked = shape.map((d, i) =>
    d === -1 ? -1 : checkInteger(d, `${type} size ${i + 1} (positive, or -1 for the size to infer)`, 1),
  );
  if (checked.filter((d) => d === -1).length > 1)
    throw new TorchError(`${type}: only one size can be -1 (inferred), but got [${shape.join(', ')}]`);
  return checked;
}

/**
 * Views each sample as the given sizes; a batch (more elements than one sample) keeps its first
 * dimension. Batch mode is decided by element count alone. With a size of -1 (Torch7's
 * `View(-1, n)`), the input is viewed as exactly these sizes, -1 inferred: `View(-1, 1600)` turns a
 * batch of N into N×1600, and a batch of one stays a batch of one (the form the library's models use).
 */
export class View extends Module {
  constructor(...shape: number[]) {
    super('View', sizes('View', shape), { sizes: shape });
  }
}

/**
 * Like View (copies when needed), -1 included. Deliberate difference from Torch7: Torch7's Reshape treated an
 * input whose first size is 1 as a batch, so a single 1×32×32 MNIST sample became a 1×1024
 * batch (the -model linear/mlp trap); here batch mode is decided by element count alone.
 */
export class Reshape extends Module {
  constructor(...shape: number[]) {
    super('Reshape', sizes('Reshape', shape), { sizes: shape });
  }
}
