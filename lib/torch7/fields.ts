/**
 * The fields of a Torch7 nn object, read with checks: each getter names the module's place, its
 * class and the field in its error, so that a file with a missing or odd field is a clear error.
 */
import { TorchError } from '../errors';
import { Module, Value } from '../nn/Module';
import { Tensor } from '../tensor';
import { LuaObject, LuaTable, LuaValue } from './lua';

/** Converts a Lua value found at `path` (tensors to tensors, nn objects to modules, …). */
export type Convert = (value: LuaValue, path: string) => unknown;

export class Fields {
  constructor(
    readonly object: LuaObject,
    private readonly convert: Convert,
    readonly path: string,
    readonly file: string,
    /** The planes its input has, where the modules before it in its container tell (for SpatialLPPooling). */
    readonly inferredPlanes?: number,
  ) {}

  /** The first module of its `modules` list, unconverted (to tell which composite a module is). */
  firstModule(): LuaObject | undefined {
    const modules = this.raw('modules');
    const first = modules instanceof LuaTable ? modules.get(1) : undefined;
    return first !== null && typeof first === 'object' && 'kind' in first && first.kind === 'object' ? first : undefined;
  }

  get className(): string {
    return this.object.className;
  }

  /** The field as Torch7 stored it (converted only when asked for, so unused fields cost nothing). */
  raw(name: string): LuaValue | undefined {
    const fields = this.object.fields;
    return fields instanceof LuaTable ? fields.get(name) : undefined;
  }

  /** Any Lua value of the file (one of its fields' contents) as a nodetorch value. */
  value(v: LuaValue, path: string): unknown {
    return this.convert(v, path);
  }

  /** The field as a nodetorch value (undefined where absent). */
  get(name: string): unknown {
    const v = this.raw(name);
    return v === undefined || v === null ? undefined : this.convert(v, `${this.path}.${name}`);
  }

  fail(what: string): never {
    throw new TorchError(`torch7.load: '${this.file}': ${this.path} (${this.className}) ${what}`, { code: 'CORRUPT_FILE' });
  }

  has(name: string): boolean {
    const v = this.raw(name);
    return v !== undefined && v !== null;
  }

  number(name: string, fallback?: number): number {
    return this.#scalar(name, 'number', fallback);
  }

  integer(name: string, fallback?: number): number {
    const v = this.number(name, fallback);
    if (!Number.isInteger(v)) this.fail(`has a field '${name}' of ${v}, not an integer`);
    return v;
  }

  boolean(name: string, fallback?: boolean): boolean {
    return this.#scalar(name, 'boolean', fallback);
  }

  /** A number or boolean field; `fallback` where Torch7 left it out (none: the field is required). */
  #scalar<T extends number | boolean>(name: string, kind: 'number' | 'boolean', fallback?: T): T {
    const v = this.get(name);
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(`has no field '${name}'`);
      return fallback;
    }
    if (typeof v !== kind) this.fail(`has a field '${name}' that is ${typeof v}, not a ${kind}`);
    return v as T;
  }

  tensor(name: string): Tensor;
  tensor(name: string, optional: true): Tensor | undefined;
  tensor(name: string, optional = false): Tensor | undefined {
    const v = this.get(name);
    if (v === undefined || v === null) {
      if (optional) return undefined;
      this.fail(`has no tensor '${name}'`);
    }
    if (!(v instanceof Tensor)) this.fail(`has a field '${name}' that is not a tensor`);
    return v;
  }

  /** A size list: a LongStorage (a 1-D tensor once read) or a table of numbers. */
  sizes(name: string): number[] {
    const v = this.get(name);
    if (v instanceof Tensor) return (v.toArray() as number[]).map(Number);
    if (Array.isArray(v) && v.every((d) => typeof d === 'number')) return v as number[];
    return this.fail(`has a field '${name}' that is not a list of sizes`);
  }

  /** The modules of a container, in order. */
  modules(): Module<Value, Value>[] {
    const v = this.get('modules');
    if (v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0 && !Array.isArray(v))) return [];
    if (!Array.isArray(v)) this.fail("has a field 'modules' that is not a list");
    return v.map((m, i) => {
      if (!(m instanceof Module)) this.fail(`holds ${describeValue(m)} at modules[${i + 1}], not an nn module nodetorch has`);
      return m;
    });
  }

  /** Refuses a Torch7 setting that nodetorch's module cannot honour. */
  refuse(condition: boolean, what: string): void {
    if (condition) this.fail(`${what}, which nodetorch's ${this.className.replace(/^nn\./, 'nn.')} does not do`);
  }
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v !== 'object') return `a ${typeof v}`;
  const className = (v as { className?: unknown }).className;
  return typeof className === 'string' ? `a ${className}` : `a ${v.constructor?.name ?? 'table'}`;
}
