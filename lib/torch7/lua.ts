/**
 * The values of Torch7's serialization format (File.lua's writeObject/readObject) as they are in
 * the file, before they become nodetorch values: Lua tables keep every key, Torch objects keep
 * their class name and fields, tensors keep their storage, sizes, strides and offset.
 */

/** Type tags that File.lua writes before each object. */
export const TYPE = {
  NIL: 0,
  NUMBER: 1,
  STRING: 2,
  TABLE: 3,
  TORCH: 4,
  BOOLEAN: 5,
  FUNCTION: 6,
  LEGACY_RECUR_FUNCTION: 7,
  RECUR_FUNCTION: 8,
} as const;

/** Torch7's tensor and storage element types, by the prefix of their class names. */
export type ElementType = 'Double' | 'Float' | 'Half' | 'Long' | 'Int' | 'Short' | 'Char' | 'Byte';

/** Bytes per element in a binary file (Long's depends on the file: 8, or 4 where written on Windows). */
export const ELEMENT_BYTES: Record<ElementType, number> = { Double: 8, Float: 4, Half: 2, Long: 8, Int: 4, Short: 2, Char: 1, Byte: 1 };

/** A Lua table: its entries in file order, keys of any Lua type. */
export class LuaTable {
  readonly entries = new Map<LuaValue, LuaValue>();
  get(key: string | number): LuaValue | undefined {
    return this.entries.get(key);
  }
}

/** A Torch7 storage: a flat run of elements. */
export interface LuaStorage {
  readonly kind: 'storage';
  readonly elementType: ElementType;
  readonly data: Float64Array | Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** A Torch7 tensor: a view (sizes, strides, 0-based offset) of a storage, or of none when empty. */
export interface LuaTensor {
  readonly kind: 'tensor';
  readonly elementType: ElementType;
  readonly sizes: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly storage: LuaStorage | null;
}

/** An instance of a Torch7 class (torch.class) that serializes its fields as a table. */
export interface LuaObject {
  readonly kind: 'object';
  readonly className: string;
  /** The class version Torch7 wrote ("V n"; 0 for files older than versions). */
  readonly version: number;
  fields: LuaValue;
}

/** A Lua function: its bytecode (string.dump) and upvalues, kept so that a save can write it back. */
export interface LuaFunction {
  readonly kind: 'function';
  readonly bytecode: Uint8Array;
  upvalues: LuaValue;
  /** The type tag it was written with (6, 7 or 8). */
  readonly tag: number;
}

/** A tds.Vec or tds.Hash (the tds package's containers, written by their own write methods). */
export interface TdsContainer {
  readonly kind: 'tds';
  readonly className: 'tds.Vec' | 'tds.Hash';
  readonly entries: [LuaValue, LuaValue][];
}

export type LuaValue = null | number | string | boolean | LuaTable | LuaStorage | LuaTensor | LuaObject | LuaFunction | TdsContainer;

/** The class name's element type if it names a Torch7 tensor or storage (CUDA ones included). */
export function tensorClass(className: string): { elementType: ElementType; kind: 'tensor' | 'storage' } | undefined {
  const m = /^torch\.(?:Cuda)?(Double|Float|Half|Long|Int|Short|Char|Byte)?(Tensor|Storage)$/.exec(className);
  if (!m) return undefined;
  // cutorch's CudaTensor and CudaStorage hold floats
  const elementType = (m[1] ?? (className.startsWith('torch.Cuda') ? 'Float' : undefined)) as ElementType | undefined;
  if (!elementType) return undefined;
  return { elementType, kind: m[2] === 'Tensor' ? 'tensor' : 'storage' };
}
