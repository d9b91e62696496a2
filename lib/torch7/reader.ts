/**
 * Reads Torch7's serialization format, binary or ASCII, as Torch7's File.lua (readObject) and
 * THDiskFile.c read it, into Lua values (lua.ts). Every read is checked against what is left of
 * the file, so a damaged file is an error naming the byte offset, never a crash, a wrong value or
 * a huge allocation.
 */
import { TorchError } from '../errors';
import { halfToFloat } from '../util/half';
import {
  ELEMENT_BYTES,
  ElementType,
  LuaFunction,
  LuaObject,
  LuaStorage,
  LuaTable,
  LuaTensor,
  LuaValue,
  TYPE,
  TdsContainer,
  tensorClass,
} from './lua';

/** Objects nested deeper than this are refused (a real model nests a few dozen levels). */
export const MAX_DEPTH = 2000;
/** Torch7 tensors have at most this many dimensions (TH's limit is far below it in practice). */
const MAX_DIMENSIONS = 64;

export interface ReadOptions {
  /** Bytes per `long` in a binary file: 8 (Linux, macOS), 4 (written on Windows). */
  longSize: 4 | 8;
}

/** The primitive reads of one encoding (File's readInt, readLong, …). */
abstract class Source {
  offset = 0;
  constructor(
    readonly bytes: Buffer,
    readonly file: string,
  ) {}
  get remaining(): number {
    return this.bytes.length - this.offset;
  }
  fail(what: string, at = this.offset): never {
    throw new TorchError(`torch7.load: '${this.file}' is not a valid Torch7 file: ${what} at byte ${at}`, { code: 'CORRUPT_FILE' });
  }
  abstract int(what: string): number;
  abstract long(what: string): number;
  abstract double(what: string): number;
  abstract chars(n: number, what: string): Buffer;
  /** n elements of a storage, as their typed array. */
  abstract elements(type: ElementType, n: number): LuaStorage['data'];
  /** The fewest bytes that n elements take (to refuse an absurd size before allocating). */
  abstract minBytes(type: ElementType, n: number): number;
}

class BinarySource extends Source {
  constructor(
    bytes: Buffer,
    file: string,
    readonly longSize: 4 | 8,
  ) {
    super(bytes, file);
  }
  private need(n: number, what: string): number {
    if (n > this.remaining) this.fail(`the file ends inside ${what} (${n} bytes needed, ${this.remaining} left)`);
    const at = this.offset;
    this.offset += n;
    return at;
  }
  int(what: string): number {
    return this.bytes.readInt32LE(this.need(4, what));
  }
  long(what: string): number {
    if (this.longSize === 4) return this.int(what);
    const at = this.need(8, what);
    const v = this.bytes.readBigInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is ${v}, beyond any file`, at);
    return Number(v);
  }
  double(what: string): number {
    return this.bytes.readDoubleLE(this.need(8, what));
  }
  chars(n: number, what: string): Buffer {
    const at = this.need(n, what);
    return this.bytes.subarray(at, at + n);
  }
  minBytes(type: ElementType, n: number): number {
    return n * (type === 'Long' ? this.longSize : ELEMENT_BYTES[type]);
  }
  elements(type: ElementType, n: number): LuaStorage['data'] {
    const at = this.need(this.minBytes(type, n), `a ${n}-element ${type}Storage`);
    const b = this.bytes;
    switch (type) {
      case 'Double': {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = b.readDoubleLE(at + 8 * i);
        return a;
      }
      case 'Float': {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = b.readFloatLE(at + 4 * i);
        return a;
      }
      case 'Half': {
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = halfToFloat(b.readUInt16LE(at + 2 * i));
        return a;
      }
      case 'Long': {
        const a = new BigInt64Array(n);
        if (this.longSize === 4) for (let i = 0; i < n; i++) a[i] = BigInt(b.readInt32LE(at + 4 * i));
        else for (let i = 0; i < n; i++) a[i] = b.readBigInt64LE(at + 8 * i);
        return a;
      }
      case 'Int': {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) a[i] = b.readInt32LE(at + 4 * i);
        return a;
      }
      case 'Short': {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) a[i] = b.readInt16LE(at + 2 * i);
        return a;
      }
      case 'Char': {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) a[i] = b.readInt8(at + i);
        return a;
      }
      case 'Byte':
        return new Uint8Array(b.subarray(at, at + n));
    }
  }
}

/**
 * THDiskFile's ASCII mode: numbers as text separated by whitespace, chars and bytes raw; after
 * each write of n > 0 elements a newline, which the read consumes (auto-spacing).
 */
class AsciiSource extends Source {
  private endOfWrite(): void {
    if (this.bytes[this.offset] === 0x0a) this.offset++;
  }
  private tokens(n: number, what: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      while (this.offset < this.bytes.length && isSpace(this.bytes[this.offset])) this.offset++;
      const start = this.offset;
      while (this.offset < this.bytes.length && !isSpace(this.bytes[this.offset])) this.offset++;
      if (start === this.offset) this.fail(`the file ends inside ${what}`);
      out.push(this.bytes.toString('latin1', start, this.offset));
    }
    if (n > 0) this.endOfWrite();
    return out;
  }
  private integer(token: string, what: string): number {
    if (!/^[-+]?\d+$/.test(token)) this.fail(`${what} is '${token.slice(0, 20)}', not an integer`);
    const v = Number(token);
    if (!Number.isSafeInteger(v)) this.fail(`${what} is ${token.slice(0, 30)}, beyond any file`);
    return v;
  }
  private real(token: string, what: string): number {
    const t = token
      .toLowerCase()
      .replace(/^([-+]?)(inf|infinity)$/, '$1Infinity')
      .replace(/^[-+]?nan(\(.*\))?$/, 'NaN');
    const v = Number(t);
    if (Number.isNaN(v) && t !== 'NaN') this.fail(`${what} is '${token.slice(0, 20)}', not a number`);
    return v;
  }
  int(what: string): number {
    return this.integer(this.tokens(1, what)[0], what);
  }
  long(what: string): number {
    return this.int(what);
  }
  double(what: string): number {
    return this.real(this.tokens(1, what)[0], what);
  }
  chars(n: number, what: string): Buffer {
    if (n > this.remaining) this.fail(`the file ends inside ${what} (${n} bytes needed, ${this.remaining} left)`);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    if (n > 0) this.endOfWrite();
    return out;
  }
  minBytes(type: ElementType, n: number): number {
    // raw bytes for Char and Byte; at least a digit and a separator for numbers
    return type === 'Char' || type === 'Byte' ? n : 2 * n - 1;
  }
  elements(type: ElementType, n: number): LuaStorage['data'] {
    const what = `a ${n}-element ${type}Storage`;
    if (type === 'Byte' || type === 'Char') {
      const raw = this.chars(n, what);
      return type === 'Byte' ? new Uint8Array(raw) : Int32Array.from(raw, (v) => (v << 24) >> 24);
    }
    const words = this.tokens(n, what);
    switch (type) {
      case 'Double':
        return Float64Array.from(words, (w) => this.real(w, what));
      case 'Float':
      case 'Half':
        return Float32Array.from(words, (w) => this.real(w, what));
      case 'Long':
        return BigInt64Array.from(words, (w) => BigInt(this.integer(w, what)));
      default:
        return Int32Array.from(words, (w) => this.integer(w, what));
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;
}

/** Whether the bytes are a file in Torch7's ASCII mode (its first type tag is text). */
export function isAscii(bytes: Buffer): boolean {
  return bytes.length > 0 && bytes[0] >= 0x30 && bytes[0] <= 0x39;
}

/** Reads one object (the whole file's) as Torch7's torch.load does. */
export function readLua(bytes: Buffer, file: string, options: ReadOptions): LuaValue {
  const source = isAscii(bytes) ? new AsciiSource(bytes, file) : new BinarySource(bytes, file, options.longSize);
  const value = new ObjectReader(source).read(0);
  if (source.remaining > 0 && !(source instanceof AsciiSource && /^\s*$/.test(bytes.toString('latin1', source.offset)))) {
    source.fail(`${source.remaining} bytes follow the object`);
  }
  return value;
}

class ObjectReader {
  /** Objects already read, by the index the file gives them (shared and recursive references). */
  private readonly objects = new Map<number, LuaValue>();
  constructor(private readonly src: Source) {}

  read(depth: number): LuaValue {
    const src = this.src;
    if (depth > MAX_DEPTH) src.fail(`objects nest more than ${MAX_DEPTH} deep`);
    const at = src.offset;
    const tag = src.int('a type tag');
    switch (tag) {
      case TYPE.NIL:
        return null;
      case TYPE.NUMBER:
        return src.double('a number');
      case TYPE.BOOLEAN: {
        const v = src.int('a boolean');
        if (v !== 0 && v !== 1) src.fail(`a boolean is ${v} (expected 0 or 1)`, at);
        return v === 1;
      }
      case TYPE.STRING:
        return this.string('a string');
      case TYPE.FUNCTION:
        return this.func(tag, depth);
      case TYPE.TABLE:
      case TYPE.TORCH:
      case TYPE.RECUR_FUNCTION:
      case TYPE.LEGACY_RECUR_FUNCTION: {
        const index = src.int('an object index');
        const known = this.objects.get(index);
        if (known !== undefined) return known;
        if (index < 1) src.fail(`an object index is ${index} (expected 1 or more)`, at + 4);
        if (tag === TYPE.TABLE) return this.table(index, depth);
        if (tag === TYPE.TORCH) return this.torch(index, depth);
        return this.func(tag, depth, index);
      }
      default:
        return src.fail(`unknown type tag ${tag} (expected 0 to 8)`, at);
    }
  }

  /** A size field (an int, or a long where `long`), refused where the bytes left cannot hold it. */
  private count(what: string, bytesEach: number, long = false): number {
    const at = this.src.offset;
    const n = long ? this.src.long(what) : this.src.int(what);
    if (n < 0) this.src.fail(`${what} is ${n}`, at);
    if (n * bytesEach > this.src.remaining) this.src.fail(`${what} is ${n}, more than the ${this.src.remaining} bytes left can hold`, at);
    return n;
  }

  private string(what: string): string {
    const n = this.count(`the length of ${what}`, 1);
    return this.src.chars(n, what).toString('utf8');
  }

  private table(index: number, depth: number): LuaTable {
    const table = new LuaTable();
    this.objects.set(index, table);
    // each entry is a key and a value, each at least a 4-byte type tag
    const n = this.count('the size of a table', this.src instanceof BinarySource ? 8 : 4);
    for (let i = 0; i < n; i++) {
      const at = this.src.offset;
      const key = this.read(depth + 1);
      if (key === null) this.src.fail('a table key is nil', at);
      if (typeof key === 'number' && Number.isNaN(key)) this.src.fail('a table key is NaN', at);
      table.entries.set(key, this.read(depth + 1));
    }
    return table;
  }

  private func(tag: number, depth: number, index?: number): LuaFunction {
    const n = this.count("the length of a function's bytecode", 1);
    const bytecode = new Uint8Array(this.src.chars(n, "a function's bytecode"));
    const f: LuaFunction = { kind: 'function', bytecode, upvalues: null, tag };
    if (index !== undefined) this.objects.set(index, f);
    f.upvalues = this.read(depth + 1);
    return f;
  }

  private torch(index: number, depth: number): LuaValue {
    const src = this.src;
    const at = src.offset;
    const first = this.string('a class version');
    // files older than the versioning system give the class name first
    const versioned = /^V \d+$/.test(first);
    const className = versioned ? this.string('a class name') : first;
    const type = tensorClass(className);
    if (type?.kind === 'storage') {
      const n = this.count('the size of a storage', src.minBytes(type.elementType, 1), true);
      const storage: LuaStorage = { kind: 'storage', elementType: type.elementType, data: src.elements(type.elementType, n) };
      this.objects.set(index, storage);
      return storage;
    }
    if (type?.kind === 'tensor') return this.tensor(index, type.elementType, depth);
    if (className === 'tds.Vec' || className === 'tds.Hash') return this.tds(index, className, depth);
    if (className.startsWith('tds.')) src.fail(`a ${className} (the tds package's ${className.slice(4)}), which nodetorch cannot read`, at);
    const object: LuaObject = { kind: 'object', className, version: versioned ? Number(first.slice(2)) : 0, fields: null };
    this.objects.set(index, object);
    object.fields = this.read(depth + 1);
    return object;
  }

  private tensor(index: number, elementType: ElementType, depth: number): LuaTensor {
    const src = this.src;
    const at = src.offset;
    const nDimension = src.int("a tensor's dimension count");
    if (nDimension < 0 || nDimension > MAX_DIMENSIONS)
      src.fail(`a tensor has ${nDimension} dimensions (expected 0 to ${MAX_DIMENSIONS})`, at);
    const sizes = Array.from({ length: nDimension }, () => src.long('a tensor size'));
    const strides = Array.from({ length: nDimension }, () => src.long('a tensor stride'));
    const offset = src.long("a tensor's storage offset") - 1;
    if (sizes.some((s) => s < 0)) src.fail(`a tensor's sizes are [${sizes}]`, at);
    const storageAt = src.offset;
    const storage = this.read(depth + 1);
    if (storage !== null && !(typeof storage === 'object' && 'kind' in storage && storage.kind === 'storage'))
      src.fail("a tensor's storage is not a storage", storageAt);
    const tensor: LuaTensor = { kind: 'tensor', elementType, sizes, strides, offset, storage: storage as LuaStorage | null };
    const elements = sizes.reduce((a, b) => a * b, 1);
    if (nDimension > 0 && elements > 0) {
      // the last element the view reaches must lie in the storage
      const last = offset + sizes.reduce((sum, s, d) => sum + (s - 1) * strides[d], 0);
      const length = tensor.storage?.data.length ?? 0;
      if (offset < 0 || strides.some((s) => s < 0) || last >= length) {
        src.fail(
          `a tensor of sizes [${sizes}], strides [${strides}] and offset ${offset} reaches element ${last} of a storage of ${length}`,
          at,
        );
      }
      if (tensor.storage!.elementType !== elementType) src.fail(`a ${elementType}Tensor views a ${tensor.storage!.elementType}Storage`, at);
    }
    this.objects.set(index, tensor);
    return tensor;
  }

  private tds(index: number, className: 'tds.Vec' | 'tds.Hash', depth: number): TdsContainer {
    const container: TdsContainer = { kind: 'tds', className, entries: [] };
    this.objects.set(index, container);
    const n = this.count(`the size of a ${className}`, className === 'tds.Vec' ? 4 : 8, true);
    for (let i = 0; i < n; i++) {
      const key = className === 'tds.Vec' ? i + 1 : this.read(depth + 1);
      container.entries.push([key, this.read(depth + 1)]);
    }
    return container;
  }
}
