import { checkInteger } from '../validate';
import { Module } from './Module';

function convArgs(type: string, nIn: number, nOut: number, kW: number, kH: number, dW = 1, dH = 1, padW = 0, padH = padW): number[] {
  return [
    checkInteger(nIn, `${type} nInputPlane`, 1),
    checkInteger(nOut, `${type} nOutputPlane`, 1),
    checkInteger(kW, `${type} kW`, 1),
    checkInteger(kH, `${type} kH`, 1),
    checkInteger(dW, `${type} dW`, 1),
    checkInteger(dH, `${type} dH`, 1),
    checkInteger(padW, `${type} padW`, 0),
    checkInteger(padH, `${type} padH`, 0),
  ];
}

/**
 * 2-D cross-correlation, Torch7's argument order (nInputPlane, nOutputPlane, kW, kH, dW, dH,
 * padW, padH). Weights are nOut×nIn×kH×kW, initialised U(±1/√(nIn·kW·kH)).
 */
export class SpatialConvolution extends Module {
  constructor(nInputPlane: number, nOutputPlane: number, kW: number, kH: number, dW?: number, dH?: number, padW?: number, padH?: number) {
    super('SpatialConvolution', convArgs('SpatialConvolution', nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH));
  }
}

/** Torch7's unfold-and-matmul convolution: the same function as SpatialConvolution here. */
export class SpatialConvolutionMM extends Module {
  constructor(nInputPlane: number, nOutputPlane: number, kW: number, kH: number, dW?: number, dH?: number, padW?: number, padH?: number) {
    super('SpatialConvolutionMM', convArgs('SpatialConvolutionMM', nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH));
  }
}
