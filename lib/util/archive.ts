/**
 * Model and checkpoint files: a JSON description plus tensors in LibTorch's archive format, with a
 * SHA-1 digest of both. The native side encodes and decodes the bytes and checks the digest; this
 * file owns the file: written atomically, read with errors that name it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TorchError } from '../errors';
import { NativeTensor, native } from '../native';
import { checkFileName } from '../validate';
import { checkRegularFile, fileError, makeFolder, writeFileAtomic } from './atomic';
import { DamagedZip, readZipEntries } from './zip';
import { duplicateDictKey } from './pickle';

/**
 * The model and checkpoint file format: 2 stored constructor arguments as given (1 flattened some,
 * see nn's upgradeSpec); 3 added the digest, so a version-3 file without one is damaged; 4 added
 * the buffers (running statistics) after the other tensors, counted by `buffers`.
 */
export const FILE_FORMAT_VERSION = 4;

/** Writes `json` and `tensors` to `file` atomically, creating its folder. */
export function writeArchive(file: string, json: string, tensors: NativeTensor[]): void {
  checkFileName(file, 'the file name');
  makeFolder(path.dirname(path.resolve(file)));
  writeFileAtomic(file, native().encodeArchive(json, tensors));
}

/**
 * Reads an archive written by writeArchive and parses its description, checking its `format`
 * and that a file of version 3 or later carries its digest; `what` names the caller in errors
 * (e.g. 'nn.load').
 */
export function readArchive<T extends { format: string; version: number }>(
  file: string,
  what: string,
  format: string,
): { description: T; tensors: NativeTensor[] } {
  checkFileName(file, `${what} file`);
  if (!fs.existsSync(file)) throw new TorchError(`${what}: no such file '${file}'`, { code: 'IO' });
  checkRegularFile(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw fileError('read', file, e);
  }
  checkZipArchive(bytes, file, what);
  let decoded: { json: string; tensors: NativeTensor[]; checksummed: boolean };
  try {
    decoded = native().decodeArchive(bytes);
  } catch (e) {
    throw new TorchError(`${what}: '${file}' is ${e instanceof TorchError ? e.reason : (e as Error).message}`, {
      code: 'CORRUPT_FILE',
      op: what,
      cause: e,
    });
  }
  const free = () => decoded.tensors.forEach((t) => native().dispose(t));
  let description: T;
  try {
    description = JSON.parse(decoded.json) as T;
  } catch {
    free();
    throw new TorchError(`${what}: '${file}' is damaged: its description is not valid JSON`, { code: 'CORRUPT_FILE' });
  }
  const kind = format === 'nodetorch-module' ? 'model' : 'checkpoint';
  if (typeof description !== 'object' || description === null || description.format !== format) {
    free();
    throw new TorchError(`${what}: '${file}' is not a nodetorch ${kind} file`, { code: 'CORRUPT_FILE' });
  }
  if (!Number.isInteger(description.version) || description.version < 1 || description.version > FILE_FORMAT_VERSION) {
    free();
    throw new TorchError(
      `${what}: '${file}' has format version ${description.version}; this nodetorch reads versions 1 to ${FILE_FORMAT_VERSION}`,
      { code: 'CORRUPT_FILE' },
    );
  }
  if (description.version >= 3 && !decoded.checksummed) {
    free();
    throw new TorchError(`${what}: '${file}' is damaged: its checksum is missing`, { code: 'CORRUPT_FILE' });
  }
  return { description, tensors: decoded.tensors };
}

/**
 * Checks a zip archive (torch.save's format, and nodetorch's models and checkpoints) before it is
 * decoded: every entry against its CRC-32, and the pickle (…/data.pkl) for a dictionary key given
 * twice. A file that is not a zip archive is left to the decoder, which says what it is.
 */
export function checkZipArchive(bytes: Buffer, file: string, what: string): void {
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) return;
  let entries;
  try {
    entries = readZipEntries(bytes);
  } catch (e) {
    if (e instanceof DamagedZip) throw new TorchError(`${what}: '${file}' is damaged: ${e.message}`, { code: 'CORRUPT_FILE' });
    throw e;
  }
  const pickle = entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  const duplicate = pickle && duplicateDictKey(pickle.data);
  if (duplicate !== undefined) {
    throw new TorchError(
      `${what}: '${file}' gives the key '${duplicate}' twice in one dictionary; Python keeps the last value and LibTorch the first, so nodetorch refuses the file`,
      { code: 'CORRUPT_FILE' },
    );
  }
}
