/**
 * Writes values in Torch7's binary serialization format as File.lua's writeObject does (8-byte
 * longs, little-endian, as Torch7 on Linux and macOS): numbers, strings, booleans, tables,
 * tensors with their storages, Torch7 objects and Lua functions, each table, object and function
 * written once and referenced by its index after (shared and recursive values stay so).
 */
import { TorchError } from '../errors';
import { Tensor } from '../tensor';
import { ElementType, TYPE } from './lua';
import { Torch7Function, Torch7Object } from './values';

/** The elements of a tensor to write, in row-major order (what a nodetorch tensor gives). */
export class Torch7TensorData {
  constructor(
    readonly elementType: ElementType,
    readonly sizes: number[],
    readonly data: Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array,
    /** Written as a bare torch.*Storage (View's size, a torch.LongStorage) rather than a tensor. */
    readonly storage = false,
  ) {}
}

const ELEMENT_OF: Record<string, ElementType> = {
  float64: 'Double',
  float32: 'Float',
  int64: 'Long',
  int32: 'Int',
  uint8: 'Byte',
  bool: 'Byte',
};

/** A nodetorch tensor's values (copied to the CPU) as the data of a Torch7 tensor. */
export function tensorData(t: Tensor): Torch7TensorData {
  const elementType = ELEMENT_OF[t.dtype];
  if (!elementType) throw new TorchError(`torch7.save: a ${t.dtype} tensor has no Torch7 type`, { code: 'DTYPE_MISMATCH' });
  const cpu = t.device === 'cpu' ? t : t.cpu();
  try {
    return new Torch7TensorData(elementType, t.shape, cpu.data() as Torch7TensorData['data']);
  } finally {
    if (cpu !== t) cpu.dispose();
  }
}

/** Turns a value the writer does not know (an nn module) into one it does, or undefined. */
export type Translate = (value: object, path: string) => unknown;

class ByteSink {
  private chunks: Buffer[] = [];
  private current = Buffer.alloc(1 << 16);
  private used = 0;
  private room(n: number): void {
    if (this.used + n <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.used));
    this.current = Buffer.alloc(Math.max(1 << 16, n));
    this.used = 0;
  }
  int(v: number): void {
    this.room(4);
    this.current.writeInt32LE(v, this.used);
    this.used += 4;
  }
  long(v: number): void {
    this.room(8);
    this.current.writeBigInt64LE(BigInt(v), this.used);
    this.used += 8;
  }
  double(v: number): void {
    this.room(8);
    this.current.writeDoubleLE(v, this.used);
    this.used += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.current.set(b, this.used);
    this.used += b.length;
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.int(b.length);
    this.bytes(b);
  }
  result(): Buffer {
    return Buffer.concat([...this.chunks, this.current.subarray(0, this.used)]);
  }
}

export class ObjectWriter {
  private readonly sink = new ByteSink();
  private readonly indices = new Map<object, number>();
  private readonly translated = new Map<object, unknown>();
  private depth = 0;
  constructor(private readonly translate: Translate) {}

  bytes(): Buffer {
    return this.sink.result();
  }

  write(value: unknown, path: string): void {
    const sink = this.sink;
    if (value === null || value === undefined) return sink.int(TYPE.NIL);
    if (typeof value === 'number' || typeof value === 'bigint') {
      sink.int(TYPE.NUMBER);
      return sink.double(Number(value));
    }
    if (typeof value === 'string') {
      sink.int(TYPE.STRING);
      return sink.string(value);
    }
    if (typeof value === 'boolean') {
      sink.int(TYPE.BOOLEAN);
      return sink.int(value ? 1 : 0);
    }
    if (typeof value !== 'object') throw new TorchError(`torch7.save: ${path} is a ${typeof value}, which Torch7's format cannot hold`);
    if (++this.depth > 2000) throw new TorchError(`torch7.save: ${path} nests objects more than 2000 deep`);
    try {
      this.reference(value, path);
    } finally {
      this.depth--;
    }
  }

  /** A table, Torch object or function: its index, and the object itself the first time. */
  private reference(value: object, path: string): void {
    const sink = this.sink;
    const known = this.indices.get(value);
    const concrete = this.concrete(value, path);
    sink.int(concrete instanceof Torch7Function ? TYPE.RECUR_FUNCTION : isTable(concrete) ? TYPE.TABLE : TYPE.TORCH);
    if (known !== undefined) return sink.int(known);
    const index = this.indices.size + 1;
    this.indices.set(value, index);
    sink.int(index);
    if (concrete instanceof Torch7Function) {
      sink.int(concrete.bytecode.length);
      sink.bytes(concrete.bytecode);
      return this.write(concrete.upvalues ?? [], `${path}.<upvalues>`);
    }
    if (concrete instanceof Torch7TensorData) return this.tensor(concrete);
    if (concrete instanceof Torch7Object) {
      sink.string(`V ${concrete.version}`);
      sink.string(concrete.className);
      return this.write(concrete.fields ?? {}, path);
    }
    this.table(concrete as object, path);
  }

  /** What a value is written as: tensors as their data, modules as their Torch7 objects. */
  private concrete(value: object, path: string): unknown {
    if (value instanceof Tensor) {
      if (value.isDisposed) throw new TorchError(`torch7.save: the tensor at ${path} was disposed`, { code: 'DISPOSED' });
      return tensorData(value);
    }
    if (value instanceof Torch7TensorData || value instanceof Torch7Object || value instanceof Torch7Function || isTable(value))
      return value;
    if (!this.translated.has(value)) {
      const t = this.translate(value, path);
      if (t === undefined)
        throw new TorchError(
          `torch7.save: ${path} is a ${value.constructor?.name ?? 'object'}, which Torch7's format cannot hold (expected numbers, strings, booleans, arrays, plain objects, Maps, tensors, nn modules or Torch7Objects)`,
        );
      this.translated.set(value, t);
    }
    return this.translated.get(value);
  }

  private tensor(t: Torch7TensorData): void {
    const sink = this.sink;
    sink.string('V 1');
    if (t.storage) return this.storage(t);
    sink.string(`torch.${t.elementType}Tensor`);
    const n = t.data.length;
    // Torch7's empty tensor: no dimensions, no storage
    const sizes = n === 0 ? [] : t.sizes.length === 0 ? [1] : t.sizes;
    sink.int(sizes.length);
    sizes.forEach((s) => sink.long(s));
    const strides = sizes.map((_, d) => sizes.slice(d + 1).reduce((a, b) => a * b, 1));
    strides.forEach((s) => sink.long(s));
    sink.long(1);
    if (n === 0) return sink.int(TYPE.NIL);
    sink.int(TYPE.TORCH);
    sink.int(this.indices.size + 1);
    this.indices.set({}, this.indices.size + 1);
    sink.string('V 1');
    this.storage(t);
  }

  /** A storage's class name, size and elements (after its type tag and index). */
  private storage(t: Torch7TensorData): void {
    this.sink.string(`torch.${t.elementType}Storage`);
    this.sink.long(t.data.length);
    this.sink.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }

  private table(value: object, path: string): void {
    const entries: [unknown, unknown, string][] = [];
    if (Array.isArray(value)) value.forEach((v, i) => v !== undefined && v !== null && entries.push([i + 1, v, `${path}[${i + 1}]`]));
    else if (value instanceof Map) value.forEach((v, k) => v !== undefined && v !== null && entries.push([k, v, `${path}[${String(k)}]`]));
    else for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) entries.push([k, v, `${path}.${k}`]);
    this.sink.int(entries.length);
    for (const [k, v, p] of entries) {
      if (k === null || k === undefined || (typeof k === 'number' && Number.isNaN(k)))
        throw new TorchError(`torch7.save: a key of ${path} is ${String(k)}, which a Lua table cannot hold`);
      this.write(k, `${path}.<key>`);
      this.write(v, p);
    }
  }
}

function isTable(value: unknown): boolean {
  return (
    Array.isArray(value) ||
    value instanceof Map ||
    (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) ||
    (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null)
  );
}
