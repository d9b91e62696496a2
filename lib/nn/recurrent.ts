/**
 * Recurrent layers with PyTorch's semantics, options and parameter names (Torch7's rnn package
 * named them differently; PyTorch's are what state dicts and users carry): LSTM and GRU on
 * LibTorch's fused kernels (cuDNN on a GPU). The input is T×N×inputSize (N×T×inputSize with
 * batchFirst), or one sequence T×inputSize; the output is the top layer's hidden state at every
 * step (PyTorch's `output`), hiddenSize wide (twice that bidirectional). Every forward starts
 * from zero states; finalState() reads the last forward's final states.
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { checkArity, checkBoolean, checkInteger, checkKeys, checkNumber, invalid } from '../validate';
import { Module } from './Module';

export interface RecurrentOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Inputs and outputs N×T×features (default false: T×N×features). */
  batchFirst?: boolean;
  /** Dropout between stacked layers in training (default 0). */
  dropout?: number;
  /** A second direction, from the end of each sequence (default false). */
  bidirectional?: boolean;
}

function recurrentOptions(type: string, inputSize: number, hiddenSize: number, options: RecurrentOptions) {
  if (typeof options !== 'object' || options === null) invalid('an options object', `${type} options`, options);
  checkKeys(options, ['numLayers', 'batchFirst', 'dropout', 'bidirectional'], `${type} options`);
  const named = {
    inputSize: checkInteger(inputSize, `${type} inputSize`, 1),
    hiddenSize: checkInteger(hiddenSize, `${type} hiddenSize`, 1),
    numLayers: checkInteger(options.numLayers ?? 1, `${type} numLayers`, 1),
    batchFirst: checkBoolean(options.batchFirst ?? false, `${type} batchFirst`),
    dropout: checkNumber(options.dropout ?? 0, `${type} dropout`, { min: 0, max: 1 }),
    bidirectional: checkBoolean(options.bidirectional ?? false, `${type} bidirectional`),
  };
  const { numLayers, batchFirst, dropout, bidirectional } = named;
  return [
    [inputSize, hiddenSize, { numLayers, batchFirst: batchFirst ? 1 : 0, dropout, bidirectional: bidirectional ? 1 : 0 }],
    named,
  ] as const;
}

/** Reads an options object stored in a model file (booleans stored as 0/1, as model files hold numbers). */
function stored(type: string, options: RecurrentOptions | Record<string, number>): RecurrentOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    invalid('an options object { numLayers, batchFirst, dropout, bidirectional }', `${type} options (argument 3)`, options);
  const o = options as Record<string, unknown>;
  return {
    ...o,
    // a model file stores the flags as 0 and 1; anything else goes to the checks as given
    batchFirst: o.batchFirst === 1 ? true : o.batchFirst === 0 ? false : o.batchFirst,
    bidirectional: o.bidirectional === 1 ? true : o.bidirectional === 0 ? false : o.bidirectional,
  } as RecurrentOptions;
}

abstract class Recurrent extends Module {
  /** The last forward's final states: h (numLayers·directions × N × hiddenSize) and, for an LSTM, c. */
  finalState(): { h: Tensor; c?: Tensor } {
    const states = native().moduleLastStates(this.handle);
    if (!states.h) throw new TorchError(`${this.type}.finalState(): there is no forward to read the states of yet`);
    return { h: new Tensor(states.h), ...(states.c ? { c: new Tensor(states.c) } : {}) };
  }
}

/** PyTorch's LSTM(inputSize, hiddenSize, { numLayers, batchFirst, dropout, bidirectional }). */
export class LSTM extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    checkArity(arguments, 3, 'nn.LSTM(inputSize, hiddenSize[, { numLayers, batchFirst, dropout, bidirectional }])');
    const [args, named] = recurrentOptions('LSTM', inputSize, hiddenSize, stored('LSTM', options));
    super('LSTM', [...args], named);
  }
}

/** PyTorch's GRU(inputSize, hiddenSize, { numLayers, batchFirst, dropout, bidirectional }). */
export class GRU extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    checkArity(arguments, 3, 'nn.GRU(inputSize, hiddenSize[, { numLayers, batchFirst, dropout, bidirectional }])');
    const [args, named] = recurrentOptions('GRU', inputSize, hiddenSize, stored('GRU', options));
    super('GRU', [...args], named);
  }
}
