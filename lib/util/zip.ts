/**
 * The zip container of torch.save files, nodetorch's models and checkpoints: each entry checked
 * against the CRC-32 its central directory records, before anything is decoded. LibTorch's reader
 * (miniz, built without its CRC checks) reads a flipped bit as a wrong number; Python's
 * zipfile.testzip() flags it. Read here in memory and synchronously, as the callers load: the
 * format's few fixed records (APPNOTE 4.3) do not need a library.
 */
import * as zlib from 'zlib';

export interface ZipEntry {
  name: string;
  /** The entry's bytes, inflated when compressed. */
  data: Buffer;
}

/** zlib.crc32 (Node 20.15 and 22.2 on); a table-driven CRC-32 (the same polynomial) before that. */
export const crc32: (data: Buffer) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data) => zlib.crc32(data) >>> 0
    : (() => {
        const table = Array.from({ length: 256 }, (_, n) => {
          let c = n;
          for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
          return c >>> 0;
        });
        return (data: Buffer) => {
          let c = 0xffffffff;
          for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
          return (c ^ 0xffffffff) >>> 0;
        };
      })();

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The reason a buffer is not a sound zip archive; thrown as DamagedZip and worded by the caller. */
export class DamagedZip extends Error {}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DamagedZip(`a size or offset of ${v} bytes`);
  return Number(v);
}

/** The central directory's place and entry count, through the zip64 records where needed. */
function directory(b: Buffer): { offset: number; size: number; count: number } {
  const lowest = Math.max(0, b.length - 22 - 0xffff);
  let end = -1;
  for (let at = b.length - 22; at >= lowest; at--) {
    if (b.readUInt32LE(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new DamagedZip('no end of central directory record (not a zip archive, or truncated)');
  let count = b.readUInt16LE(end + 10);
  let size = b.readUInt32LE(end + 12);
  let offset = b.readUInt32LE(end + 16);
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && end >= 20 && b.readUInt32LE(end - 20) === ZIP64_LOCATOR) {
    const at = u64(b, end - 20 + 8);
    if (at + 56 > b.length || b.readUInt32LE(at) !== ZIP64_EOCD)
      throw new DamagedZip('a zip64 end of central directory record that is missing');
    count = u64(b, at + 32);
    size = u64(b, at + 40);
    offset = u64(b, at + 48);
  }
  if (offset + size > b.length) throw new DamagedZip(`a central directory beyond the end of the file (truncated?)`);
  return { offset, size, count };
}

/**
 * Every entry of the archive in `bytes`, each checked against its recorded CRC-32 and sizes.
 * Throws DamagedZip naming the first entry that fails.
 */
export function readZipEntries(bytes: Buffer): ZipEntry[] {
  const { offset, count } = directory(bytes);
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL)
      throw new DamagedZip(`central directory entry ${k + 1} of ${count} is missing`);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    let compressed = bytes.readUInt32LE(at + 20);
    let size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    let local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    // zip64: the fields saturated at 0xffffffff follow in the extra field 0x0001, in this order
    const extra = bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length;) {
      const id = extra.readUInt16LE(e);
      const length = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const next = () => {
          if (f + 8 > e + 4 + length) throw new DamagedZip(`entry '${name}' has a short zip64 field`);
          const v = u64(extra, f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + length;
    }
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== LOCAL)
      throw new DamagedZip(`entry '${name}' has no local header where the directory says`);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (start + compressed > bytes.length) throw new DamagedZip(`entry '${name}' runs past the end of the file (truncated)`);
    const raw = bytes.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch (e) {
        throw new DamagedZip(`entry '${name}' does not inflate (${(e as Error).message})`);
      }
    } else throw new DamagedZip(`entry '${name}' uses compression method ${method}, which nodetorch does not read`);
    if (data.length !== size) throw new DamagedZip(`entry '${name}' holds ${data.length} bytes; its directory says ${size}`);
    const actual = crc32(data);
    if (actual !== crc) {
      throw new DamagedZip(
        `entry '${name}' fails its CRC-32 check (recorded ${crc.toString(16).padStart(8, '0')}, computed ${actual.toString(16).padStart(8, '0')})`,
      );
    }
    entries.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
