/**
 * Model and checkpoint files: a JSON description plus tensors in LibTorch's archive format. The
 * native side encodes and decodes the bytes; this file owns the file: written atomically, read with
 * errors that name it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TorchError } from '../errors';
import { NativeTensor, native } from '../native';
import { writeFileAtomic } from './atomic';

/** Writes `json` and `tensors` to `file` atomically, creating its folder. */
export function writeArchive(file: string, json: string, tensors: NativeTensor[]): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, native().encodeArchive(json, tensors));
}

/** Reads an archive written by writeArchive; `what` names the caller in errors (e.g. 'nn.load'). */
export function readArchive(file: string, what: string): { json: string; tensors: NativeTensor[] } {
  if (!fs.existsSync(file)) throw new TorchError(`${what}: no such file '${file}'`);
  try {
    return native().decodeArchive(fs.readFileSync(file));
  } catch (e) {
    throw new TorchError(`${what}: '${file}' is ${(e as Error).message.replace(/^decodeArchive: /, '')}`);
  }
}
