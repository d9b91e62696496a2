/**
 * Lua values as nodetorch values: tables as arrays (keys 1..n), objects (string keys) or Maps
 * (any other keys); tensors and storages as nodetorch tensors; instances of other Torch7 classes
 * as Torch7Objects; Lua functions as Torch7Functions (kept, so that a save writes them back).
 * Shared and recursive references stay shared: the same Lua object gives the same JS object.
 */
import { native } from '../native';
import type { DType } from '../tensor';
import { Tensor } from '../tensor';
import { ElementType, LuaStorage, LuaTable, LuaTensor, LuaValue } from './lua';

/** An instance of a Torch7 class that nodetorch has no equivalent of: its class name and fields. */
export class Torch7Object {
  constructor(
    readonly className: string,
    /** The fields Torch7 serialized (a table, as an object, array or Map). */
    public fields: unknown,
    /** The class version ("V n" in the file): 1 for most classes. */
    readonly version = 1,
  ) {}
}

/** A Lua function from the file, which nodetorch cannot run: its bytecode, upvalues and place. */
export class Torch7Function {
  constructor(
    /** Where it was in the loaded value, e.g. `value.modules[2].updateOutput`. */
    readonly path: string,
    /** Its bytecode (Lua's string.dump), written back unchanged by torch7.save. */
    readonly bytecode: Uint8Array,
    /** Its upvalues as Torch7 stored them (a list of { name, id, value }). */
    public upvalues: unknown,
    /** @internal The type tag it was stored with. */
    readonly tag: number,
  ) {}
}

/** The nodetorch dtype that holds each Torch7 element type (Short, Char widen to int32; Half to float32). */
export const DTYPE_OF: Record<ElementType, DType> = {
  Double: 'float64',
  Float: 'float32',
  Half: 'float32',
  Long: 'int64',
  Int: 'int32',
  Short: 'int32',
  Char: 'int32',
  Byte: 'uint8',
};

/** The elements a tensor views, gathered in row-major order (strides and offset honoured). */
export function viewData(t: LuaTensor): LuaStorage['data'] {
  const n = t.sizes.length === 0 ? 0 : t.sizes.reduce((a, b) => a * b, 1);
  const data = t.storage?.data;
  if (n === 0 || !data) return new DATA_ARRAY[t.elementType](0);
  let contiguous = true;
  for (let d = t.sizes.length - 1, expected = 1; d >= 0; d--) {
    if (t.sizes[d] !== 1 && t.strides[d] !== expected) contiguous = false;
    expected *= t.sizes[d];
  }
  if (contiguous) return data.subarray(t.offset, t.offset + n);
  const out = new DATA_ARRAY[t.elementType](n) as LuaStorage['data'];
  const index = new Array<number>(t.sizes.length).fill(0);
  for (let i = 0; i < n; i++) {
    let at = t.offset;
    for (let d = 0; d < index.length; d++) at += index[d] * t.strides[d];
    (out as Float64Array)[i] = (data as Float64Array)[at];
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < t.sizes[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

const DATA_ARRAY: Record<ElementType, new (n: number) => LuaStorage['data']> = {
  Double: Float64Array,
  Float: Float32Array,
  Half: Float32Array,
  Long: BigInt64Array,
  Int: Int32Array,
  Short: Int32Array,
  Char: Int32Array,
  Byte: Uint8Array,
};

/** A nodetorch tensor with a Torch7 tensor's values (a copy); Torch7's empty tensor has shape [0]. */
export function toTensor(t: LuaTensor | LuaStorage): Tensor {
  const data = t.kind === 'storage' ? t.data : viewData(t);
  const shape = t.kind === 'storage' ? [data.length] : t.sizes.length === 0 ? [0] : t.sizes;
  // the tensor owns its values: a gathered view is already a copy; a storage or contiguous view is copied
  const copy = t.kind === 'tensor' && data.buffer !== t.storage?.data.buffer ? data : data.slice();
  return new Tensor(native().fromBuffer(copy as never, shape, DTYPE_OF[t.elementType], 'cpu'));
}

/** Turns nn objects into modules (converting what they hold with `convert`); undefined for a class that is not a module. */
export type ModuleReader = (
  object: Extract<LuaValue, { kind: 'object' }>,
  path: string,
  convert: (value: LuaValue, path: string) => unknown,
) => unknown;

/** Converts a Lua value; `path` names where it sits, for errors and Torch7Function.path. */
export class LuaConverter {
  private readonly done = new Map<LuaValue, unknown>();
  constructor(private readonly readModule: ModuleReader) {}

  convert(value: LuaValue, path: string): unknown {
    if (value === null || typeof value !== 'object') return value;
    const known = this.done.get(value);
    if (known !== undefined) return known;
    if (value instanceof LuaTable) return this.table(value, path);
    switch (value.kind) {
      case 'tensor':
      case 'storage':
        return this.remember(value, toTensor(value));
      case 'function': {
        const f = this.remember(value, new Torch7Function(path, value.bytecode, undefined, value.tag));
        f.upvalues = this.convert(value.upvalues, `${path}.<upvalues>`);
        return f;
      }
      case 'tds': {
        if (value.className === 'tds.Vec') {
          const list = this.remember(value, [] as unknown[]);
          value.entries.forEach(([, v], i) => list.push(this.convert(v, `${path}[${i + 1}]`)));
          return list;
        }
        const map = this.remember(value, new Map<unknown, unknown>());
        value.entries.forEach(([k, v]) => map.set(this.convert(k, `${path}.<key>`), this.convert(v, `${path}[${String(k)}]`)));
        return map;
      }
      case 'object': {
        const module = this.readModule(value, path, (v, p) => this.convert(v, p));
        if (module !== undefined) return this.remember(value, module);
        const object = this.remember(value, new Torch7Object(value.className, undefined, value.version));
        object.fields = this.convert(value.fields, path);
        return object;
      }
    }
  }

  /** Disposes the tensors converted so far (after a conversion failed). */
  disposeAll(): void {
    for (const v of this.done.values()) if (v instanceof Tensor && !v.isDisposed) v.dispose();
  }

  private remember<T>(key: LuaValue, value: T): T {
    this.done.set(key, value);
    return value;
  }

  private table(table: LuaTable, path: string): unknown {
    const keys = [...table.entries.keys()];
    const isList =
      keys.length > 0 &&
      keys.every((k) => typeof k === 'number') &&
      [...keys].sort((a, b) => (a as number) - (b as number)).every((k, i) => k === i + 1);
    if (isList) {
      const list = this.remember(table, new Array<unknown>(keys.length));
      for (const [k, v] of table.entries) list[(k as number) - 1] = this.convert(v, `${path}[${k as number}]`);
      return list;
    }
    if (keys.every((k) => typeof k === 'string')) {
      const object = this.remember(table, {} as Record<string, unknown>);
      for (const [k, v] of table.entries) {
        // a key like __proto__ is kept as data, never as the object's prototype
        Object.defineProperty(object, k as string, {
          value: this.convert(v, `${path}.${k as string}`),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    const map = this.remember(table, new Map<unknown, unknown>());
    for (const [k, v] of table.entries) map.set(this.convert(k, `${path}.<key>`), this.convert(v, `${path}[${describeKey(k)}]`));
    return map;
  }
}

function describeKey(k: LuaValue): string {
  return typeof k === 'string' ? JSON.stringify(k) : typeof k === 'number' || typeof k === 'boolean' ? String(k) : 'table';
}

/** Disposes every tensor inside a converted value (after a failed conversion). */
export function disposeTensors(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    if (!value.isDisposed) value.dispose();
    return;
  }
  if (value instanceof Map)
    value.forEach((v, k) => {
      disposeTensors(k, seen);
      disposeTensors(v, seen);
    });
  else if (value instanceof Torch7Object) disposeTensors(value.fields, seen);
  else if (value instanceof Torch7Function) disposeTensors(value.upvalues, seen);
  else if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)
    Object.values(value).forEach((v) => disposeTensors(v, seen));
}
