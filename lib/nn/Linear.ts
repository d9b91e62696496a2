import { checkArity, checkBoolean, checkInteger } from '../validate';
import { Module } from './Module';

/**
 * y = W x + b, W of shape outputSize×inputSize; initialised U(±1/√inputSize) like Torch7. As
 * Torch7's, `bias = false` (or noBias()) builds it without b.
 */
export class Linear extends Module {
  constructor(inputSize: number, outputSize: number, bias = true) {
    checkArity(arguments, 3, 'nn.Linear(inputSize, outputSize[, bias])');
    checkInteger(inputSize, 'Linear inputSize', 1);
    checkInteger(outputSize, 'Linear outputSize', 1);
    checkBoolean(bias, 'Linear bias');
    super('Linear', [inputSize, outputSize], { inputSize, outputSize });
    if (!bias) this.dropBias();
  }

  /** Torch7's noBias(): removes the bias (not trained, saved or exported). Returns this. */
  noBias(): this {
    return this.dropBias();
  }
}
