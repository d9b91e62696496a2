/**
 * The op table: every LibTorch operator that nodetorch offers through the table is one entry here.
 * From an entry follow the Tensor method or the function (lib/ops/index.ts), its argument checks,
 * its TypeScript signature (the types below) and its line in docs/api/tensors.md
 * (scripts/ops-table.ts).
 * The C++ side is one generic entry (native/tensor_ops.cc) that calls the ATen operator through
 * LibTorch's dispatcher, so that adding an operator touches this file only.
 *
 * An entry: `aten` is the operator (and `overload`, its overload name); `args` lists the caller's
 * arguments in order as [name, kind], where the name is the operator schema's argument name and a
 * kind ending in '?' is optional (only at the end); `returns` is the result's kind; `doc` one line.
 * Methods pass the tensor itself as the schema's `self`.
 */
import type { DType, Device, Tensor } from '../tensor';

/** 'other': a tensor or a number (the entry's `overload` for a tensor, `scalarOverload` for a number). */
export type ArgKind = 'tensor' | 'mask' | 'tensors' | 'int' | 'ints' | 'number' | 'bool' | 'string' | 'dtype' | 'device' | 'other';
/** 'self': an in-place operator, which returns the tensor it changed; 'none': nothing. */
export type ReturnKind = 'tensor' | 'tensors' | 'number' | 'bool' | 'named' | 'self' | 'none';

export interface OpSpec {
  readonly aten: string;
  readonly overload?: string;
  /** The overload taking a number where an 'other' argument is a number. */
  readonly scalarOverload?: string;
  /** Where the number form is another operator (maximum with a number is clamp_min): its name and the argument's name there. */
  readonly scalarAten?: string;
  readonly scalarArg?: string;
  readonly args: readonly (readonly [string, ArgKind | `${ArgKind}?`])[];
  readonly returns: ReturnKind;
  /** For 'named': the names of the results, as the schema gives them ({ values, indices }). */
  readonly names?: readonly string[];
  readonly doc: string;
  /** A creation operator whose dtype, when not given, is getDefaultDtype() (not LibTorch's own). */
  readonly floating?: boolean;
  /** Makes floating values only: the resulting dtype (given, or self's) must be float32 or float64. */
  readonly floatResult?: boolean;
}

const unary = (aten: string, doc: string) => ({ aten, args: [], returns: 'tensor', doc }) as const;
/** PyTorch's in-place form of an operator (trailing underscore): changes the tensor, returns it. */
const inPlace = (aten: string, doc: string) => ({ aten, args: [], returns: 'self', doc: `in place: ${doc}` }) as const;
const arithmetic = (aten: string, doc: string) =>
  ({ aten, overload: 'Tensor', scalarOverload: 'Scalar', args: [['other', 'other']], returns: 'self', doc: `in place: ${doc}` }) as const;
const withAlpha = (aten: string, doc: string) =>
  ({
    aten,
    overload: 'Tensor',
    scalarOverload: 'Scalar',
    args: [
      ['other', 'other'],
      ['alpha', 'number?'],
    ],
    returns: 'self',
    doc: `in place: ${doc}`,
  }) as const;

const elementwise = (aten: string, doc: string, overload = 'Tensor', scalarOverload = 'Scalar', arg = 'other') =>
  ({ aten, overload, scalarOverload, args: [[arg, 'other']], returns: 'tensor', doc }) as const;
const reduction = (aten: string, doc: string, overload = '') => ({ aten, overload, args: [], returns: 'tensor', doc }) as const;
const overDims = (aten: string, overload: string, doc: string) =>
  ({
    aten,
    overload,
    args: [
      ['dim', 'ints'],
      ['keepdim', 'bool'],
    ],
    returns: 'tensor',
    doc,
  }) as const;

/**
 * The operators the Tensor class declares itself (lib/tensor.ts: add, relu, sum… with their dtype
 * types), called through the same mechanism as every other entry (lib/ops/index.ts's callCore).
 * A key `name.form` is one form of `name` (sum over every element, or over dims); errors name `name`.
 */
export const CORE_OPS = {
  add: elementwise('add', 'elementwise sum (a tensor or a number; broadcasting, type promotion)'),
  sub: elementwise('sub', 'elementwise difference'),
  mul: elementwise('mul', 'elementwise product'),
  div: elementwise('div', 'elementwise quotient (true division)'),
  pow: elementwise('pow', 'elementwise power', 'Tensor_Tensor', 'Tensor_Scalar', 'exponent'),
  maximum: {
    ...elementwise('maximum', 'elementwise maximum (with a number: clamp_min)', '', ''),
    scalarAten: 'clamp_min',
    scalarArg: 'min',
  },
  minimum: {
    ...elementwise('minimum', 'elementwise minimum (with a number: clamp_max)', '', ''),
    scalarAten: 'clamp_max',
    scalarArg: 'max',
  },
  eq: elementwise('eq', 'elementwise ==, a bool tensor'),
  ne: elementwise('ne', 'elementwise !=, a bool tensor'),
  lt: elementwise('lt', 'elementwise <, a bool tensor'),
  le: elementwise('le', 'elementwise <=, a bool tensor'),
  gt: elementwise('gt', 'elementwise >, a bool tensor'),
  ge: elementwise('ge', 'elementwise >=, a bool tensor'),
  neg: unary('neg', '-x'),
  abs: unary('abs', '|x|'),
  exp: unary('exp', 'e^x'),
  log: unary('log', 'natural logarithm'),
  sqrt: unary('sqrt', 'square root'),
  square: unary('square', 'x²'),
  tanh: unary('tanh', 'hyperbolic tangent'),
  sigmoid: unary('sigmoid', '1 / (1 + e^-x)'),
  relu: unary('relu', 'max(x, 0)'),
  sin: unary('sin', 'sine'),
  cos: unary('cos', 'cosine'),
  floor: unary('floor', 'rounded down'),
  ceil: unary('ceil', 'rounded up'),
  round: unary('round', 'rounded half to even'),
  sign: unary('sign', '-1, 0 or 1'),
  logicalNot: unary('logical_not', 'elementwise not, a bool tensor'),
  matmul: { aten: 'matmul', args: [['other', 'tensor']], returns: 'tensor', doc: 'matrix product with broadcasting' },
  sum: reduction('sum', 'the sum of every element'),
  'sum.dims': overDims('sum', 'dim_IntList', 'sums over dims'),
  mean: reduction('mean', 'the mean of every element'),
  'mean.dims': overDims('mean', 'dim', 'means over dims'),
  prod: reduction('prod', 'the product of every element'),
  'prod.dim': {
    aten: 'prod',
    overload: 'dim_int',
    args: [
      ['dim', 'int'],
      ['keepdim', 'bool'],
    ],
    returns: 'tensor',
    doc: 'products along one dim',
  },
  std: reduction('std', 'the standard deviation of every element (unbiased, as Torch7)'),
  'std.dims': overDims('std', 'dim', 'standard deviations over dims (unbiased)'),
  var: reduction('var', 'the variance of every element (unbiased, as Torch7)'),
  'var.dims': overDims('var', 'dim', 'variances over dims (unbiased)'),
  max: reduction('max', 'the largest element'),
  min: reduction('min', 'the smallest element'),
  argmax: {
    aten: 'argmax',
    args: [
      ['dim', 'int?'],
      ['keepdim', 'bool?'],
    ],
    returns: 'tensor',
    doc: 'the index of the largest element (flat, or along dim)',
  },
  argmin: {
    aten: 'argmin',
    args: [
      ['dim', 'int?'],
      ['keepdim', 'bool?'],
    ],
    returns: 'tensor',
    doc: 'the index of the smallest element (flat, or along dim)',
  },
} as const satisfies Record<string, OpSpec>;

/** Tensor methods: `t.gather(1, index)`. */
export const TENSOR_OPS = {
  // indexing
  gather: {
    aten: 'gather',
    args: [
      ['dim', 'int'],
      ['index', 'tensor'],
    ],
    returns: 'tensor',
    doc: 'values along dim at int64 index positions',
  },
  scatter: {
    aten: 'scatter',
    overload: 'src',
    args: [
      ['dim', 'int'],
      ['index', 'tensor'],
      ['src', 'tensor'],
    ],
    returns: 'tensor',
    doc: 'a copy with src written at index positions along dim',
  },
  scatterAdd: {
    aten: 'scatter_add',
    args: [
      ['dim', 'int'],
      ['index', 'tensor'],
      ['src', 'tensor'],
    ],
    returns: 'tensor',
    doc: 'a copy with src added at index positions along dim',
  },
  maskedFill: {
    aten: 'masked_fill',
    overload: 'Scalar',
    args: [
      ['mask', 'mask'],
      ['value', 'number'],
    ],
    returns: 'tensor',
    doc: 'a copy with value where the bool (or uint8) mask is true',
  },
  maskedSelect: {
    aten: 'masked_select',
    args: [['mask', 'mask']],
    returns: 'tensor',
    doc: 'the elements where the bool (or uint8) mask is true, as a vector',
  },
  nonzero: { aten: 'nonzero', args: [], returns: 'tensor', doc: 'the int64 indices (rows) of the non-zero elements' },
  // shape
  t: { aten: 't', args: [], returns: 'tensor', doc: 'the transpose of a matrix (a vector stays)' },
  flatten: {
    aten: 'flatten',
    overload: 'using_ints',
    args: [
      ['start_dim', 'int?'],
      ['end_dim', 'int?'],
    ],
    returns: 'tensor',
    doc: 'dims start..end merged into one',
  },
  flip: { aten: 'flip', args: [['dims', 'ints']], returns: 'tensor', doc: 'reversed along the dims' },
  roll: {
    aten: 'roll',
    args: [
      ['shifts', 'ints'],
      ['dims', 'ints?'],
    ],
    returns: 'tensor',
    doc: 'elements shifted cyclically along the dims (flattened without dims)',
  },
  expand: { aten: 'expand', args: [['size', 'ints']], returns: 'tensor', doc: 'a view repeating size-1 dims (-1 keeps a size)' },
  repeat: { aten: 'repeat', args: [['repeats', 'ints']], returns: 'tensor', doc: 'tiled the given number of times per dim' },
  split: {
    aten: 'split',
    overload: 'Tensor',
    args: [
      ['split_size', 'int'],
      ['dim', 'int?'],
    ],
    returns: 'tensors',
    doc: 'pieces of split_size along dim',
  },
  chunk: {
    aten: 'chunk',
    args: [
      ['chunks', 'int'],
      ['dim', 'int?'],
    ],
    returns: 'tensors',
    doc: 'that many nearly equal pieces along dim',
  },
  tril: { aten: 'tril', args: [['diagonal', 'int?']], returns: 'tensor', doc: 'the lower triangle (others zero)' },
  triu: { aten: 'triu', args: [['diagonal', 'int?']], returns: 'tensor', doc: 'the upper triangle (others zero)' },
  diag: { aten: 'diag', args: [['diagonal', 'int?']], returns: 'tensor', doc: 'a vector’s diagonal matrix, or a matrix’s diagonal' },
  // elementwise
  clamp: {
    aten: 'clamp',
    args: [
      ['min', 'number?'],
      ['max', 'number?'],
    ],
    returns: 'tensor',
    doc: 'values limited to [min, max] (either may be null)',
  },
  lerp: {
    aten: 'lerp',
    overload: 'Scalar',
    args: [
      ['end', 'tensor'],
      ['weight', 'number'],
    ],
    returns: 'tensor',
    doc: 'this + weight · (end − this)',
  },
  atan2: { aten: 'atan2', args: [['other', 'tensor']], returns: 'tensor', doc: 'atan(this / other) in the right quadrant' },
  log1p: unary('log1p', 'log(1 + x), accurate near 0'),
  expm1: unary('expm1', 'exp(x) − 1, accurate near 0'),
  rsqrt: unary('rsqrt', '1 / √x'),
  reciprocal: unary('reciprocal', '1 / x'),
  log2: unary('log2', 'log₂ x'),
  log10: unary('log10', 'log₁₀ x'),
  trunc: unary('trunc', 'rounded toward zero'),
  erf: unary('erf', 'the error function'),
  isnan: unary('isnan', 'bool: where NaN'),
  isfinite: unary('isfinite', 'bool: where neither NaN nor ±Inf'),
  // reductions
  cumsum: { aten: 'cumsum', args: [['dim', 'int']], returns: 'tensor', doc: 'running sums along dim' },
  logsumexp: {
    aten: 'logsumexp',
    args: [
      ['dim', 'ints'],
      ['keepdim', 'bool?'],
    ],
    returns: 'tensor',
    doc: 'log Σ exp over the dims, without overflow',
  },
  norm: { aten: 'norm', overload: 'Scalar', args: [['p', 'number?']], returns: 'tensor', doc: 'the p-norm of all elements (default 2)' },
  sort: {
    aten: 'sort',
    args: [
      ['dim', 'int?'],
      ['descending', 'bool?'],
    ],
    returns: 'named',
    names: ['values', 'indices'],
    doc: '{ values, indices } sorted along dim',
  },
  topk: {
    aten: 'topk',
    args: [
      ['k', 'int'],
      ['dim', 'int?'],
      ['largest', 'bool?'],
      ['sorted', 'bool?'],
    ],
    returns: 'named',
    names: ['values', 'indices'],
    doc: '{ values, indices } of the k largest along dim',
  },
  trace: { aten: 'trace', args: [], returns: 'tensor', doc: 'the sum of a matrix’s diagonal' },
  // comparisons
  allclose: {
    aten: 'allclose',
    args: [
      ['other', 'tensor'],
      ['rtol', 'number?'],
      ['atol', 'number?'],
      ['equal_nan', 'bool?'],
    ],
    returns: 'bool',
    doc: 'whether |this − other| ≤ atol + rtol·|other| everywhere',
  },
  equal: { aten: 'equal', args: [['other', 'tensor']], returns: 'bool', doc: 'same shape and the same values' },
  // softmax over a dimension (PyTorch's torch.softmax / log_softmax)
  softmax: { aten: 'softmax', overload: 'int', args: [['dim', 'int']], returns: 'tensor', doc: 'exp(x) / Σ exp(x) along dim' },
  logSoftmax: { aten: 'log_softmax', overload: 'int', args: [['dim', 'int']], returns: 'tensor', doc: 'x − log Σ exp(x) along dim' },
  logSumExp: {
    aten: 'logsumexp',
    args: [
      ['dim', 'ints'],
      ['keepdim', 'bool?'],
    ],
    returns: 'tensor',
    doc: 'log Σ exp over the dims (PyTorch’s spelling of logsumexp)',
  },
  // in place, with PyTorch's names; autograd's rules hold (in place on a leaf that requires grad is an error)
  add_: withAlpha('add_', 'this + alpha · other (a tensor or a number)'),
  sub_: withAlpha('sub_', 'this − alpha · other'),
  mul_: arithmetic('mul_', 'this · other'),
  div_: arithmetic('div_', 'this / other'),
  pow_: {
    aten: 'pow_',
    overload: 'Tensor',
    scalarOverload: 'Scalar',
    args: [['exponent', 'other']],
    returns: 'self',
    doc: 'in place: this ^ exponent',
  },
  clamp_: {
    aten: 'clamp_',
    args: [
      ['min', 'number?'],
      ['max', 'number?'],
    ],
    returns: 'self',
    doc: 'in place: values limited to [min, max]',
  },
  fill_: { aten: 'fill_', overload: 'Scalar', args: [['value', 'number']], returns: 'self', doc: 'in place: every element set to value' },
  zero_: inPlace('zero_', 'every element set to 0'),
  copy_: { aten: 'copy_', args: [['src', 'tensor']], returns: 'self', doc: 'in place: src’s values (broadcast, converted)' },
  neg_: inPlace('neg_', '−x'),
  abs_: inPlace('abs_', '|x|'),
  exp_: inPlace('exp_', 'eˣ'),
  log_: inPlace('log_', 'ln x'),
  sqrt_: inPlace('sqrt_', '√x'),
  tanh_: inPlace('tanh_', 'tanh x'),
  sigmoid_: inPlace('sigmoid_', '1 / (1 + e⁻ˣ)'),
  relu_: inPlace('relu_', 'max(x, 0)'),
  floor_: inPlace('floor_', 'rounded down'),
  ceil_: inPlace('ceil_', 'rounded up'),
  round_: inPlace('round_', 'rounded to the nearest, halves to even'),
  normal_: {
    aten: 'normal_',
    args: [
      ['mean', 'number?'],
      ['std', 'number?'],
    ],
    returns: 'self',
    doc: 'in place: samples of N(mean, std²) (default 0, 1) from the seeded generator',
  },
  uniform_: {
    aten: 'uniform_',
    args: [
      ['from', 'number?'],
      ['to', 'number?'],
    ],
    returns: 'self',
    doc: 'in place: uniform samples in [from, to) (default 0, 1) from the seeded generator',
  },
  // autograd
  retainGrad: { aten: 'retain_grad', args: [], returns: 'none', doc: 'keeps this non-leaf tensor’s gradient in .grad after backward()' },
  // products
  mm: { aten: 'mm', args: [['mat2', 'tensor']], returns: 'tensor', doc: 'the matrix product of two matrices (n×m · m×p)' },
  bmm: { aten: 'bmm', args: [['mat2', 'tensor']], returns: 'tensor', doc: 'batched matrix product (b×n×m · b×m×p)' },
  outer: { aten: 'outer', args: [['vec2', 'tensor']], returns: 'tensor', doc: 'the outer product of two vectors' },
  dot: { aten: 'dot', args: [['tensor', 'tensor']], returns: 'tensor', doc: 'the dot product of two vectors' },
} as const satisfies Record<string, OpSpec>;

/** Functions: `eye(3)`, `stack([a, b])`, `linalg.solve(A, B)`. */
export const FUNCTION_OPS = {
  eye: {
    aten: 'eye',
    floating: true,
    args: [
      ['n', 'int'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: 'the n×n identity',
  },
  linspace: {
    aten: 'linspace',
    floating: true,
    args: [
      ['start', 'number'],
      ['end', 'number'],
      ['steps', 'int'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: 'steps evenly spaced values from start to end',
  },
  logspace: {
    aten: 'logspace',
    floating: true,
    args: [
      ['start', 'number'],
      ['end', 'number'],
      ['steps', 'int'],
      ['base', 'number?'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: 'base^linspace(start, end, steps)',
  },
  empty: {
    aten: 'empty',
    overload: 'memory_format',
    floating: true,
    args: [
      ['size', 'ints'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: 'a tensor of that size, its values whatever the memory held',
  },
  zerosLike: {
    aten: 'zeros_like',
    args: [
      ['self', 'tensor'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "zeros of self's shape (and dtype and device, unless given)",
  },
  onesLike: {
    aten: 'ones_like',
    args: [
      ['self', 'tensor'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "ones of self's shape (and dtype and device, unless given)",
  },
  fullLike: {
    aten: 'full_like',
    args: [
      ['self', 'tensor'],
      ['fill_value', 'number'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "fill_value in self's shape (and dtype and device, unless given)",
  },
  emptyLike: {
    aten: 'empty_like',
    args: [
      ['self', 'tensor'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "uninitialised, of self's shape (and dtype and device, unless given)",
  },
  randLike: {
    aten: 'rand_like',
    floatResult: true,
    args: [
      ['self', 'tensor'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "uniform [0, 1) samples of self's shape, from the seeded generator",
  },
  randnLike: {
    aten: 'randn_like',
    floatResult: true,
    args: [
      ['self', 'tensor'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: "standard normal samples of self's shape, from the seeded generator",
  },
  randint: {
    aten: 'randint',
    overload: 'low',
    args: [
      ['low', 'int'],
      ['high', 'int'],
      ['size', 'ints'],
      ['dtype', 'dtype?'],
      ['device', 'device?'],
    ],
    returns: 'tensor',
    doc: 'uniform integers in [low, high) from the seeded generator (int64)',
  },
  stack: {
    aten: 'stack',
    args: [
      ['tensors', 'tensors'],
      ['dim', 'int?'],
    ],
    returns: 'tensor',
    doc: 'tensors of one shape joined along a new dim',
  },
  where: {
    aten: 'where',
    overload: 'self',
    args: [
      ['condition', 'mask'],
      ['self', 'tensor'],
      ['other', 'tensor'],
    ],
    returns: 'tensor',
    doc: 'self where condition, else other (broadcast)',
  },
  einsum: {
    aten: 'einsum',
    args: [
      ['equation', 'string'],
      ['tensors', 'tensors'],
    ],
    returns: 'tensor',
    doc: "Einstein summation: einsum('ij,jk->ik', [a, b])",
  },
} as const satisfies Record<string, OpSpec>;

/** linalg: `linalg.solve(A, B)`, LibTorch's torch.linalg. */
export const LINALG_OPS = {
  solve: {
    aten: 'linalg_solve',
    args: [
      ['A', 'tensor'],
      ['B', 'tensor'],
    ],
    returns: 'tensor',
    doc: 'X with A·X = B',
  },
  inv: { aten: 'linalg_inv', args: [['A', 'tensor']], returns: 'tensor', doc: 'the inverse of a square matrix' },
  det: { aten: 'linalg_det', args: [['A', 'tensor']], returns: 'tensor', doc: 'the determinant' },
  cholesky: {
    aten: 'linalg_cholesky',
    args: [
      ['self', 'tensor'],
      ['upper', 'bool?'],
    ],
    returns: 'tensor',
    doc: 'L with A = L·Lᵀ (A symmetric positive-definite)',
  },
  qr: {
    aten: 'linalg_qr',
    args: [
      ['A', 'tensor'],
      ['mode', 'string?'],
    ],
    returns: 'named',
    names: ['Q', 'R'],
    doc: "{ Q, R } with A = Q·R (mode 'reduced' or 'complete')",
  },
  svd: {
    aten: 'linalg_svd',
    args: [
      ['A', 'tensor'],
      ['full_matrices', 'bool?'],
    ],
    returns: 'named',
    names: ['U', 'S', 'Vh'],
    doc: '{ U, S, Vh } with A = U·diag(S)·Vh',
  },
  eigh: {
    aten: 'linalg_eigh',
    args: [
      ['self', 'tensor'],
      ['UPLO', 'string?'],
    ],
    returns: 'named',
    names: ['eigenvalues', 'eigenvectors'],
    doc: '{ eigenvalues, eigenvectors } of a symmetric matrix, ascending',
  },
  norm: {
    aten: 'linalg_norm',
    args: [
      ['self', 'tensor'],
      ['ord', 'number?'],
    ],
    returns: 'tensor',
    doc: 'the vector 2-norm of all elements, or the ord-norm',
  },
  lstsq: {
    aten: 'linalg_lstsq',
    args: [
      ['self', 'tensor'],
      ['b', 'tensor'],
    ],
    returns: 'named',
    names: ['solution', 'residuals', 'rank', 'singularValues'],
    doc: '{ solution, residuals, rank, singularValues }: X minimising ‖A·X − B‖ (CPU driver gelsy: residuals and singular values empty)',
  },
} as const satisfies Record<string, OpSpec>;

// ---- the TypeScript signatures that follow from the table ----

type Base<K> = K extends `${infer B}?` ? B : K;
type KindType<K> =
  Base<K> extends 'tensor' | 'mask'
    ? Tensor
    : Base<K> extends 'other'
      ? Tensor | number
      : Base<K> extends 'tensors'
        ? Tensor[]
        : Base<K> extends 'int' | 'number'
          ? number
          : Base<K> extends 'ints'
            ? number[]
            : Base<K> extends 'bool'
              ? boolean
              : Base<K> extends 'string'
                ? string
                : Base<K> extends 'dtype'
                  ? DType | { dtype?: DType; device?: Device; requiresGrad?: boolean }
                  : Base<K> extends 'device'
                    ? Device
                    : never;
/** The parameters of an entry: required, then optional (kinds ending in '?', which also accept null). */
type Params<A> = A extends readonly [infer H, ...infer R]
  ? H extends readonly [string, `${string}?`]
    ? [arg?: KindType<H[1]> | null, ...Params<R>]
    : H extends readonly [string, infer K]
      ? [arg: KindType<K>, ...Params<R>]
      : never
  : [];
type Result<S> = S extends { returns: 'tensor' | 'self' }
  ? Tensor
  : S extends { returns: 'tensors' }
    ? Tensor[]
    : S extends { returns: 'bool' }
      ? boolean
      : S extends { returns: 'number' }
        ? number
        : S extends { returns: 'named'; names: readonly string[] }
          ? { [K in S['names'][number]]: Tensor }
          : S extends { returns: 'none' }
            ? void
            : never;
/** The Tensor's method for each TENSOR_OPS entry. */
export type TensorOpMethods = {
  [N in keyof typeof TENSOR_OPS]: (...args: Params<(typeof TENSOR_OPS)[N]['args']>) => Result<(typeof TENSOR_OPS)[N]>;
};
export type OpFunctions<T extends Record<string, OpSpec>> = { [N in keyof T]: (...args: Params<T[N]['args']>) => Result<T[N]> };
