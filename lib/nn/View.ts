import { TorchError } from '../errors';
import { checkInteger } from '../validate';
import { Module } from './Module';

function sizes(type: string, shape: number[]): number[] {
  if (shape.length === 0) throw new TorchError(`${type} needs at least one size`);
  return shape.map((d, i) => checkInteger(d, `${type} size ${i + 1}`, 1));
}

/**
 * Views each sample as the given sizes; a batch (more elements than one sample) keeps its first
 * dimension. Batch mode is decided by element count alone.
 */
export class View extends Module {
  constructor(...shape: number[]) {
    super('View', sizes('View', shape), { sizes: shape });
  }
}

/**
 * Like View (copies when needed). Deliberate difference from Torch7: Torch7's Reshape treated an
 * input whose first size is 1 as a batch, so a single 1×32×32 MNIST sample became a 1×1024
 * batch (the -model linear/mlp trap); here batch mode is decided by element count alone.
 */
export class Reshape extends Module {
  constructor(...shape: number[]) {
    super('Reshape', sizes('Reshape', shape), { sizes: shape });
  }
}
