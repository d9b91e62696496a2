import { checkInteger, checkArity } from '../validate';
import { Module, NativeOptions } from './Module';

const NAMES = ['nInputPlane', 'nOutputPlane', 'kW', 'kH', 'dW', 'dH', 'padW', 'padH'] as const;
const MIN = [1, 1, 1, 1, 1, 1, 0, 0];

/** Torch7's arguments with defaults filled (dW = dH = 1, padW = 0, padH = padW), validated, and named. */
function conv(
  type: string,
  nIn: number,
  nOut: number,
  kW: number,
  kH: number,
  dW = 1,
  dH = 1,
  padW = 0,
  padH = padW,
): [number[], NativeOptions] {
  const args = [nIn, nOut, kW, kH, dW, dH, padW, padH];
  args.forEach((v, i) => checkInteger(v, `${type} ${NAMES[i]}`, MIN[i]));
  return [args, Object.fromEntries(NAMES.map((n, i) => [n, args[i]]))];
}

/**
 * 2-D cross-correlation, Torch7's argument order (nInputPlane, nOutputPlane, kW, kH, dW, dH,
 * padW, padH). Weights are nOut×nIn×kH×kW, initialised U(±1/√(nIn·kW·kH)).
 */
export class SpatialConvolution extends Module {
  constructor(nInputPlane: number, nOutputPlane: number, kW: number, kH: number, dW?: number, dH?: number, padW?: number, padH?: number) {
    checkArity(arguments, 8, 'nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH[, dW, dH, padW, padH])');
    super('SpatialConvolution', ...conv('SpatialConvolution', nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH));
  }

  /** Torch7's noBias(): removes the bias (not trained, saved or exported). Returns this. */
  noBias(): this {
    return this.dropBias();
  }
}

/** Torch7's unfold-and-matmul convolution: the same function as SpatialConvolution here. */
export class SpatialConvolutionMM extends Module {
  constructor(nInputPlane: number, nOutputPlane: number, kW: number, kH: number, dW?: number, dH?: number, padW?: number, padH?: number) {
    checkArity(arguments, 8, 'nn.SpatialConvolutionMM(nInputPlane, nOutputPlane, kW, kH[, dW, dH, padW, padH])');
    super('SpatialConvolutionMM', ...conv('SpatialConvolutionMM', nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH));
  }

  /** Torch7's noBias(): removes the bias (not trained, saved or exported). Returns this. */
  noBias(): this {
    return this.dropBias();
  }
}
