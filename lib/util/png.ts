/**
 * A PNG encoder for 8-bit grayscale or RGB images (TensorBoard shows images as PNG): the signature,
 * IHDR, one zlib-compressed IDAT of unfiltered rows, IEND; each chunk with its CRC-32.
 */
import * as zlib from 'zlib';
import { crc32 } from './zip';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** PNG bytes of a height × width image, `channels` 1 (gray) or 3 (RGB) bytes per pixel, row-major. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  if (pixels.length !== width * height * channels)
    throw new RangeError(`encodePng: ${pixels.length} bytes for a ${width}×${height}×${channels} image`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = channels === 1 ? 0 : 2; // grayscale or truecolour
  // compression, filter and interlace methods 0
  const rows = Buffer.alloc(height * (1 + width * channels));
  for (let r = 0; r < height; r++) {
    rows[r * (1 + width * channels)] = 0; // filter type None
    rows.set(pixels.subarray(r * width * channels, (r + 1) * width * channels), r * (1 + width * channels) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
