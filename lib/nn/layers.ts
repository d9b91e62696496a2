/**
 * Torch7's other convolutions, its embedding, resampling, pooling-to-size, reductions and
 * normalisation, with its names, argument orders, defaults and weight layouts (dimensions
 * 1-based, nInputDims as Torch7's); and PyTorch's LayerNorm. Each matches the PyTorch module of the
 * same kind (test/nn-layers.test.ts); where Torch7 and PyTorch differ, Torch7's way is kept and said.
 */
import { TorchError } from '../errors';
import { checkArity, checkBoolean, checkInteger, checkKeys, checkNumber, invalid } from '../validate';
import { Module } from './Module';

const positive = (v: number, what: string) => checkInteger(v, what, 1);
const count = (v: number, what: string) => checkInteger(v, what, 0);
/** A 1-based dimension: a non-zero integer, negative from the end. */
const dimension = (v: number, what: string) => {
  checkInteger(v, `${what} (1-based, negative from the end)`);
  if (v === 0) throw new TorchError(`Expected a 1-based dimension (not 0) for ${what}`);
  return v;
};

/**
 * Torch7's TemporalConvolution(inputFrameSize, outputFrameSize, kW, dW = 1): a 1-D convolution over
 * nInputFrame × inputFrameSize inputs (or N × nInputFrame × inputFrameSize). The weight is Torch7's
 * outputFrameSize × (kW·inputFrameSize), frame by frame (PyTorch's Conv1d holds it as out × in × kW).
 */
export class TemporalConvolution extends Module {
  constructor(inputFrameSize: number, outputFrameSize: number, kW: number, dW = 1) {
    checkArity(arguments, 4, 'nn.TemporalConvolution(inputFrameSize, outputFrameSize, kW[, dW])');
    const args = [
      positive(inputFrameSize, 'TemporalConvolution inputFrameSize'),
      positive(outputFrameSize, 'TemporalConvolution outputFrameSize'),
      positive(kW, 'TemporalConvolution kW'),
      positive(dW, 'TemporalConvolution dW'),
    ];
    super('TemporalConvolution', args, { inputFrameSize, outputFrameSize, kW, dW });
  }
}

const FULL = ['nInputPlane', 'nOutputPlane', 'kW', 'kH', 'dW', 'dH', 'padW', 'padH'];

/**
 * Torch7's SpatialFullConvolution(nInputPlane, nOutputPlane, kW, kH, dW = 1, dH = 1, padW = 0,
 * padH = 0, adjW = 0, adjH = 0): the transposed convolution; adjW/adjH add to the output's size
 * (PyTorch's output_padding). Weight nInputPlane × nOutputPlane × kH × kW.
 */
export class SpatialFullConvolution extends Module {
  constructor(nInputPlane: number, nOutputPlane: number, kW: number, kH: number, dW = 1, dH = 1, padW = 0, padH = 0, adjW = 0, adjH = 0) {
    checkArity(arguments, 10, 'nn.SpatialFullConvolution(nInputPlane, nOutputPlane, kW, kH[, dW, dH, padW, padH, adjW, adjH])');
    const args = [nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH, adjW, adjH];
    args.forEach((v, i) => checkInteger(v, `SpatialFullConvolution ${[...FULL, 'adjW', 'adjH'][i]}`, i < 6 ? 1 : 0));
    if (adjW >= dW || adjH >= dH)
      throw new TorchError(`SpatialFullConvolution: adjW and adjH must be smaller than dW and dH (got ${adjW}, ${adjH} for ${dW}, ${dH})`);
    super('SpatialFullConvolution', args, Object.fromEntries([...FULL, 'adjW', 'adjH'].map((n, i) => [n, args[i]])));
  }

  /** Torch7's noBias(): removes the bias (not trained, saved or exported). Returns this. */
  noBias(): this {
    return this.dropBias();
  }
}

/**
 * Torch7's SpatialDilatedConvolution(nInputPlane, nOutputPlane, kW, kH, dW = 1, dH = 1, padW = 0,
 * padH = 0, dilationW = 1, dilationH = 1).
 */
export class SpatialDilatedConvolution extends Module {
  constructor(
    nInputPlane: number,
    nOutputPlane: number,
    kW: number,
    kH: number,
    dW = 1,
    dH = 1,
    padW = 0,
    padH = 0,
    dilationW = 1,
    dilationH = 1,
  ) {
    checkArity(
      arguments,
      10,
      'nn.SpatialDilatedConvolution(nInputPlane, nOutputPlane, kW, kH[, dW, dH, padW, padH, dilationW, dilationH])',
    );
    const names = [...FULL, 'dilationW', 'dilationH'];
    const args = [nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH, dilationW, dilationH];
    args.forEach((v, i) => checkInteger(v, `SpatialDilatedConvolution ${names[i]}`, i === 6 || i === 7 ? 0 : 1));
    super('SpatialDilatedConvolution', args, Object.fromEntries(names.map((n, i) => [n, args[i]])));
  }

  /** Torch7's noBias(): removes the bias (not trained, saved or exported). Returns this. */
  noBias(): this {
    return this.dropBias();
  }
}

/**
 * Torch7's LookupTable(nIndex, nOutput): rows of an nIndex × nOutput table (an embedding), N(0, 1)
 * at first, at 0-based indices of any shape (Torch7's were 1-based); the output is the indices'
 * shape × nOutput. `{ paddingIndex }`: that row starts at zero and is never trained (PyTorch's
 * padding_idx).
 */
export class LookupTable extends Module {
  constructor(nIndex: number, nOutput: number, options: { paddingIndex?: number } = {}) {
    checkArity(arguments, 3, 'nn.LookupTable(nIndex, nOutput[, { paddingIndex }])');
    if (typeof options !== 'object' || options === null) invalid('{ paddingIndex }', 'LookupTable options', options);
    checkKeys(options, ['paddingIndex'], 'LookupTable options');
    positive(nIndex, 'LookupTable nIndex');
    positive(nOutput, 'LookupTable nOutput');
    const paddingIndex =
      options.paddingIndex === undefined ? -1 : checkInteger(options.paddingIndex, 'LookupTable paddingIndex', 0, nIndex - 1);
    super('LookupTable', paddingIndex < 0 ? [nIndex, nOutput] : [nIndex, nOutput, { paddingIndex }], { nIndex, nOutput, paddingIndex });
  }
}

/** Torch7's SpatialUpSamplingNearest(scale): each pixel repeated scale × scale times. */
export class SpatialUpSamplingNearest extends Module {
  constructor(scale: number) {
    checkArity(arguments, 1, 'nn.SpatialUpSamplingNearest(scale)');
    super('SpatialUpSamplingNearest', [positive(scale, 'SpatialUpSamplingNearest scale')], { scale, oheight: 0, owidth: 0 });
  }
}

/**
 * Torch7's SpatialUpSamplingBilinear(scale | { oheight, owidth }): bilinear resampling with the
 * corners aligned, as Torch7's (PyTorch's UpsamplingBilinear2d).
 */
export class SpatialUpSamplingBilinear extends Module {
  constructor(size: number | { oheight: number; owidth: number }) {
    checkArity(arguments, 1, 'nn.SpatialUpSamplingBilinear(scale | { oheight, owidth })');
    if (typeof size === 'number') {
      super('SpatialUpSamplingBilinear', [positive(size, 'SpatialUpSamplingBilinear scale')], { scale: size, oheight: 0, owidth: 0 });
    } else {
      if (typeof size !== 'object' || size === null) invalid('a scale or { oheight, owidth }', 'SpatialUpSamplingBilinear', size);
      checkKeys(size, ['oheight', 'owidth'], 'SpatialUpSamplingBilinear size');
      const { oheight, owidth } = size;
      super(
        'SpatialUpSamplingBilinear',
        [{ oheight: positive(oheight, 'SpatialUpSamplingBilinear oheight'), owidth: positive(owidth, 'SpatialUpSamplingBilinear owidth') }],
        { scale: 0, oheight, owidth },
      );
    }
  }
}

/** Torch7's SpatialAdaptiveMaxPooling(W, H): max pooling to an output of W × H, whatever the input's size. */
export class SpatialAdaptiveMaxPooling extends Module {
  constructor(W: number, H: number) {
    checkArity(arguments, 2, 'nn.SpatialAdaptiveMaxPooling(W, H)');
    super('SpatialAdaptiveMaxPooling', [positive(W, 'SpatialAdaptiveMaxPooling W'), positive(H, 'SpatialAdaptiveMaxPooling H')], { W, H });
  }
}

/** Torch7's SpatialAdaptiveAveragePooling(W, H): average pooling to an output of W × H. */
export class SpatialAdaptiveAveragePooling extends Module {
  constructor(W: number, H: number) {
    checkArity(arguments, 2, 'nn.SpatialAdaptiveAveragePooling(W, H)');
    super(
      'SpatialAdaptiveAveragePooling',
      [positive(W, 'SpatialAdaptiveAveragePooling W'), positive(H, 'SpatialAdaptiveAveragePooling H')],
      { W, H },
    );
  }
}

/**
 * Torch7's SpatialDropout(p = 0.5): zeroes whole planes with probability p. As Torch7 (and unlike
 * PyTorch's Dropout2d), training does not scale what it keeps; evaluation multiplies by 1 − p.
 */
export class SpatialDropout extends Module {
  constructor(p = 0.5) {
    checkArity(arguments, 1, 'nn.SpatialDropout([p])');
    checkNumber(p, 'SpatialDropout p', { min: 0, max: 1 });
    if (p === 1) throw new TorchError('SpatialDropout p must be below 1 (everything would be dropped)');
    super('SpatialDropout', [p], { p });
  }
}

/** Torch7's Mean(dimension = 1, nInputDims = 0): the mean over a dimension, which disappears. */
export class Mean extends Module {
  constructor(dim = 1, nInputDims = 0) {
    checkArity(arguments, 2, 'nn.Mean([dimension, nInputDims])');
    super('Mean', [dimension(dim, 'Mean dimension'), count(nInputDims, 'Mean nInputDims')], { dimension: dim, nInputDims });
  }
}

/** Torch7's Sum(dimension = 1, nInputDims = 0, sizeAverage = false): the sum over a dimension (the mean with sizeAverage). */
export class Sum extends Module {
  constructor(dim = 1, nInputDims = 0, sizeAverage = false) {
    checkArity(arguments, 3, 'nn.Sum([dimension, nInputDims, sizeAverage])');
    super('Sum', [dimension(dim, 'Sum dimension'), count(nInputDims, 'Sum nInputDims'), checkBoolean(sizeAverage, 'Sum sizeAverage')], {
      dimension: dim,
      nInputDims,
      sizeAverage,
    });
  }
}

/** Torch7's Max(dimension = 1, nInputDims = 0): the maximum over a dimension, which disappears. */
export class Max extends Module {
  constructor(dim = 1, nInputDims = 0) {
    checkArity(arguments, 2, 'nn.Max([dimension, nInputDims])');
    super('Max', [dimension(dim, 'Max dimension'), count(nInputDims, 'Max nInputDims')], { dimension: dim, nInputDims });
  }
}

/**
 * Torch7's Normalize(p, eps = 1e-10): each vector (a vector, or each row of N×D) divided by
 * (Σ|x|ᵖ + eps)^(1/p), for a finite p ≥ 1 (Torch7's p = ∞ is not offered yet). PyTorch's
 * F.normalize divides by max(‖x‖ₚ, eps): the two differ only near zero.
 */
export class Normalize extends Module {
  constructor(p: number, eps = 1e-10) {
    checkArity(arguments, 2, 'nn.Normalize(p[, eps])');
    super('Normalize', [checkNumber(p, 'Normalize p', { min: 1 }), checkNumber(eps, 'Normalize eps', { min: 0 })], { p, eps });
  }
}

/** Torch7's Transpose([d1, d2], …): swaps each pair of (1-based) dimensions, in order. */
export class Transpose extends Module {
  constructor(...pairs: [number, number][]) {
    if (pairs.length === 0) throw new TorchError('nn.Transpose needs at least one pair of dimensions, e.g. new nn.Transpose([1, 2])');
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) invalid('a pair of dimensions [d1, d2]', `Transpose argument ${i + 1}`, pair);
      pair.forEach((d) => dimension(d, `Transpose argument ${i + 1}`));
    });
    super('Transpose', pairs, { pairs: pairs.flat() });
  }
}

/**
 * PyTorch's LayerNorm(normalizedShape, eps = 1e-5, elementwiseAffine = true): each sample
 * normalised over its last dimensions (normalizedShape), then scaled and shifted (weight 1, bias 0
 * at first). Torch7 had none.
 */
export class LayerNorm extends Module {
  constructor(normalizedShape: number | number[], eps = 1e-5, elementwiseAffine = true) {
    checkArity(arguments, 3, 'nn.LayerNorm(normalizedShape[, eps, elementwiseAffine])');
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0) invalid('a size or a list of sizes', 'LayerNorm normalizedShape', normalizedShape);
    shape.forEach((d, i) => positive(d, `LayerNorm normalizedShape[${i}]`));
    checkNumber(eps, 'LayerNorm eps', { min: 0 });
    super('LayerNorm', [shape, eps, checkBoolean(elementwiseAffine, 'LayerNorm elementwiseAffine')], {
      normalizedShape: shape,
      eps,
      elementwiseAffine,
    });
  }
}
