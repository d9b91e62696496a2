/**
 * Each nodetorch module as the Torch7 nn class of the same name: which Torch7 fields hold its
 * constructor's arguments (read: fields → module; write: arguments → fields). Parameters and
 * buffers (weight, bias, running_mean, …) are copied by modules.ts; field names and layouts follow
 * torch/nn's Lua sources (see docs/torch7-files.md).
 */
import { TorchError } from '../errors';
import * as nn from './nn-classes';
import { Module, Value } from '../nn/Module';
import { Fields } from './fields';
import { Torch7TensorData } from './writer';

type AnyModule = Module<Value, Value>;
type Args = unknown[];
/** Extra Torch7 fields; `sub` builds a Torch7 sub-module (for the study's composite modules). */
export type Written = Record<string, unknown>;
export interface WriteContext {
  /** A Torch7 module object from its class and fields (output, gradInput, _type added). */
  sub(className: string, fields: Written, params?: Record<string, Torch7TensorData>): unknown;
  /** A float tensor of the module's dtype with these values. */
  tensor(values: number[], shape: number[]): Torch7TensorData;
  /** A torch.LongStorage with these values. */
  longStorage(values: number[]): Torch7TensorData;
}

export interface Codec {
  /** Torch7's class name. */
  t7: string;
  /** Torch7's class version (__version), where not 1. */
  version?: number;
  read(f: Fields): AnyModule;
  write(args: Args, ctx: WriteContext, module: AnyModule): Written;
  /** Torch7 shape of a parameter where it differs from nodetorch's (same element order). */
  t7Shape?(name: string, shape: number[]): number[];
  /** The Torch7 class to write where it depends on the arguments (else t7). */
  writeClass?(args: Args): string;
}

const nil = undefined;
/** Torch7 stores "no nInputDims" as nil; nodetorch as 0. */
const dims = (n: unknown) => (n === 0 ? nil : n);
const noFields = (make: () => AnyModule): Pick<Codec, 'read' | 'write'> => ({ read: () => make(), write: () => ({}) });

export const CODECS: Record<string, Codec> = {
  Linear: {
    t7: 'nn.Linear',
    read: (f) => {
      const [out, inp] = f.tensor('weight').shape;
      return new nn.Linear(inp, out);
    },
    write: () => ({}),
  },
  SpatialConvolution: {
    t7: 'nn.SpatialConvolution',
    read: (f) => new nn.SpatialConvolution(...convArgs(f)),
    write: ([nIn, nOut, kW, kH, dW, dH, padW, padH]) => ({ nInputPlane: nIn, nOutputPlane: nOut, kW, kH, dW, dH, padW, padH }),
  },
  SpatialConvolutionMM: {
    t7: 'nn.SpatialConvolutionMM',
    read: (f) => new nn.SpatialConvolutionMM(...convArgs(f)),
    write: ([nIn, nOut, kW, kH, dW, dH, padW, padH]) => ({ nInputPlane: nIn, nOutputPlane: nOut, kW, kH, dW, dH, padW, padH }),
    t7Shape: (name, shape) => (name === 'weight' ? [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)] : shape),
  },
  SpatialFullConvolution: {
    t7: 'nn.SpatialFullConvolution',
    read: (f) => new nn.SpatialFullConvolution(...convArgs(f), f.integer('adjW', 0), f.integer('adjH', 0)),
    write: ([nIn, nOut, kW, kH, dW, dH, padW, padH, adjW, adjH]) => ({
      nInputPlane: nIn,
      nOutputPlane: nOut,
      kW,
      kH,
      dW,
      dH,
      padW,
      padH,
      adjW,
      adjH,
    }),
  },
  SpatialDilatedConvolution: {
    t7: 'nn.SpatialDilatedConvolution',
    read: (f) => new nn.SpatialDilatedConvolution(...convArgs(f), f.integer('dilationW', 1), f.integer('dilationH', 1)),
    write: ([nIn, nOut, kW, kH, dW, dH, padW, padH, dilationW, dilationH]) => ({
      nInputPlane: nIn,
      nOutputPlane: nOut,
      kW,
      kH,
      dW,
      dH,
      padW,
      padH,
      dilationW,
      dilationH,
    }),
  },
  TemporalConvolution: {
    t7: 'nn.TemporalConvolution',
    read: (f) => new nn.TemporalConvolution(f.integer('inputFrameSize'), f.integer('outputFrameSize'), f.integer('kW'), f.integer('dW', 1)),
    write: ([inputFrameSize, outputFrameSize, kW, dW]) => ({ inputFrameSize, outputFrameSize, kW, dW }),
  },
  LookupTable: {
    t7: 'nn.LookupTable',
    version: 4,
    read: (f) => {
      const [nIndex, nOutput] = f.tensor('weight').shape;
      f.refuse(f.has('maxNorm'), 'has a maxNorm');
      const paddingValue = f.integer('paddingValue', 0);
      return paddingValue > 0
        ? new nn.LookupTable(nIndex, nOutput, { paddingIndex: paddingValue - 1 })
        : new nn.LookupTable(nIndex, nOutput);
    },
    write: ([, , options]) => ({
      paddingValue: ((options as { paddingIndex?: number } | undefined)?.paddingIndex ?? -1) + 1,
      shouldScaleGradByFreq: false,
    }),
  },
  BatchNormalization: batchNorm('nn.BatchNormalization', nn.BatchNormalization),
  SpatialBatchNormalization: batchNorm('nn.SpatialBatchNormalization', nn.SpatialBatchNormalization),
  PReLU: { t7: 'nn.PReLU', read: (f) => new nn.PReLU(f.integer('nOutputPlane', 0)), write: ([nOutputPlane]) => ({ nOutputPlane }) },
  LayerNorm: {
    t7: 'nn.LayerNorm',
    read: (f) => new nn.LayerNorm(f.sizes('normalizedShape'), f.number('eps', 1e-5), f.boolean('elementwiseAffine', true)),
    write: ([normalizedShape, eps, elementwiseAffine], ctx) => ({
      normalizedShape: ctx.longStorage(normalizedShape as number[]),
      eps,
      elementwiseAffine,
    }),
  },
  LSTM: recurrent('nodetorch.LSTM', nn.LSTM),
  GRU: recurrent('nodetorch.GRU', nn.GRU),
  // parameter-free layers
  Tanh: { t7: 'nn.Tanh', ...noFields(() => new nn.Tanh()) },
  Sigmoid: { t7: 'nn.Sigmoid', ...noFields(() => new nn.Sigmoid()) },
  LogSoftMax: { t7: 'nn.LogSoftMax', ...noFields(() => new nn.LogSoftMax()) },
  SoftMax: {
    t7: 'nn.SoftMax',
    // Torch7's SoftMax is β = −1; another β is kept in a field of nodetorch's own (Torch7 ignores it)
    read: (f) => new nn.SoftMax({ beta: f.number('beta', -1) }),
    write: ([options]) => ((options as { beta: number }).beta === -1 ? {} : { beta: (options as { beta: number }).beta }),
  },
  ReLU: {
    t7: 'nn.ReLU',
    read: (f) => {
      f.refuse(f.number('threshold', 0) !== 0 || f.number('val', 0) !== 0, `has threshold ${f.get('threshold')} and val ${f.get('val')}`);
      return new nn.ReLU();
    },
    write: () => ({ threshold: 0, val: 0, inplace: false }),
  },
  Identity: { t7: 'nn.Identity', ...noFields(() => new nn.Identity()) },
  Abs: { t7: 'nn.Abs', ...noFields(() => new nn.Abs()) },
  Square: { t7: 'nn.Square', ...noFields(() => new nn.Square()) },
  GELU: { t7: 'nn.GELU', ...noFields(() => new nn.GELU()) },
  ELU: { t7: 'nn.ELU', read: (f) => new nn.ELU(f.number('alpha', 1)), write: ([alpha]) => ({ alpha, inplace: false }) },
  LeakyReLU: {
    t7: 'nn.LeakyReLU',
    read: (f) => new nn.LeakyReLU(f.number('negval', 0.01)),
    write: ([negval]) => ({ negval, inplace: false }),
  },
  SoftPlus: {
    t7: 'nn.SoftPlus',
    read: (f) => new nn.SoftPlus(f.number('beta', 1), f.number('threshold', 20)),
    write: ([beta, threshold]) => ({ beta, threshold }),
  },
  HardTanh: {
    t7: 'nn.HardTanh',
    read: (f) => new nn.HardTanh(f.number('min_val', -1), f.number('max_val', 1)),
    write: ([min, max]) => ({ min_val: min, max_val: max, inplace: false }),
  },
  Sqrt: { t7: 'nn.Sqrt', read: (f) => new nn.Sqrt(f.number('eps', 0)), write: ([eps]) => ({ eps }) },
  Power: { t7: 'nn.Power', read: (f) => new nn.Power(f.number('pow')), write: ([pow]) => ({ pow }) },
  MulConstant: {
    t7: 'nn.MulConstant',
    read: (f) => new nn.MulConstant(f.number('constant_scalar')),
    write: ([s]) => ({ constant_scalar: s, inplace: false }),
  },
  AddConstant: {
    t7: 'nn.AddConstant',
    read: (f) => new nn.AddConstant(f.number('constant_scalar')),
    write: ([s]) => ({ constant_scalar: s, inplace: false }),
  },
  Dropout: {
    t7: 'nn.Dropout',
    read: (f) => {
      f.refuse(f.get('v2') !== true, 'is the old Dropout (v1: scaled at test time, not in training)');
      return new nn.Dropout(f.number('p', 0.5));
    },
    write: ([p], ctx) => ({ p, v2: true, inplace: false, stochastic_inference: false, noise: ctx.tensor([], [0]) }),
  },
  SpatialDropout: {
    t7: 'nn.SpatialDropout',
    read: (f) => new nn.SpatialDropout(f.number('p', 0.5)),
    write: ([p], ctx) => ({ p, stochastic_inference: false, noise: ctx.tensor([], [0]) }),
  },
  View: {
    t7: 'nn.View',
    read: (f) => {
      f.refuse(f.has('numInputDims'), 'has numInputDims (setNumInputDims)');
      // a nodetorch Reshape with an inferred size, written as the View that computes it in Torch7
      return f.has('nodetorchReshape') ? new nn.Reshape(...f.sizes('size')) : new nn.View(...f.sizes('size'));
    },
    write: (sizes, ctx) => ({
      size: ctx.longStorage(sizes as number[]),
      numElements: (sizes as number[]).filter((d) => d > 0).reduce((a, b) => a * b, 1),
    }),
  },
  Reshape: {
    t7: 'nn.Reshape',
    read: (f) => {
      f.refuse(f.has('batchMode'), 'has batchMode');
      return new nn.Reshape(...f.sizes('size'));
    },
    // Torch7's Reshape cannot infer a size: Reshape(-1, n) (the study's models) is written as the
    // nn.View(-1, n) that computes the same there, marked so that nodetorch reads a Reshape back
    writeClass: (sizes) => ((sizes as number[]).includes(-1) ? 'nn.View' : 'nn.Reshape'),
    write: (sizes, ctx) => {
      const s = sizes as number[];
      if (s.includes(-1))
        return { size: ctx.longStorage(s), numElements: s.filter((d) => d > 0).reduce((a, b) => a * b, 1), nodetorchReshape: true };
      return { size: ctx.longStorage(s), batchsize: ctx.longStorage([1, ...s]), nelement: s.reduce((a, b) => a * b, 1) };
    },
  },
  SpatialMaxPooling: {
    t7: 'nn.SpatialMaxPooling',
    read: (f) => {
      f.refuse(f.number('padW', 0) !== 0 || f.number('padH', 0) !== 0, 'pads');
      f.refuse(f.boolean('ceil_mode', false), 'rounds up (ceil_mode)');
      return new nn.SpatialMaxPooling(f.integer('kW'), f.integer('kH'), f.integer('dW'), f.integer('dH'));
    },
    write: ([kW, kH, dW, dH]) => ({ kW, kH, dW, dH, padW: 0, padH: 0, ceil_mode: false }),
  },
  SpatialAveragePooling: {
    t7: 'nn.SpatialAveragePooling',
    read: (f) => {
      f.refuse(f.number('padW', 0) !== 0 || f.number('padH', 0) !== 0, 'pads');
      f.refuse(f.boolean('ceil_mode', false), 'rounds up (ceil_mode)');
      f.refuse(f.get('divide') === false, 'sums without dividing (divide false)');
      return new nn.SpatialAveragePooling(f.integer('kW'), f.integer('kH'), f.integer('dW', 1), f.integer('dH', 1));
    },
    write: ([kW, kH, dW, dH]) => averagePoolingFields(kW, kH, dW, dH),
  },
  SpatialZeroPadding: {
    t7: 'nn.SpatialZeroPadding',
    read: (f) => {
      const l = f.integer('pad_l');
      return new nn.SpatialZeroPadding(l, f.integer('pad_r', l), f.integer('pad_t', l), f.integer('pad_b', l));
    },
    write: ([l, r, t, b]) => ({ pad_l: l, pad_r: r, pad_t: t, pad_b: b }),
  },
  SpatialUpSamplingNearest: {
    t7: 'nn.SpatialUpSamplingNearest',
    read: (f) => new nn.SpatialUpSamplingNearest(f.integer('scale_factor')),
    write: ([scale], ctx) => ({ scale_factor: scale, inputSize: ctx.longStorage([0, 0, 0, 0]), outputSize: ctx.longStorage([0, 0, 0, 0]) }),
  },
  SpatialUpSamplingBilinear: {
    t7: 'nn.SpatialUpSamplingBilinear',
    read: (f) =>
      f.has('scale_factor')
        ? new nn.SpatialUpSamplingBilinear(f.integer('scale_factor'))
        : new nn.SpatialUpSamplingBilinear({ oheight: f.integer('oheight'), owidth: f.integer('owidth') }),
    write: ([size], ctx) => ({
      ...(typeof size === 'number' ? { scale_factor: size } : (size as object)),
      inputSize: ctx.longStorage([0, 0, 0, 0]),
      outputSize: ctx.longStorage([0, 0, 0, 0]),
    }),
  },
  SpatialAdaptiveMaxPooling: {
    t7: 'nn.SpatialAdaptiveMaxPooling',
    read: (f) => new nn.SpatialAdaptiveMaxPooling(f.integer('W'), f.integer('H')),
    write: ([W, H]) => ({ W, H }),
  },
  SpatialAdaptiveAveragePooling: {
    t7: 'nn.SpatialAdaptiveAveragePooling',
    read: (f) => new nn.SpatialAdaptiveAveragePooling(f.integer('W'), f.integer('H')),
    write: ([W, H]) => ({ W, H }),
  },
  Mean: {
    t7: 'nn.Mean',
    read: (f) => new nn.Mean(f.integer('dimension', 1), f.integer('nInputDims', 0)),
    write: ([dimension, nInputDims]) => ({ dimension, nInputDims: dims(nInputDims), sizeAverage: true, squeeze: true }),
  },
  Sum: {
    t7: 'nn.Sum',
    read: (f) => {
      f.refuse(f.get('squeeze') === false, 'keeps the summed dimension (squeeze false)');
      return new nn.Sum(f.integer('dimension', 1), f.integer('nInputDims', 0), f.boolean('sizeAverage', false));
    },
    write: ([dimension, nInputDims, sizeAverage]) => ({ dimension, nInputDims: dims(nInputDims), sizeAverage, squeeze: true }),
  },
  Max: {
    t7: 'nn.Max',
    read: (f) => new nn.Max(f.integer('dimension', 1), f.integer('nInputDims', 0)),
    write: ([dimension, nInputDims]) => ({ dimension, nInputDims: dims(nInputDims) }),
  },
  Normalize: {
    t7: 'nn.Normalize',
    read: (f) => new nn.Normalize(f.number('p'), f.number('eps', 1e-10)),
    write: ([p, eps]) => ({ p, eps }),
  },
  Transpose: {
    t7: 'nn.Transpose',
    read: (f) => {
      f.refuse(f.has('numInputDims'), 'has numInputDims');
      const pairs = f.get('permutations');
      if (!Array.isArray(pairs) || !pairs.every((p) => Array.isArray(p) && p.length === 2))
        f.fail("has a field 'permutations' that is not a list of pairs");
      return new nn.Transpose(...(pairs as [number, number][]));
    },
    write: (pairs) => {
      refuseInTorch7(
        (pairs as number[][]).flat().some((d) => d < 1),
        `nn.Transpose of negative dimensions (${JSON.stringify(pairs)}): Torch7's transpose takes 1-based dimensions only`,
      );
      return { permutations: pairs };
    },
  },
  CAddTable: { t7: 'nn.CAddTable', read: () => new nn.CAddTable(), write: () => ({ gradInput: [] }) },
  CMulTable: { t7: 'nn.CMulTable', read: () => new nn.CMulTable(), write: () => ({ gradInput: [] }) },
  JoinTable: {
    t7: 'nn.JoinTable',
    read: (f) => new nn.JoinTable(f.integer('dimension'), f.integer('nInputDims', 0)),
    write: ([dimension, nInputDims], ctx) => ({ dimension, nInputDims: dims(nInputDims), size: ctx.longStorage([]), gradInput: [] }),
  },
  SplitTable: {
    t7: 'nn.SplitTable',
    read: (f) => new nn.SplitTable(f.integer('dimension'), f.integer('nInputDims', 0)),
    write: ([dimension, nInputDims]) => ({ dimension, nInputDims: dims(nInputDims) }),
  },
  SelectTable: {
    t7: 'nn.SelectTable',
    read: (f) => new nn.SelectTable(f.integer('index')),
    write: ([index]) => ({ index, gradInput: [] }),
  },
  Narrow: {
    t7: 'nn.Narrow',
    read: (f) => new nn.Narrow(f.integer('dimension'), f.integer('index'), f.integer('length', 1)),
    write: ([dimension, offset, length]) => ({ dimension, index: offset, length }),
  },
  // containers (their modules are added by modules.ts)
  Sequential: { t7: 'nn.Sequential', read: () => new nn.Sequential(), write: () => ({}) },
  ConcatTable: { t7: 'nn.ConcatTable', read: () => new nn.ConcatTable(), write: () => ({ output: [] }) },
  ParallelTable: { t7: 'nn.ParallelTable', read: () => new nn.ParallelTable(), write: () => ({ output: [], gradInput: [] }) },
  Concat: {
    t7: 'nn.Concat',
    read: (f) => new nn.Concat(f.integer('dimension')),
    write: ([dimension], ctx) => {
      refuseInTorch7((dimension as number) < 1, `nn.Concat along dimension ${dimension}: Torch7's Concat takes a positive dimension only`);
      return { dimension, outputSize: ctx.longStorage([]) };
    },
  },
  // the study's composite modules, which Torch7 stores as their inner networks
  SpatialLPPooling: {
    t7: 'nn.SpatialLPPooling',
    read: (f) => {
      const first = f.firstModule();
      f.refuse(
        first !== undefined && first.className !== 'nn.Square',
        `raises to a power other than 2 (its first module is ${first?.className})`,
      );
      const nInputPlane = f.integer('nInputPlane', f.inferredPlanes);
      return new nn.SpatialLPPooling(nInputPlane, 2, f.integer('kW'), f.integer('kH'), f.integer('dW'), f.integer('dH'));
    },
    write: ([nInputPlane, , kW, kH, dW, dH], ctx) => ({
      nInputPlane, // not Torch7's (it keeps none): lets a reader rebuild the module without guessing
      kW,
      kH,
      dW,
      dH,
      modules: [
        ctx.sub('nn.Square', {}),
        ctx.sub('nn.SpatialAveragePooling', averagePoolingFields(kW, kH, dW, dH)),
        ctx.sub('nn.MulConstant', { constant_scalar: (kW as number) * (kH as number), inplace: false }),
        ctx.sub('nn.Sqrt', { eps: 0 }),
      ],
    }),
  },
  SpatialSubtractiveNormalization: {
    t7: 'nn.SpatialSubtractiveNormalization',
    // Torch7 keeps the kernel scaled by 1/(sum·planes), which computes the same; nodetorch also keeps it as given
    read: (f) =>
      new nn.SpatialSubtractiveNormalization(
        f.integer('nInputPlane', 1),
        f.tensor(f.has('kernelAsGiven') ? 'kernelAsGiven' : 'kernel').toArray() as number[] | number[][],
      ),
    write: ([nInputPlane, kernel], ctx) => subtractiveNormalization(nInputPlane as number, kernel as number[] | number[][], ctx),
  },
};

/** A module setting Torch7's code would compute wrongly with is an error, not a broken file. */
function refuseInTorch7(condition: boolean, what: string): void {
  if (condition) throw new TorchError(`torch7.save: ${what}`);
}

function convArgs(f: Fields): [number, number, number, number, number, number, number, number] {
  const padding = f.integer('padding', 0);
  const padW = f.integer('padW', padding);
  return [
    f.integer('nInputPlane'),
    f.integer('nOutputPlane'),
    f.integer('kW'),
    f.integer('kH'),
    f.integer('dW', 1),
    f.integer('dH', 1),
    padW,
    f.integer('padH', f.has('padW') ? 0 : padding),
  ];
}

function averagePoolingFields(kW: unknown, kH: unknown, dW: unknown, dH: unknown): Written {
  return { kW, kH, dW, dH, padW: 0, padH: 0, ceil_mode: false, count_include_pad: true, divide: true };
}

function batchNorm(t7: string, make: new (n: number, eps?: number, momentum?: number, affine?: boolean) => AnyModule): Codec {
  return {
    t7,
    version: 2,
    read: (f) => {
      const mean = f.tensor('running_mean');
      return new make(mean.numel, f.number('eps', 1e-5), f.number('momentum', 0.1), f.boolean('affine', true));
    },
    write: ([, eps, momentum, affine]) => ({ eps, momentum, affine }),
  };
}

function recurrent(t7: string, make: new (inputSize: number, hiddenSize: number, options?: object) => AnyModule): Codec {
  return {
    t7,
    read: (f) =>
      new make(f.integer('inputSize'), f.integer('hiddenSize'), {
        numLayers: f.integer('numLayers', 1),
        batchFirst: f.boolean('batchFirst', false),
        dropout: f.number('dropout', 0),
        bidirectional: f.boolean('bidirectional', false),
      }),
    write: ([inputSize, hiddenSize, o]) => {
      const options = o as { numLayers: number; batchFirst: number; dropout: number; bidirectional: number };
      return {
        inputSize,
        hiddenSize,
        numLayers: options.numLayers,
        batchFirst: options.batchFirst === 1,
        dropout: options.dropout,
        bidirectional: options.bidirectional === 1,
      };
    },
  };
}

/** Torch7's SpatialSubtractiveNormalization: its kernel (scaled by 1/(sum·planes)) and its mean-estimating network. */
function subtractiveNormalization(nIn: number, kernel: number[] | number[][], ctx: WriteContext): Written {
  const is2d = Array.isArray(kernel[0]);
  const rows = is2d ? (kernel as number[][]) : [kernel as number[]];
  const flat = rows.flat();
  const scale = flat.reduce((a, b) => a + b, 0) * nIn;
  const scaled = flat.map((v) => v / scale);
  const kH = is2d ? rows.length : scaled.length;
  const kW = rows[0].length;
  const padH = Math.floor(kH / 2);
  const padW = is2d ? Math.floor(kW / 2) : padH;
  const conv = (nInputPlane: number, w: number, h: number, weight: number[], shape: number[]) =>
    ctx.sub(
      'nn.SpatialConvolution',
      { nInputPlane, nOutputPlane: 1, kW: w, kH: h, dW: 1, dH: 1, padW: 0, padH: 0 },
      { weight: ctx.tensor(weight, shape), bias: ctx.tensor([0], [1]) },
    );
  const perPlane = (n: number) => Array.from({ length: n }, () => scaled).flat();
  const modules = [ctx.sub('nn.SpatialZeroPadding', { pad_l: padW, pad_r: padW, pad_t: padH, pad_b: padH })];
  if (is2d) {
    modules.push(conv(nIn, kW, kH, perPlane(nIn), [1, nIn, kH, kW]));
  } else {
    const k = scaled.length;
    const connTable = Array.from({ length: nIn }, (_, i) => [i + 1, i + 1]).flat();
    modules.push(
      ctx.sub(
        'nn.SpatialConvolutionMap',
        { kW: k, kH: 1, dW: 1, dH: 1, nInputPlane: nIn, nOutputPlane: nIn, connTable: ctx.tensor(connTable, [nIn, 2]) },
        { weight: ctx.tensor(perPlane(nIn), [nIn, 1, k]), bias: ctx.tensor(new Array(nIn).fill(0), [nIn]) },
      ),
    );
    modules.push(conv(nIn, 1, k, perPlane(nIn), [1, nIn, k, 1]));
  }
  modules.push(ctx.sub('nn.Replicate', { nfeatures: nIn, dim: 1, ndim: 3 }));
  return {
    nInputPlane: nIn,
    kernel: ctx.tensor(scaled, is2d ? [kH, kW] : [kH]),
    kernelAsGiven: ctx.tensor(flat, is2d ? [kH, kW] : [kH]),
    meanestimator: ctx.sub('nn.Sequential', { modules }),
    subtractor: ctx.sub('nn.CSubTable', { gradInput: [] }),
    divider: ctx.sub('nn.CDivTable', { gradInput: [] }),
    coef: ctx.tensor([1], [1, 1, 1]),
  };
}
