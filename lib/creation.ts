/**
 * Tensor factories: from JavaScript values, filled, random and ranges.
 */
import { TorchError } from './errors';
import { DTypeName, TypedData, native } from './native';
import {
  DTYPES,
  DType,
  Device,
  FLOAT_DTYPES,
  FloatDType,
  NestedArray,
  NestedBooleans,
  NestedNumbers,
  NumericDType,
  Tensor,
  checkDevice,
  isFloatDtype,
} from './tensor';
import { checkKeys, checkNumber, checkOneOf, checkShape, describe, invalid } from './validate';

/** Where and how a new tensor is made. Defaults: float32 on the CPU. */
export interface TensorOptions<T extends DType = DType> {
  dtype?: T;
  device?: Device;
  requiresGrad?: boolean;
}

const OPTION_KEYS = ['dtype', 'device', 'requiresGrad'] as const;

/** The dtype of new floating tensors when options give none (PyTorch's float32 unless changed). */
let defaultDtype: 'float32' | 'float64' = 'float32';

/** The dtype of new modules' parameters: float64 (Torch7's default) until setDefaultDtype is called. */
let moduleDtype: 'float32' | 'float64' = 'float64';

/**
 * Sets the dtype of new floating tensors (tensor() of numbers, zeros, ones, full, rand, randn,
 * eye, linspace, logspace, arange of fractions) when their options give none, and of the
 * parameters of modules created afterwards, as PyTorch's torch.set_default_dtype. Until it is
 * called, tensors are float32 (PyTorch's default) and modules float64 (Torch7's default);
 * model.float() / model.double() convert a module at any time.
 */
export function setDefaultDtype(dtype: 'float32' | 'float64'): void {
  defaultDtype = checkOneOf(dtype, ['float32', 'float64'] as const, 'setDefaultDtype dtype');
  moduleDtype = defaultDtype;
}

/** @internal The dtype new modules start with (see setDefaultDtype). */
export function getModuleDtype(): 'float32' | 'float64' {
  return moduleDtype;
}

/** The dtype of new floating tensors (see setDefaultDtype). */
export function getDefaultDtype(): 'float32' | 'float64' {
  return defaultDtype;
}

function resolveOptions(options: TensorOptions | undefined, fallback: DType = defaultDtype): Required<TensorOptions> {
  if (options === undefined) return { dtype: fallback, device: 'cpu', requiresGrad: false };
  if (typeof options !== 'object' || options === null) invalid('an options object { dtype, device, requiresGrad }', 'options', options);
  checkKeys(options, OPTION_KEYS, 'tensor options');
  return {
    dtype: options.dtype === undefined ? fallback : checkOneOf(options.dtype, DTYPES, 'dtype'),
    device: options.device === undefined ? 'cpu' : checkDevice(options.device),
    requiresGrad: options.requiresGrad ?? false,
  };
}

/** Sets requiresGrad; the tensor's dtype is the one its factory's options resolved to (checked above). */
function finish<T extends DType>(t: Tensor, requiresGrad: boolean): Tensor<T> {
  if (requiresGrad) t.requiresGrad = true;
  return t as Tensor<never>;
}

function typedArrayDtype(values: ArrayBufferView): DType | undefined {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof BigInt64Array) return 'int64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** The most dimensions a nested array may give a tensor (PyTorch's tensor() allows as many). */
const MAX_NESTING = 64;

/** Shape of a rectangular nested array, with a clear error for ragged or non-numeric input. */
function inferShape(values: NestedArray, path = 'values', depth = 0): number[] {
  if (!Array.isArray(values)) {
    if (typeof values !== 'number' && typeof values !== 'boolean') invalid('a number, boolean or nested array of them', path, values);
    return [];
  }
  if (depth === MAX_NESTING)
    throw new TorchError(`Expected at most ${MAX_NESTING} levels of nested arrays for values but ${path} is nested deeper`);
  if (values.length === 0) return [0];
  // each element is read once: the first gives the shape the others must have
  const inner = inferShape(values[0], `${path}[0]`, depth + 1);
  values.forEach((v, i) => {
    if (i === 0) return;
    const s = inferShape(v, `${path}[${i}]`, depth + 1);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new TorchError(
        `Expected a rectangular nested array for ${path} but ${path}[${i}] has shape [${s.join(', ')}] and ${path}[0] has [${inner.join(', ')}]`,
        { code: 'SHAPE_MISMATCH' },
      );
    }
  });
  return [values.length, ...inner];
}

function toTypedArray(flat: (number | boolean)[], dtype: DType): TypedData {
  const numbers = flat.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  const integral = (lo: number, hi: number) =>
    numbers.forEach((v, i) => {
      if (!Number.isInteger(v) || v < lo || v > hi)
        throw new TorchError(`Expected integers in [${lo}, ${hi}] for a ${dtype} tensor but value ${i} is ${describe(v)}`);
    });
  switch (dtype) {
    case 'float32':
      return Float32Array.from(numbers);
    case 'float64':
      return Float64Array.from(numbers);
    case 'float16':
    case 'bfloat16':
      return Float32Array.from(numbers); // rounded natively
    case 'int64':
      integral(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      return BigInt64Array.from(numbers, (v) => BigInt(v));
    case 'int32':
      integral(-(2 ** 31), 2 ** 31 - 1);
      return Int32Array.from(numbers);
    case 'uint8':
      integral(0, 255);
      return Uint8Array.from(numbers);
    case 'bool':
      return Uint8Array.from(numbers, (v) => (v !== 0 ? 1 : 0));
  }
}

/**
 * Creates a tensor from a number, a boolean, nested arrays or a typed array. Numbers default to
 * float32 (booleans to bool, typed arrays to their own type) unless `dtype` says otherwise.
 *
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 * @example tensor(new Float32Array(784), { device: 'cuda' }).view(1, 28, 28)
 */
export function tensor<T extends DType = FloatDType>(values: NestedNumbers, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'bool'>(values: NestedBooleans, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'float32'>(values: Float32Array, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'float64'>(values: Float64Array, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'int64'>(values: BigInt64Array, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'int32'>(values: Int32Array, options?: TensorOptions<T>): Tensor<T>;
export function tensor<T extends DType = 'uint8'>(values: Uint8Array, options?: TensorOptions<T>): Tensor<T>;
export function tensor(values: NestedArray | ArrayBufferView, options?: TensorOptions): Tensor;
export function tensor(values: NestedArray | ArrayBufferView, options?: TensorOptions): Tensor {
  if (ArrayBuffer.isView(values)) {
    const own = typedArrayDtype(values);
    if (!own) invalid('a Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array', 'values', values);
    const opts = resolveOptions(options, own);
    const base = native().fromBuffer(values as TypedData, [(values as TypedData).length], own, opts.device);
    const t = new Tensor(base);
    if (opts.dtype === own) return finish(t, opts.requiresGrad);
    const converted = t.to(opts.dtype);
    t.dispose();
    return finish(converted, opts.requiresGrad);
  }
  const shape = inferShape(values);
  const isBool = shape.length === 0 ? typeof values === 'boolean' : typeof (values as unknown[]).flat(Infinity)[0] === 'boolean';
  const opts = resolveOptions(options, isBool ? 'bool' : defaultDtype);
  const flat = shape.length === 0 ? [values as number | boolean] : ((values as unknown[]).flat(Infinity) as (number | boolean)[]);
  return finish(new Tensor(native().fromBuffer(toTypedArray(flat, opts.dtype), shape, opts.dtype, opts.device)), opts.requiresGrad);
}

/** A tensor of the given shape filled with `value`. */
export function full<T extends DType = FloatDType>(shape: number[], value: number, options?: TensorOptions<T>): Tensor<T> {
  const opts = resolveOptions(options);
  checkNumber(value, 'fill value', { finite: false });
  return finish(new Tensor(native().full(checkShape(shape), value, opts.dtype, opts.device)), opts.requiresGrad);
}

/** A tensor of zeros. */
export function zeros<T extends DType = FloatDType>(shape: number[], options?: TensorOptions<T>): Tensor<T> {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones<T extends DType = FloatDType>(shape: number[], options?: TensorOptions<T>): Tensor<T> {
  return full(shape, 1, options);
}

function floatOptions(options: TensorOptions | undefined, what: string): Required<TensorOptions> {
  const opts = resolveOptions(options);
  if (!isFloatDtype(opts.dtype)) invalid(`a floating dtype (${FLOAT_DTYPES.map((d) => `'${d}'`).join(', ')})`, `${what} dtype`, opts.dtype);
  return opts;
}

/** Uniform samples in [0, 1), from the generator seeded by manualSeed(). */
export function rand<T extends FloatDType = FloatDType>(shape: number[], options?: TensorOptions<T>): Tensor<T> {
  const opts = floatOptions(options, 'rand');
  return finish(new Tensor(native().rand(checkShape(shape), opts.dtype, opts.device)), opts.requiresGrad);
}

/** Standard normal samples, from the generator seeded by manualSeed(). */
export function randn<T extends FloatDType = FloatDType>(shape: number[], options?: TensorOptions<T>): Tensor<T> {
  const opts = floatOptions(options, 'randn');
  return finish(new Tensor(native().randn(checkShape(shape), opts.dtype, opts.device)), opts.requiresGrad);
}

/**
 * A random permutation of 0..n-1 (default dtype int64), from the generator seeded by manualSeed():
 * the draw the training loop makes to shuffle an epoch.
 */
export function randperm<T extends NumericDType = 'int64'>(n: number, options?: TensorOptions<T>): Tensor<T> {
  if (!Number.isSafeInteger(n) || n < 0) invalid('a non-negative integer', 'randperm n', n);
  const opts = resolveOptions(options, 'int64');
  if (opts.dtype === 'bool') invalid('a numeric dtype', 'randperm dtype', opts.dtype);
  return finish(new Tensor(native().randperm(n, opts.dtype as DTypeName, opts.device)), opts.requiresGrad);
}

/**
 * Values start, start+step, … below end. `arange(5)` is 0..4. Default dtype int64 when all
 * arguments are integers, else float32.
 */
export function arange<T extends NumericDType = NumericDType>(
  start: number,
  end?: number,
  step = 1,
  options?: TensorOptions<T>,
): Tensor<T> {
  if (end === undefined) [start, end] = [0, start];
  checkNumber(start, 'arange start');
  checkNumber(end, 'arange end');
  checkNumber(step, 'arange step');
  if (step === 0) throw new TorchError('Expected a non-zero step for arange but received 0');
  if ((end - start) / step < 0) throw new TorchError(`arange: step ${step} moves away from end ${end} (start ${start})`);
  const integral = [start, end, step].every(Number.isInteger);
  const opts = resolveOptions(options, integral ? 'int64' : defaultDtype);
  return finish(new Tensor(native().arange(start, end, step, opts.dtype as DTypeName, opts.device)), opts.requiresGrad);
}

/** Concatenates tensors along an existing dimension. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) invalid('a non-empty array of Tensors', 'cat(tensors)', tensors);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) invalid('a Tensor', `cat(tensors)[${i}]`, t);
  });
  return new Tensor(
    native().cat(
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}

/** Seeds LibTorch's CPU and CUDA generators (Torch7: torch.manualSeed). */
export function manualSeed(seed: number): void {
  checkNumber(seed, 'seed', { min: 0 });
  if (!Number.isInteger(seed)) invalid('a non-negative integer', 'seed', seed);
  native().manualSeed(seed);
}

/** More threads than this is a typo, not a machine (the native side refuses it too). */
const MAX_THREADS = 4096;

/** Sets LibTorch's intra-op CPU thread count (Torch7: torch.setnumthreads). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) invalid(`an integer from 1 to ${MAX_THREADS}`, 'thread count', n);
  native().setNumThreads(n);
}

/** LibTorch's intra-op CPU thread count. */
export function getNumThreads(): number {
  return native().getNumThreads();
}
