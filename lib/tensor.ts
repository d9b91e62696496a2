/**
 * The Tensor class: a typed view over a native LibTorch tensor handle.
 */
import { TorchError } from './errors';
import { track } from './memory';
import { DTypeName, NativeTensor, native } from './native';
import { checkBoolean, checkInteger, checkNumber, invalid } from './validate';
import { formatTensor } from './format';

/** Element types. */
export type DType = DTypeName;
/** Devices: the CPU, the current CUDA device, or CUDA device N. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** Nested JavaScript arrays of numbers or booleans. */
export type NestedArray = number | boolean | NestedArray[];
/** Nested arrays of numbers (what toArray() gives for every dtype but bool). */
export type NestedNumbers = number | NestedNumbers[];
/** Nested arrays of booleans (toArray() of a bool tensor). */
export type NestedBooleans = boolean | NestedBooleans[];
/** Every dtype but bool: elements are numbers. */
export type NumericDType = Exclude<DTypeName, 'bool'>;
/** The floating dtypes. */
export type FloatDType = 'float32' | 'float64' | 'float16' | 'bfloat16';
/** The floating dtypes, as a list. */
export const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64', 'float16', 'bfloat16'];
/** @internal Whether a dtype is floating. */
export const isFloatDtype = (dtype: string): dtype is FloatDType => (FLOAT_DTYPES as readonly string[]).includes(dtype);
/**
 * What item() returns for a tensor of dtype D: a number, a boolean for bool tensors, and either
 * where the dtype is not known statically. (int64 values beyond 2^53 lose precision as numbers:
 * data() gives them exactly, as a BigInt64Array.)
 */
export type ItemOf<D extends DTypeName> = D extends 'bool' ? boolean : number;
/** What data() returns for dtype D (a union where D is not known statically); float16 and bfloat16 widen to float32. */
export type DataOf<D extends DTypeName> = D extends 'float32' | 'float16' | 'bfloat16'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : Uint8Array;
/** What toArray() returns for dtype D. */
export type NestedOf<D extends DTypeName> = D extends 'bool' ? NestedBooleans : NestedNumbers;
/** The dtype of an arithmetic result: numeric stays numeric; otherwise (bool, unknown) any. */
export type ArithmeticOf<D extends DTypeName> = D extends 'bool' ? DTypeName : NumericDType;
/** One index per leading dimension: a number selects, null keeps all, [start, end, step] slices. */
/** One dimension's index: a number selects, null keeps all, [start, end, step] slices (start or end null: from the start, to the end). */
export type IndexSpec = number | null | [(number | null)?, (number | null)?, number?] | Tensor;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

/** @internal Validates a device name (CUDA availability is checked natively). */
export function checkDevice(value: unknown, what = 'device'): Device {
  if (typeof value !== 'string' || !/^(cpu|cuda|cuda:\d+)$/.test(value)) invalid("'cpu', 'cuda' or 'cuda:N'", what, value);
  return value as Device;
}

/**
 * A LibTorch tensor. Free its memory with `dispose()` (or `using`, or inside `tidy()`); the GC
 * frees forgotten tensors eventually, but GPU memory does not pressure the GC.
 */
/** The op table's call for CORE_OPS, given by lib/ops when it loads (it imports this file). */
type CoreCall = (key: string, self: Tensor, values: unknown[]) => unknown;
let coreCall: CoreCall | undefined;
/** @internal */
export function setCoreCall(call: CoreCall): void {
  coreCall = call;
}
function core(): CoreCall {
  // lib/ops registers itself when it loads; an entry point that never imported it (the CLI, a
  // worker importing lib/tensor) loads it here, at the first operator, when both files are complete
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deferred import breaks the cycle
  if (!coreCall) require('./ops');
  if (!coreCall) throw new TorchError('nodetorch: lib/ops did not register the op table', { code: 'INTERNAL' });
  return coreCall;
}

export class Tensor<out D extends DType = DType> {
  #handle: NativeTensor;

  /** @internal Use tensor(), zeros(), … to create tensors. */
  constructor(handle: NativeTensor) {
    this.#handle = handle;
    track(this);
  }

  /** @internal The native handle, for other nodetorch modules. */
  get handle(): NativeTensor {
    return this.#handle;
  }

  /** Size of each dimension. */
  get shape(): number[] {
    return native().shape(this.#handle);
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** Element type. */
  get dtype(): D {
    return native().dtype(this.#handle) as D;
  }
  /** 'cpu' or 'cuda:N'. */
  get device(): Device {
    return native().device(this.#handle) as Device;
  }
  /** True once dispose() ran. */
  get isDisposed(): boolean {
    return native().isDisposed(this.#handle);
  }

  /** Whether autograd records operations on this tensor. Only floating tensors can require grad. */
  get requiresGrad(): boolean {
    return native().requiresGrad(this.#handle);
  }
  set requiresGrad(flag: boolean) {
    native().setRequiresGrad(this.#handle, checkBoolean(flag, 'requiresGrad'));
  }
  /** The gradient accumulated by backward(), or null. A new Tensor object each read (dispose it). */
  get grad(): Tensor | null {
    const g = native().grad(this.#handle);
    return g ? new Tensor(g) : null;
  }
  /** Sets this tensor's accumulated gradient to zero. */
  zeroGrad(): void {
    native().zeroGrad(this.#handle);
  }
  /** Back-propagates from this tensor; `gradient` is needed unless it has one element. */
  backward(gradient?: Tensor): void {
    native().backward(this.#handle, gradient === undefined ? null : checkTensor(gradient, 'gradient').handle);
  }

  /** Frees the native memory now. Safe to call twice. */
  dispose(): void {
    native().dispose(this.#handle);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * A copy of the values as a typed array (float32 → Float32Array, int64 → BigInt64Array, bool →
   * Uint8Array…). float16 and bfloat16 come as a Float32Array, which holds their values exactly.
   */
  data(): DataOf<D> {
    return native().data(this.#handle) as DataOf<D>;
  }
  /** The single value of a one-element tensor: a number (a boolean for bool tensors). */
  item(): ItemOf<D> {
    return native().item(this.#handle) as ItemOf<D>;
  }
  /** The values as nested arrays of numbers (int64 too), or booleans for bool tensors. */
  toArray(): NestedOf<D> {
    return this.#nested() as NestedOf<D>;
  }
  #nested(): NestedArray {
    const flat = this.data();
    const isBool = this.dtype === 'bool';
    const values: (number | boolean)[] = Array.from(flat as ArrayLike<number | bigint>, (v) => (isBool ? v !== 0 : Number(v)));
    const shape = this.shape;
    if (shape.length === 0) return values[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[dim]; i++) out.push(dim === shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** Converts to a dtype or a device ('cpu', 'cuda', 'cuda:N'); returns a new tensor. */
  to<T extends DType>(dtype: T): Tensor<T>;
  to(device: Device): Tensor<D>;
  to(target: Device | DType): Tensor {
    if ((DTYPES as readonly string[]).includes(target)) return new Tensor(native().to(this.#handle, target as DType, null));
    if (typeof target !== 'string' || !/^(cpu|cuda|cuda:\d+)$/.test(target)) {
      invalid(`a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')}) or a device ('cpu', 'cuda', 'cuda:N')`, 'to(target)', target);
    }
    return new Tensor(native().to(this.#handle, null, target as Device));
  }
  float(): Tensor<'float32'> {
    return this.to('float32');
  }
  double(): Tensor<'float64'> {
    return this.to('float64');
  }
  /** As IEEE half precision (PyTorch's half()). */
  half(): Tensor<'float16'> {
    return this.to('float16');
  }
  /** As bfloat16 (PyTorch's bfloat16()): float32's range with 8 bits of mantissa. */
  bfloat16(): Tensor<'bfloat16'> {
    return this.to('bfloat16');
  }
  /** As int64 (PyTorch's long()). */
  long(): Tensor<'int64'> {
    return this.to('int64');
  }
  /** As int32 (PyTorch's int()). */
  int(): Tensor<'int32'> {
    return this.to('int32');
  }
  /** The shape (PyTorch's size()), or one dimension's size (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const shape = this.shape;
    if (dim === undefined) return shape;
    checkInteger(dim, 'size(dim)', -shape.length, shape.length - 1);
    return shape[dim < 0 ? dim + shape.length : dim];
  }
  /**
   * How many elements a step along each dimension moves in memory (PyTorch's stride()), or one
   * dimension's: [12, 4, 1] for a contiguous 2×3×4 tensor; a channels-last N×C×H×W one has stride 1
   * along C.
   */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    const strides = native().strides(this.#handle);
    if (dim === undefined) return strides;
    checkInteger(dim, 'stride(dim)', -strides.length, strides.length - 1);
    return strides[dim < 0 ? dim + strides.length : dim];
  }
  /** The values as nested arrays (PyTorch's tolist(); the same as toArray()). */
  tolist(): NestedOf<D> {
    return this.toArray();
  }
  cpu(): Tensor<D> {
    return this.to('cpu');
  }
  cuda(index = 0): Tensor<D> {
    return this.to(`cuda:${checkInteger(index, 'cuda(index)', 0)}`);
  }

  // Elementwise arithmetic and comparison; the other operand is a Tensor or a number.
  add(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('add', other);
  }
  sub(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('sub', other);
  }
  mul(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('mul', other);
  }
  div(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('div', other);
  }
  pow(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('pow', other);
  }
  maximum(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('maximum', other);
  }
  minimum(other: Tensor | number): Tensor<ArithmeticOf<D>> {
    return this.#binary('minimum', other);
  }
  eq(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('eq', other);
  }
  ne(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('ne', other);
  }
  lt(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('lt', other);
  }
  le(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('le', other);
  }
  gt(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('gt', other);
  }
  ge(other: Tensor | number): Tensor<'bool'> {
    return this.#binary('ge', other);
  }

  neg(): Tensor<ArithmeticOf<D>> {
    return this.#unary('neg');
  }
  abs(): Tensor<ArithmeticOf<D>> {
    return this.#unary('abs');
  }
  exp(): Tensor<ArithmeticOf<D>> {
    return this.#unary('exp');
  }
  log(): Tensor<ArithmeticOf<D>> {
    return this.#unary('log');
  }
  sqrt(): Tensor<ArithmeticOf<D>> {
    return this.#unary('sqrt');
  }
  square(): Tensor<ArithmeticOf<D>> {
    return this.#unary('square');
  }
  tanh(): Tensor<ArithmeticOf<D>> {
    return this.#unary('tanh');
  }
  sigmoid(): Tensor<ArithmeticOf<D>> {
    return this.#unary('sigmoid');
  }
  relu(): Tensor<ArithmeticOf<D>> {
    return this.#unary('relu');
  }
  sin(): Tensor<ArithmeticOf<D>> {
    return this.#unary('sin');
  }
  cos(): Tensor<ArithmeticOf<D>> {
    return this.#unary('cos');
  }
  floor(): Tensor<ArithmeticOf<D>> {
    return this.#unary('floor');
  }
  ceil(): Tensor<ArithmeticOf<D>> {
    return this.#unary('ceil');
  }
  round(): Tensor<ArithmeticOf<D>> {
    return this.#unary('round');
  }
  sign(): Tensor<ArithmeticOf<D>> {
    return this.#unary('sign');
  }
  logicalNot(): Tensor<'bool'> {
    return this.#unary('logicalNot');
  }

  /** Copies `source` (broadcast to this shape) into this tensor, in place, like Torch7's copy(). Returns this. */
  copy(source: Tensor): this {
    native().copyFrom(this.#handle, checkTensor(source, 'copy(source)').handle);
    return this;
  }
  /** Sets every element to `value`, in place. Returns this. */
  fill(value: number): this {
    native().fill(this.#handle, checkNumber(value, 'fill(value)', { finite: false }));
    return this;
  }
  /** Sets every element to zero, in place. Returns this. */
  zero(): this {
    return this.fill(0);
  }

  /** Matrix product with NumPy broadcasting rules. */
  matmul(other: Tensor): Tensor<ArithmeticOf<D>> {
    checkTensor(other, 'matmul(other)');
    // LibTorch's message for mixed dtypes spoke of shapes that fit; say what differs and the fix
    if (this.dtype !== other.dtype) {
      throw new TorchError(
        `matmul: the tensors are ${this.dtype} and ${other.dtype}; matmul needs one dtype: convert one, e.g. other.to('${this.dtype}')`,
        { code: 'DTYPE_MISMATCH' },
      );
    }
    return core()('matmul', this, [other]) as Tensor<never>;
  }

  // Reductions over all elements, over `dim`, or over a list of dims (keepDim keeps them with size 1).
  sum(dim?: number | number[], keepDim = false): Tensor<NumericDType> {
    return this.#reduce('sum', dim, keepDim);
  }
  mean(dim?: number | number[], keepDim = false): Tensor<FloatDType> {
    return this.#reduce('mean', dim, keepDim);
  }
  prod(dim?: number | number[], keepDim = false): Tensor<NumericDType> {
    return this.#reduce('prod', dim, keepDim);
  }
  /** Unbiased (n − 1) standard deviation, as Torch7's std(). */
  std(dim?: number | number[], keepDim = false): Tensor<FloatDType> {
    return this.#reduce('std', dim, keepDim);
  }
  /** Unbiased (n − 1) variance. */
  var(dim?: number | number[], keepDim = false): Tensor<FloatDType> {
    return this.#reduce('var', dim, keepDim);
  }
  /** The largest element; along `dim`, `{ values, indices }` as PyTorch. */
  max(): Tensor<D>;
  max(dim: number, keepDim?: boolean): { values: Tensor<D>; indices: Tensor<'int64'> };
  max(dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? this.#reduce('max', dim, keepDim) : this.#along('max', dim, keepDim);
  }
  /** The smallest element; along `dim`, `{ values, indices }` as PyTorch. */
  min(): Tensor<D>;
  min(dim: number, keepDim?: boolean): { values: Tensor<D>; indices: Tensor<'int64'> };
  min(dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? this.#reduce('min', dim, keepDim) : this.#along('min', dim, keepDim);
  }
  argmax(dim?: number, keepDim = false): Tensor<'int64'> {
    return this.#reduce('argmax', dim, keepDim);
  }
  argmin(dim?: number, keepDim = false): Tensor<'int64'> {
    return this.#reduce('argmin', dim, keepDim);
  }

  /** A view with a new shape (one dimension may be -1); fails on non-contiguous data. */
  view(...shape: number[]): Tensor<D>;
  view(shape: number[]): Tensor<D>;
  view(...shape: (number | number[])[]): Tensor {
    return new Tensor(native().view(this.#handle, checkViewShape(shape)));
  }
  /** Like view(), copying when needed. */
  reshape(...shape: number[]): Tensor<D>;
  reshape(shape: number[]): Tensor<D>;
  reshape(...shape: (number | number[])[]): Tensor {
    return new Tensor(native().reshape(this.#handle, checkViewShape(shape)));
  }
  transpose(dim0: number, dim1: number): Tensor<D> {
    return new Tensor(native().transpose(this.#handle, checkInteger(dim0, 'dim0'), checkInteger(dim1, 'dim1')));
  }
  permute(...dims: number[]): Tensor<D> {
    dims.forEach((d, i) => checkInteger(d, `dims[${i}]`));
    return new Tensor(native().permute(this.#handle, dims));
  }
  squeeze(dim?: number): Tensor<D> {
    return new Tensor(native().squeeze(this.#handle, dim === undefined ? null : checkInteger(dim, 'dim')));
  }
  unsqueeze(dim: number): Tensor<D> {
    return new Tensor(native().unsqueeze(this.#handle, checkInteger(dim, 'dim')));
  }
  contiguous(): Tensor<D> {
    return new Tensor(native().contiguous(this.#handle));
  }
  clone(): Tensor<D> {
    return new Tensor(native().clone(this.#handle));
  }
  /** The same values, cut from the autograd graph. */
  detach(): Tensor<D> {
    return new Tensor(native().detach(this.#handle));
  }

  /**
   * Indexes leading dimensions: `t.index(0)` selects row 0, `t.index(null, [1, 3])` keeps all
   * rows and columns 1..2, `t.index([0, null, 2])` every other row. Negative indices count from
   * the end. Returns a view.
   */
  index(...specs: IndexSpec[]): Tensor<D> {
    const at = specs.findIndex((spec) => spec instanceof Tensor);
    if (at >= 0) return this.#indexByTensor(specs, at);
    const shape = this.shape;
    if (specs.length > shape.length)
      throw new TorchError(`index: ${specs.length} indices given for a tensor of shape [${shape.join(', ')}]`);
    const resolved = specs.map((spec, dim): number | null | [number, number, number] => {
      const size = shape[dim];
      if (spec === null || spec === undefined) return null;
      if (typeof spec === 'number') {
        checkInteger(spec, `index ${dim}`);
        if (spec < -size || spec >= size) throw new TorchError(`index: index ${spec} is out of range for dimension ${dim} of size ${size}`);
        return spec;
      }
      if (!Array.isArray(spec) || spec.length > 3) invalid('a number, null or [start, end, step]', `index ${dim}`, spec);
      const wrap = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
      const start = wrap(spec[0] === undefined || spec[0] === null ? 0 : checkInteger(spec[0], `start of index ${dim}`));
      const end = wrap(spec[1] === undefined || spec[1] === null ? size : checkInteger(spec[1], `end of index ${dim}`));
      const step = spec[2] === undefined ? 1 : checkInteger(spec[2], `step of index ${dim}`, 1);
      return [start, Math.max(start, end), step];
    });
    return new Tensor(native().index(this.#handle, resolved));
  }
  /**
   * The entries at `indices` along `dim`, in that order (a copy; indices may repeat, negative ones
   * count from the end): `images.indexSelect(0, [5, 2, 9])` gathers three samples.
   */
  indexSelect(dim: number, indices: number[] | Tensor): Tensor<D> {
    if (this.ndim === 0) throw new TorchError('indexSelect: a 0-dimensional tensor has no dimension to select from');
    checkInteger(dim, 'indexSelect dim', -this.ndim, this.ndim - 1);
    const d = dim < 0 ? dim + this.ndim : dim;
    let index: Tensor;
    if (indices instanceof Tensor) {
      index = checkTensor(indices, 'indexSelect indices');
      if (index.ndim !== 1 || (index.dtype !== 'int64' && index.dtype !== 'int32')) {
        throw new TorchError(
          `indexSelect: indices must be a vector of int64 or int32 but are ${index.dtype} of shape [${index.shape.join(', ')}]`,
          { code: 'DTYPE_MISMATCH' },
        );
      }
    } else {
      if (!Array.isArray(indices) || indices.some((i) => !Number.isSafeInteger(i)))
        invalid('an array of integer indices or an int64 Tensor', 'indexSelect indices', indices);
      index = new Tensor(native().fromBuffer(BigInt64Array.from(indices, BigInt), [indices.length], 'int64', 'cpu'));
    }
    try {
      const size = this.shape[d];
      if (index.numel > 0) {
        const read = (t: Tensor) => {
          try {
            return t.item() as number;
          } finally {
            t.dispose();
          }
        };
        const [lo, hi] = [read(index.min()), read(index.max())];
        if (lo < -size || hi >= size)
          throw new TorchError(`indexSelect: indices range over [${lo}, ${hi}] but dimension ${d} has size ${size}`);
      }
      return new Tensor(native().indexSelect(this.#handle, d, index.handle));
    } finally {
      if (index !== indices) index.dispose();
    }
  }
  /**
   * index() with one tensor among the specs, as PyTorch's x[idx] / x[mask]: an int64 (or int32)
   * vector picks entries along its dimension, a bool mask of the shape of the dimensions it stands
   * for keeps the entries where it is true (those dimensions become one). The other specs apply
   * first. Returns a copy.
   */
  #indexByTensor(specs: IndexSpec[], at: number): Tensor<D> {
    if (specs.filter((spec) => spec instanceof Tensor).length > 1)
      throw new TorchError('index: one tensor index at most (use indexSelect for each dimension in turn)');
    const picker = checkTensor(specs[at], `index ${at}`) as Tensor;
    // the basic specs first (a view); numbers before the tensor's position remove dimensions
    const base = this.index(...specs.map((spec, i) => (i === at ? null : spec)));
    const dim = at - specs.slice(0, at).filter((spec) => typeof spec === 'number').length;
    try {
      if (picker.dtype === 'int64' || picker.dtype === 'int32') {
        if (picker.ndim !== 1)
          throw new TorchError(`index: an integer tensor index must be a vector, not of shape [${picker.shape.join(', ')}]`);
        return base.indexSelect(dim, picker);
      }
      if (picker.dtype !== 'bool')
        throw new TorchError(`index: a tensor index must be int64, int32 or bool, not ${picker.dtype}`, { code: 'DTYPE_MISMATCH' });
      const covered = base.shape.slice(dim, dim + picker.ndim);
      if (picker.ndim === 0 || covered.length !== picker.ndim || covered.some((n, i) => n !== picker.shape[i])) {
        throw new TorchError(
          `index: a bool mask of shape [${picker.shape.join(', ')}] must match dimensions ${dim}.. of the indexed shape [${base.shape.join(', ')}]`,
          { code: 'SHAPE_MISMATCH' },
        );
      }
      const merged = base.reshape([...base.shape.slice(0, dim), -1, ...base.shape.slice(dim + picker.ndim)]);
      const flatMask = picker.reshape(-1);
      const positions = new Tensor(native().callOp('nonzero', '', { self: flatMask.handle }) as NativeTensor);
      const vector = positions.view(-1);
      try {
        return merged.indexSelect(dim, vector);
      } finally {
        [vector, positions, flatMask, merged].forEach((t) => t.dispose());
      }
    } finally {
      base.dispose();
    }
  }
  /** Elements start..end-1 (step apart) along one dimension. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor<D> {
    checkInteger(dim, 'dim', -this.ndim, this.ndim - 1);
    const d = dim < 0 ? dim + this.ndim : dim;
    const specs: IndexSpec[] = new Array(d).fill(null);
    specs.push([start, end ?? null, step]);
    return this.index(...specs);
  }

  /**
   * A descriptor to send to a worker_thread (postMessage, workerData): there, fromShared(it) gives
   * a tensor over the same memory, without a copy, so data can be loaded in one thread and trained
   * on in another. Writes on either side are seen by the other (synchronise them yourself); the
   * autograd history stays here. Each descriptor is adopted once; share() again for another thread.
   */
  share(): SharedTensor {
    return {
      kind: 'nodetorch.SharedTensor',
      id: native().shareTensor(this.#handle),
      shape: this.shape,
      dtype: this.dtype,
      device: this.device,
    };
  }

  /** The values as PyTorch prints them (summarised beyond 1000 elements), then shape, dtype and device. */
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return formatTensor(this);
  }
  /** console.log(t) and util.inspect show toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // The helpers' results take the dtype their public method declares (Tensor<never> fits any).
  // Every one goes through the op table's generic call (lib/ops: CORE_OPS), as the table's own methods.
  #unary(op: string): Tensor<never> {
    return core()(op, this, []) as Tensor<never>;
  }
  #binary(op: string, other: Tensor | number): Tensor<never> {
    if (typeof other === 'number' && Number.isNaN(other) && op !== 'add') invalid('a Tensor or a number', `${op}(other)`, other);
    return core()(op, this, [other]) as Tensor<never>;
  }
  #reduce(op: string, dim: number | number[] | undefined, keepDim: boolean): Tensor<never> {
    checkBoolean(keepDim, `${op}(keepDim)`);
    if ((op === 'mean' || op === 'std' || op === 'var') && !isFloatDtype(this.dtype)) {
      throw new TorchError(
        `${op}: needs a floating tensor but this one is ${this.dtype}; convert it first: t.to('float32').${op}() (PyTorch refuses it too)`,
        { code: 'DTYPE_MISMATCH' },
      );
    }
    // argmax, argmin (and max/min, which reach here without a dim) take one dim, not a list
    if (Array.isArray(dim) && (op === 'argmax' || op === 'argmin')) invalid('an integer', `${op}(dim)`, dim);
    if (Array.isArray(dim)) {
      const dims = dim.map((d, i) => checkInteger(d, `${op}(dim[${i}])`, -this.ndim, Math.max(0, this.ndim - 1)));
      if (new Set(dims.map((d) => (d < 0 ? d + this.ndim : d))).size !== dims.length)
        throw new TorchError(`${op}: dims [${dims.join(', ')}] repeat a dimension`);
      if (op === 'prod') return this.#prodOver(dims, keepDim);
      return core()(`${op}.dims`, this, [dims, keepDim]) as Tensor<never>;
    }
    if (dim === undefined) return core()(op, this, []) as Tensor<never>;
    const d = checkInteger(dim, `${op}(dim)`, -Math.max(1, this.ndim), Math.max(0, this.ndim - 1));
    if (op === 'prod') return core()('prod.dim', this, [d, keepDim]) as Tensor<never>;
    if (op === 'argmax' || op === 'argmin') return core()(op, this, [d, keepDim]) as Tensor<never>;
    return core()(`${op}.dims`, this, [[d], keepDim]) as Tensor<never>;
  }
  /**
   * prod over several dims: LibTorch's prod takes one, so one after the other, the highest first so
   * that the others keep their place (an empty list, as sum's, reduces every dim).
   */
  #prodOver(dims: number[], keepDim: boolean): Tensor<never> {
    if (dims.length === 0) return core()('prod', this, []) as Tensor<never>;
    const order = dims.map((d) => (d < 0 ? d + this.ndim : d)).sort((a, b) => b - a);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the running product starts as this tensor
    let out: Tensor = this;
    for (const d of order) {
      const next = core()('prod.dim', out, [d, keepDim]) as Tensor;
      if (out !== this) out.dispose();
      out = next;
    }
    return out as Tensor<never>;
  }
  /** max or min along a dim: the values and where they are. */
  #along(op: 'max' | 'min', dim: number, keepDim: boolean): { values: Tensor; indices: Tensor } {
    checkInteger(dim, `${op}(dim)`, -Math.max(1, this.ndim), Math.max(0, this.ndim - 1));
    checkBoolean(keepDim, `${op}(keepDim)`);
    const r = native().callOp(op, 'dim', { self: this.#handle, dim, keepdim: keepDim }) as { values: NativeTensor; indices: NativeTensor };
    return { values: new Tensor(r.values), indices: new Tensor(r.indices) };
  }
}

/** What share() gives: plain data that postMessage copies between threads of one process. */
export interface SharedTensor {
  readonly kind: 'nodetorch.SharedTensor';
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DType;
  readonly device: Device;
}

/** The tensor a share() in any thread of this process described: the same memory, no copy. */
export function fromShared(shared: SharedTensor): Tensor {
  if (typeof shared !== 'object' || shared === null || shared.kind !== 'nodetorch.SharedTensor' || !Number.isSafeInteger(shared.id)) {
    invalid('a descriptor from tensor.share()', 'fromShared', shared);
  }
  return new Tensor(native().adoptShared(shared.id));
}

/** @internal Checks that a value is a live Tensor. */
export function checkTensor(value: unknown, what: string): Tensor {
  if (!(value instanceof Tensor)) invalid('a Tensor', what, value);
  if (value.isDisposed) throw new TorchError(`The Tensor passed as ${what} was disposed; it cannot be used any more`, { code: 'DISPOSED' });
  return value;
}

function checkViewShape(shape: unknown[]): number[] {
  const flat = shape.length === 1 && Array.isArray(shape[0]) ? (shape[0] as unknown[]) : shape;
  flat.forEach((d, i) => checkInteger(d, `shape[${i}]`, -1));
  if (flat.filter((d) => d === -1).length > 1)
    throw new TorchError('Expected at most one -1 in shape but received ' + JSON.stringify(flat));
  return flat as number[];
}
