import { checkInteger } from '../validate';
import { Module } from './Module';

function window(type: string, kW: number, kH: number, dW: number, dH: number): number[] {
  return [checkInteger(kW, `${type} kW`, 1), checkInteger(kH, `${type} kH`, 1), checkInteger(dW, `${type} dW`, 1), checkInteger(dH, `${type} dH`, 1)];
}

/** Mean over kW×kH windows moved by dW, dH (floor mode, no padding, divides by kW·kH). */
export class SpatialAveragePooling extends Module {
  constructor(kW: number, kH: number, dW = 1, dH = 1) {
    super('SpatialAveragePooling', window('SpatialAveragePooling', kW, kH, dW, dH));
  }
}

/**
 * L2 pooling as Torch7 composes it (Square → SpatialAveragePooling → MulConstant(kW·kH) → Sqrt):
 * y = sqrt(Σ_window x²). Only p = 2 (the study's). The gradient is 0 where y = 0, as Torch7's Sqrt.
 */
export class SpatialLPPooling extends Module {
  constructor(nInputPlane: number, pnorm: number, kW: number, kH: number, dW = kW, dH = kH) {
    super('SpatialLPPooling', [checkInteger(nInputPlane, 'SpatialLPPooling nInputPlane', 1), checkInteger(pnorm, 'SpatialLPPooling pnorm', 2, 2), ...window('SpatialLPPooling', kW, kH, dW, dH)]);
  }
}

/** Pads (or, with negative values, crops) the last two dimensions with zeros. */
export class SpatialZeroPadding extends Module {
  constructor(padLeft: number, padRight = padLeft, padTop = padLeft, padBottom = padTop) {
    super('SpatialZeroPadding', [
      checkInteger(padLeft, 'SpatialZeroPadding padLeft'),
      checkInteger(padRight, 'SpatialZeroPadding padRight'),
      checkInteger(padTop, 'SpatialZeroPadding padTop'),
      checkInteger(padBottom, 'SpatialZeroPadding padBottom'),
    ]);
  }
}
