import { checkArity, checkInteger } from '../validate';
import { Module } from './Module';

/** y = W x + b, W of shape outputSize×inputSize; initialised U(±1/√inputSize) like Torch7. */
export class Linear extends Module {
  constructor(inputSize: number, outputSize: number) {
    checkArity(arguments, 2, 'nn.Linear(inputSize, outputSize)');
    checkInteger(inputSize, 'Linear inputSize', 1);
    checkInteger(outputSize, 'Linear outputSize', 1);
    super('Linear', [inputSize, outputSize], { inputSize, outputSize });
  }
}
