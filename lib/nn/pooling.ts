import { checkInteger, checkArity } from '../validate';
import { Module } from './Module';

/** A pooling window kW×kH moved by dW, dH, validated, as constructor arguments and named options. */
function window(type: string, kW: number, kH: number, dW: number, dH: number) {
  checkInteger(kW, `${type} kW`, 1);
  checkInteger(kH, `${type} kH`, 1);
  checkInteger(dW, `${type} dW`, 1);
  checkInteger(dH, `${type} dH`, 1);
  return { args: [kW, kH, dW, dH], options: { kW, kH, dW, dH } };
}

/** Max over kW×kH windows moved by dW, dH (floor mode, no padding, as Torch7). dW, dH default to kW, kH. */
export class SpatialMaxPooling extends Module {
  constructor(kW: number, kH: number, dW = kW, dH = kH) {
    checkArity(arguments, 4, 'nn.SpatialMaxPooling(kW, kH[, dW, dH])');
    const w = window('SpatialMaxPooling', kW, kH, dW, dH);
    super('SpatialMaxPooling', w.args, w.options);
  }
}

/** Mean over kW×kH windows moved by dW, dH (floor mode, no padding, divides by kW·kH). */
export class SpatialAveragePooling extends Module {
  constructor(kW: number, kH: number, dW = 1, dH = 1) {
    checkArity(arguments, 4, 'nn.SpatialAveragePooling(kW, kH[, dW, dH])');
    const w = window('SpatialAveragePooling', kW, kH, dW, dH);
    super('SpatialAveragePooling', w.args, w.options);
  }
}

/**
 * L2 pooling as Torch7 composes it (Square → SpatialAveragePooling → MulConstant(kW·kH) → Sqrt):
 * y = sqrt(Σ_window x²). Only p = 2 (the study's). The gradient is 0 where y = 0, as Torch7's Sqrt.
 */
export class SpatialLPPooling extends Module {
  constructor(nInputPlane: number, pnorm: number, kW: number, kH: number, dW = kW, dH = kH) {
    checkArity(arguments, 6, 'nn.SpatialLPPooling(nInputPlane, pnorm, kW, kH[, dW, dH])');
    checkInteger(nInputPlane, 'SpatialLPPooling nInputPlane', 1);
    checkInteger(pnorm, 'SpatialLPPooling pnorm', 2, 2);
    const w = window('SpatialLPPooling', kW, kH, dW, dH);
    super('SpatialLPPooling', [nInputPlane, pnorm, ...w.args], { nInputPlane, pnorm, ...w.options });
  }
}

/**
 * Pads (or, with negative values, crops) the last two dimensions with zeros. Every pad left out
 * defaults to the left pad, as Torch7 (`pad_b = pad_b or self.pad_l`: SpatialZeroPadding(1, 2, 3)
 * pads the bottom by 1, not 3).
 */
export class SpatialZeroPadding extends Module {
  constructor(padLeft: number, padRight = padLeft, padTop = padLeft, padBottom = padLeft) {
    checkArity(arguments, 4, 'nn.SpatialZeroPadding(padLeft[, padRight, padTop, padBottom])');
    checkInteger(padLeft, 'SpatialZeroPadding padLeft');
    checkInteger(padRight, 'SpatialZeroPadding padRight');
    checkInteger(padTop, 'SpatialZeroPadding padTop');
    checkInteger(padBottom, 'SpatialZeroPadding padBottom');
    super('SpatialZeroPadding', [padLeft, padRight, padTop, padBottom], { padLeft, padRight, padTop, padBottom });
  }
}
