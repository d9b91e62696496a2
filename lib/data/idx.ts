/**
 * The IDX format of the MNIST files (big-endian): magic 0x00000803 + count, rows, cols + uint8
 * pixels for images; magic 0x00000801 + count + uint8 labels. Every header field is checked so a
 * truncated or corrupt file is an error that names the file. MNIST's readers also check its 28×28
 * images and 0..9 labels; other IDX sets (Fashion-MNIST, KMNIST, EMNIST) pass their own bounds.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { TorchError } from '../errors';
import { checkFileName } from '../validate';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

function readMaybeGzip(file: string): Buffer {
  checkFileName(file, 'the IDX file');
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new TorchError(`Cannot read IDX file '${file}': ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw);
    } catch (e) {
      throw new TorchError(`IDX file '${file}' is a corrupt or truncated gzip file (${(e as Error).message})`);
    }
  }
  return raw;
}

/** Reads the file and checks its header: length, magic number and item count. */
function readHeader(file: string, kind: 'image' | 'label', expectedCount?: number): { data: Buffer; count: number } {
  const [headerSize, expectedMagic] = kind === 'image' ? [16, 0x803] : [8, 0x801];
  const data = readMaybeGzip(file);
  if (data.length < headerSize) throw new TorchError(`IDX file '${file}' is too short for an IDX ${kind} header (${data.length} bytes)`);
  const magic = data.readUInt32BE(0);
  const hex = (m: number) => `0x${m.toString(16).padStart(8, '0')}`;
  if (magic !== expectedMagic) throw new TorchError(`IDX file '${file}' has magic ${hex(magic)}; expected ${hex(expectedMagic)} (IDX ${kind}s)`);
  const count = data.readUInt32BE(4);
  if (expectedCount !== undefined && count !== expectedCount) throw new TorchError(`IDX file '${file}' holds ${count} ${kind}s; expected ${expectedCount}`);
  return { data, count };
}

/** Reads IDX images; `shape` is the [rows, cols] they must have (MNIST's 28×28 by default; null: any). */
export function readIdxImages(file: string, expectedCount?: number, shape: [number, number] | null = [28, 28]): IdxImages {
  const { data, count } = readHeader(file, 'image', expectedCount);
  const rows = data.readUInt32BE(8);
  const cols = data.readUInt32BE(12);
  if (shape && (rows !== shape[0] || cols !== shape[1])) throw new TorchError(`IDX file '${file}' has ${rows}×${cols} images; expected ${shape[0]}×${shape[1]}`);
  const size = 16 + count * rows * cols;
  if (data.length !== size) throw new TorchError(`IDX file '${file}' has ${data.length} bytes; expected ${size} for ${count} images of ${rows}×${cols} (truncated or corrupt)`);
  return { count, rows, cols, pixels: new Uint8Array(data.buffer, data.byteOffset + 16, count * rows * cols) };
}

/** Reads IDX labels, each at most `maxLabel` (MNIST's 9 by default). */
export function readIdxLabels(file: string, expectedCount?: number, maxLabel = 9): Uint8Array {
  const { data, count } = readHeader(file, 'label', expectedCount);
  if (data.length !== 8 + count) throw new TorchError(`IDX file '${file}' has ${data.length} bytes; expected ${8 + count} for ${count} labels (truncated or corrupt)`);
  const labels = new Uint8Array(data.buffer, data.byteOffset + 8, count);
  const bad = labels.findIndex((l) => l > maxLabel);
  if (bad >= 0) throw new TorchError(`IDX file '${file}' has label ${labels[bad]} at index ${bad}; expected 0..${maxLabel}`);
  return labels;
}
