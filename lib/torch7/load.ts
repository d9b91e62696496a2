/**
 * torch7.load: a file Torch7's torch.save wrote (binary, ASCII, 8- or 4-byte longs), as
 * nodetorch values: nn modules as nodetorch modules, tensors as tensors, tables as arrays,
 * objects or Maps, any other class as a Torch7Object.
 */
import * as fs from 'fs';
import { TorchError } from '../errors';
import { checkRegularFile, fileError } from '../util/atomic';
import { checkBoolean, checkFileName, checkKeys, describe, invalid } from '../validate';
import { LuaValue } from './lua';
import { moduleReader } from './modules';
import { isAscii, readLua } from './reader';
import { LuaConverter } from './values';

export interface LoadOptions {
  /**
   * Bytes per C `long` in a binary file: 8 (Linux and macOS) or 4 (written on Windows). By
   * default 8, and 4 where the file cannot be read with 8.
   */
  longSize?: 4 | 8;
  /** false: nn modules come as Torch7Objects (their class names and fields) instead of modules. */
  modules?: boolean;
}

/**
 * Whether a file is in Torch7's format rather than a zip archive (nodetorch's and PyTorch's): its
 * first bytes are a type tag (binary) or a digit (ASCII), where a zip starts with 'PK'.
 */
export function isTorch7File(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    if (n < 4) return false;
    return (head.readInt32LE(0) >= 0 && head.readInt32LE(0) <= 8) || (head[0] >= 0x30 && head[0] <= 0x39 && head[1] === 0x0a);
  } catch {
    return false; // the caller's own read names the problem
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Reads a Torch7 file into Lua values, trying 4-byte longs where 8-byte ones fail. */
export function readTorch7File(file: string, options: LoadOptions = {}): LuaValue {
  checkRegularFile(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw fileError('read', file, e);
  }
  if (bytes.length === 0)
    throw new TorchError(`torch7.load: '${file}' is empty; expected a file written by Torch7's torch.save`, { code: 'CORRUPT_FILE' });
  if (options.longSize !== undefined || isAscii(bytes)) return readLua(bytes, file, { longSize: options.longSize ?? 8 });
  try {
    return readLua(bytes, file, { longSize: 8 });
  } catch (with8) {
    try {
      return readLua(bytes, file, { longSize: 4 });
    } catch {
      throw with8;
    }
  }
}

/** Reads a file written by Torch7's torch.save (or torch7.save). */
export function load(file: string, options: LoadOptions = {}): unknown {
  checkFileName(file, 'torch7.load file');
  if (typeof options !== 'object' || options === null)
    throw new TorchError(`torch7.load: options must be an object, got ${describe(options)}`);
  checkKeys(options, ['longSize', 'modules'], 'torch7.load options');
  if (options.longSize !== undefined && options.longSize !== 4 && options.longSize !== 8)
    invalid('4 or 8', 'torch7.load longSize', options.longSize);
  if (options.modules !== undefined) checkBoolean(options.modules, 'torch7.load modules');
  const lua = readTorch7File(file, options);
  const converter = new LuaConverter(options.modules === false ? () => undefined : moduleReader(file, lua));
  try {
    return converter.convert(lua, 'value');
  } catch (e) {
    converter.disposeAll();
    throw e;
  }
}
