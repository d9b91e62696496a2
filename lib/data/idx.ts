/**
 * The IDX format of the MNIST files (big-endian): magic 0x00000803 + count, rows, cols + uint8
 * pixels for images; magic 0x00000801 + count + uint8 labels. Every header field is checked so a
 * truncated or corrupt file is an error that names the file. MNIST's readers also check its 28×28
 * images and 0..9 labels; other IDX sets (Fashion-MNIST, KMNIST, EMNIST) pass their own bounds.
 */
import * as buffer from 'buffer';
import * as fs from 'fs';
import * as os from 'os';
import * as zlib from 'zlib';
import { TorchError } from '../errors';
import { checkFileName } from '../validate';
import { checkRegularFile } from '../util/atomic';

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

const HEADER = { image: { size: 16, magic: 0x803 }, label: { size: 8, magic: 0x801 } };
/** Deflate's largest ratio: a gzip file cannot honestly inflate to more than this many times its size. */
const MAX_DEFLATE_RATIO = 1032;

/** Where a gzip member's deflate data starts: after its 10 bytes and the optional fields its flags name (RFC 1952). */
function deflateStart(raw: Buffer): number {
  const flags = raw[3];
  let at = 10;
  if (flags & 0x04) at += 2 + raw.readUInt16LE(at); // FEXTRA
  for (const flag of [0x08, 0x10]) if (flags & flag) at = raw.indexOf(0, at) + 1; // FNAME, FCOMMENT: zero-terminated
  if (flags & 0x02) at += 2; // FHCRC
  if (at <= 0 || at > raw.length) throw new Error('a gzip header longer than the file');
  return at;
}

/** The size an IDX header announces: header + count × item bytes (images: rows × cols each). */
function announcedSize(header: Buffer, kind: 'image' | 'label'): number | undefined {
  if (header.length < HEADER[kind].size) return undefined;
  const count = header.readUInt32BE(4);
  return HEADER[kind].size + (kind === 'image' ? count * header.readUInt32BE(8) * header.readUInt32BE(12) : count);
}

/**
 * The file's bytes, inflated when gzipped. A gzip file is inflated only after its announced size
 * is checked, without inflating the rest: the IDX header (from the first compressed bytes) against
 * the gzip trailer's size and deflate's largest ratio; then inflating stops one byte past the
 * announced size. A small bomb is refused at once rather than after gigabytes of memory.
 */
function readMaybeGzip(file: string, kind: 'image' | 'label'): Buffer {
  checkFileName(file, 'the IDX file');
  checkRegularFile(file);
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new TorchError(`Cannot read IDX file '${file}': ${(e as Error).message}`, { code: 'IO' });
  }
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  const corrupt = (why: string) =>
    new TorchError(`IDX file '${file}' is a corrupt or truncated gzip file (${why})`, { code: 'CORRUPT_FILE' });
  let header: Buffer;
  try {
    // the first 4 KiB of the deflate stream, after the gzip header and its optional fields
    const start = deflateStart(raw);
    header = zlib.inflateRawSync(raw.subarray(start, start + 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (e) {
    throw corrupt((e as Error).message);
  }
  // a file of another kind (a wrong magic): its first bytes are enough for readHeader to say so
  if (header.length >= 4 && header.readUInt32BE(0) !== HEADER[kind].magic) return header.subarray(0, HEADER[kind].size);
  const announced = announcedSize(header, kind);
  const trailer = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : undefined; // ISIZE: the inflated size mod 2^32
  if (announced !== undefined) {
    // more than announced: refused before inflating (less is a short file, which readHeader names)
    if (trailer !== undefined && announced < 2 ** 32 && trailer > announced) {
      throw corrupt(`its header announces ${announced} bytes but the gzip trailer says ${trailer}`);
    }
    if (announced > raw.length * MAX_DEFLATE_RATIO) {
      throw corrupt(`its header announces ${announced} bytes, more than ${raw.length} compressed bytes can hold`);
    }
    if (announced > buffer.constants.MAX_LENGTH || announced > os.totalmem()) {
      throw new TorchError(`IDX file '${file}' announces ${(announced / 2 ** 30).toFixed(1)} GiB of data, more than this process can hold`);
    }
  }
  // without a header (a gzip header padded past the first 4 KiB), deflate's largest ratio bounds it
  const limit =
    announced === undefined ? Math.min(raw.length * MAX_DEFLATE_RATIO, buffer.constants.MAX_LENGTH, os.totalmem()) : announced + 1;
  try {
    // inflating stops one byte past what the header announces: a file that holds more is corrupt
    return zlib.gunzipSync(raw, { maxOutputLength: limit });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw corrupt(
        announced === undefined ? `it inflates past ${limit} bytes` : `it inflates past the ${announced} bytes its header announces`,
      );
    }
    throw corrupt((e as Error).message);
  }
}

/** Reads the file and checks its header: length, magic number and item count. */
function readHeader(file: string, kind: 'image' | 'label', expectedCount?: number): { data: Buffer; count: number } {
  const { size: headerSize, magic: expectedMagic } = HEADER[kind];
  const data = readMaybeGzip(file, kind);
  if (data.length < headerSize)
    throw new TorchError(`IDX file '${file}' is too short for an IDX ${kind} header (${data.length} bytes)`, { code: 'CORRUPT_FILE' });
  const magic = data.readUInt32BE(0);
  const hex = (m: number) => `0x${m.toString(16).padStart(8, '0')}`;
  if (magic !== expectedMagic)
    throw new TorchError(`IDX file '${file}' has magic ${hex(magic)}; expected ${hex(expectedMagic)} (IDX ${kind}s)`, {
      code: 'CORRUPT_FILE',
    });
  const count = data.readUInt32BE(4);
  if (expectedCount !== undefined && count !== expectedCount)
    throw new TorchError(`IDX file '${file}' holds ${count} ${kind}s; expected ${expectedCount}`);
  if (count === 0) throw new TorchError(`IDX file '${file}' holds no ${kind}s (its count is 0)`, { code: 'CORRUPT_FILE' });
  return { data, count };
}

/** Reads IDX images; `shape` is the [rows, cols] they must have (MNIST's 28×28 by default; null: any). */
export function readIdxImages(file: string, expectedCount?: number, shape: [number, number] | null = [28, 28]): IdxImages {
  const { data, count } = readHeader(file, 'image', expectedCount);
  const rows = data.readUInt32BE(8);
  const cols = data.readUInt32BE(12);
  if (rows === 0 || cols === 0)
    throw new TorchError(`IDX file '${file}' has ${rows}×${cols} images; an image needs at least one row and one column`, {
      code: 'CORRUPT_FILE',
    });
  if (shape && (rows !== shape[0] || cols !== shape[1]))
    throw new TorchError(`IDX file '${file}' has ${rows}×${cols} images; expected ${shape[0]}×${shape[1]}`, { code: 'SHAPE_MISMATCH' });
  const size = 16 + count * rows * cols;
  if (data.length !== size)
    throw new TorchError(
      `IDX file '${file}' has ${data.length} bytes; expected ${size} for ${count} images of ${rows}×${cols} (truncated or corrupt)`,
      { code: 'CORRUPT_FILE' },
    );
  return { count, rows, cols, pixels: new Uint8Array(data.buffer, data.byteOffset + 16, count * rows * cols) };
}

/** Reads IDX labels, each at most `maxLabel` (MNIST's 9 by default). */
export function readIdxLabels(file: string, expectedCount?: number, maxLabel = 9): Uint8Array {
  const { data, count } = readHeader(file, 'label', expectedCount);
  if (data.length !== 8 + count)
    throw new TorchError(`IDX file '${file}' has ${data.length} bytes; expected ${8 + count} for ${count} labels (truncated or corrupt)`, {
      code: 'CORRUPT_FILE',
    });
  const labels = new Uint8Array(data.buffer, data.byteOffset + 8, count);
  const bad = labels.findIndex((l) => l > maxLabel);
  if (bad >= 0)
    throw new TorchError(`IDX file '${file}' has label ${labels[bad]} at index ${bad}; expected 0..${maxLabel}`, { code: 'CORRUPT_FILE' });
  return labels;
}
