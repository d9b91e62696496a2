/**
 * Argument checks done in TypeScript before anything crosses into C++. Every message reads
 * "Expected X for Y but received Z" so users see what was wrong and what was expected.
 */
import { TorchError } from './errors';

/** Short, safe description of any received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Refuses arguments beyond a constructor's signature: JavaScript drops them silently, so
 * `new nn.SpatialConvolution(1, 4, 3, 3, 1, 1, 1, 1, { bias: false })` would keep its bias.
 */
export function checkArity(args: IArguments, max: number, signature: string): void {
  if (args.length > max) {
    throw new TorchError(
      `${signature} takes at most ${max} argument${max === 1 ? '' : 's'} but received ${args.length}: argument ${max + 1} is ${describe(args[max])}`,
    );
  }
}

/** Throws the standard TorchError. */
export function invalid(expected: string, what: string, received: unknown): never {
  throw new TorchError(`Expected ${expected} for ${what} but received ${describe(received)}`);
}

export function checkInteger(value: unknown, what: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity ? 'an integer' : max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    invalid(range, what, value);
  }
  return value;
}

export function checkNumber(value: unknown, what: string, opts: { min?: number; max?: number; finite?: boolean } = {}): number {
  const { min = -Infinity, max = Infinity, finite = true } = opts;
  if (typeof value !== 'number' || Number.isNaN(value) || (finite && !Number.isFinite(value)) || value < min || value > max) {
    const bounds = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
    invalid(`a ${finite ? 'finite ' : ''}number${bounds ? ' ' + bounds : ''}`, what, value);
  }
  return value;
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') invalid('a boolean', what, value);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(`one of ${allowed.map((a) => `'${a}'`).join(', ')}`, what, value);
  }
  return value as T;
}

export function checkShape(value: unknown, what = 'shape'): number[] {
  if (!Array.isArray(value)) invalid('an array of non-negative integers', what, value);
  value.forEach((d, i) => checkInteger(d, `${what}[${i}]`, 0));
  return value as number[];
}

/** Rejects anything but an options object, and option names the function does not know (typos must not pass silently). */
export function checkKeys(options: object, allowed: readonly string[], what: string): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid('an options object', what, options);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TorchError(`Unknown option '${key}' for ${what}; expected one of ${allowed.join(', ')}`);
    }
  }
}

/** A file or folder name: a non-empty string. */
export function checkFileName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') invalid('a file name (a non-empty string)', what, value);
  if (value.includes('\0')) invalid('a file name without NUL characters (no file system takes them)', what, value);
  return value;
}
