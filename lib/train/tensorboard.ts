/**
 * TensorBoard's event files, written as TensorFlow's and PyTorch's SummaryWriter write them: a
 * file `events.out.tfevents.<time>.<host>.<pid>.<n>` of TFRecords (a length, the masked CRC-32C of
 * the length, an Event protocol buffer, its masked CRC-32C), holding scalars, PNG images and the
 * hparams plugin's hyper-parameters. Records are appended: each carries its checksums, so a reader
 * drops a record a crash cut short (TFRecord's own integrity rule) and keeps all before it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchError } from '../errors';
import { fileError, makeFolder } from '../util/atomic';
import { encodePng } from '../util/png';
import { bytes, double, float, int, message } from '../util/protobuf';
import { checkFileName, checkInteger, checkNumber } from '../validate';

const CRC32C = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32c(data: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotated right by 15 and offset, so that CRCs of CRCs stay sound. */
function maskedCrc(data: Buffer): Buffer {
  const c = crc32c(data);
  const out = Buffer.alloc(4);
  out.writeUInt32LE((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  return out;
}

function record(event: Buffer): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(event.length));
  return Buffer.concat([length, maskedCrc(length), event, maskedCrc(event)]);
}

let files = 0;

/** The hparams plugin's tags and version (tensorboard/plugins/hparams/metadata.py). */
const HPARAMS = {
  plugin: 'hparams',
  version: 0,
  experiment: '_hparams_/experiment',
  start: '_hparams_/session_start_info',
  end: '_hparams_/session_end_info',
};

export type HParamValue = number | string | boolean;

/**
 * Writes one run's event file in `logDir` (TensorBoard: `tensorboard --logdir <parent>`).
 *
 * @example const w = new SummaryWriter('runs/adam'); w.addScalar('loss', 0.3, 1); w.close();
 */
export class SummaryWriter {
  readonly file: string;
  #pending: Buffer[] = [];
  #closed = false;

  constructor(readonly logDir: string) {
    checkFileName(logDir, 'SummaryWriter logDir');
    makeFolder(logDir);
    this.file = path.join(logDir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}.${process.pid}.${files++}`);
    this.#write(message(double(1, Date.now() / 1000), bytes(3, 'brain.Event:2')));
    this.flush();
  }

  #write(event: Buffer): void {
    if (this.#closed) throw new TorchError(`SummaryWriter: '${this.file}' is closed`);
    this.#pending.push(record(event));
  }

  /** An Event of one Summary.Value at `step`. */
  #summary(value: Buffer, step: number, wallTime = Date.now() / 1000): void {
    this.#write(message(double(1, wallTime), int(2, step), bytes(5, message(bytes(1, value)))));
  }

  /** A scalar (TensorBoard's Scalars tab) at `step`. */
  addScalar(tag: string, value: number, step: number): void {
    checkTag(tag);
    checkNumber(value, `SummaryWriter scalar '${tag}'`);
    checkInteger(step, 'SummaryWriter step', 0);
    this.#summary(message(bytes(1, tag), float(2, value)), step);
  }

  /** An image (Images tab): 8-bit gray (channels 1) or RGB (3) pixels, row-major, height × width. */
  addImage(tag: string, image: { pixels: Uint8Array; width: number; height: number; channels: 1 | 3 }, step: number): void {
    checkTag(tag);
    checkInteger(step, 'SummaryWriter step', 0);
    const png = encodePng(image.pixels, image.width, image.height, image.channels);
    this.#summary(
      message(bytes(1, tag), bytes(4, message(int(1, image.height), int(2, image.width), int(3, image.channels), bytes(4, png)))),
      step,
    );
  }

  /**
   * Hyper-parameters and the metrics to compare runs by (HParams tab), as PyTorch's add_hparams:
   * the experiment (which hyper-parameters and metric tags), the session's values, its end. The
   * metrics are the tags of scalars this writer logs (or logs here at step 0 when given values).
   */
  addHparams(hparams: Record<string, HParamValue>, metrics: Record<string, number | null>): void {
    const pluginValue = (tag: string, content: Buffer) =>
      message(
        bytes(1, tag),
        bytes(9, message(bytes(1, message(bytes(1, HPARAMS.plugin), bytes(2, message(int(1, HPARAMS.version), content)))))),
      );
    const value = (v: HParamValue) => (typeof v === 'number' ? double(2, v) : typeof v === 'string' ? bytes(3, v) : int(4, v));
    const type = (v: HParamValue) => (typeof v === 'number' ? 3 : typeof v === 'string' ? 1 : 2);
    for (const [k, v] of Object.entries(hparams)) {
      if (!['number', 'string', 'boolean'].includes(typeof v))
        throw new TorchError(`SummaryWriter.addHparams: '${k}' is ${typeof v}; hyper-parameters are numbers, strings or booleans`);
    }
    const experiment = message(
      ...Object.entries(hparams).map(([k, v]) => bytes(4, message(bytes(1, k), int(4, type(v))))),
      ...Object.keys(metrics).map((tag) => bytes(5, message(bytes(1, message(bytes(2, tag)))))),
    );
    this.#summary(pluginValue(HPARAMS.experiment, bytes(2, experiment)), 0);
    const start = message(
      ...Object.entries(hparams).map(([k, v]) => bytes(1, message(bytes(1, k), bytes(2, value(v))))),
      double(5, Date.now() / 1000),
    );
    this.#summary(pluginValue(HPARAMS.start, bytes(3, start)), 0);
    for (const [tag, v] of Object.entries(metrics)) if (v !== null) this.addScalar(tag, v, 0);
    this.#summary(pluginValue(HPARAMS.end, bytes(4, message(int(1, 1), double(2, Date.now() / 1000)))), 0);
  }

  /** Appends what was added since the last flush to the file. */
  flush(): void {
    if (this.#pending.length === 0) return;
    try {
      fs.appendFileSync(this.file, Buffer.concat(this.#pending));
    } catch (e) {
      throw fileError('write', this.file, e);
    }
    this.#pending = [];
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }
}

function checkTag(tag: unknown): void {
  if (typeof tag !== 'string' || tag === '')
    throw new TorchError(`SummaryWriter: a tag must be a non-empty string, got ${JSON.stringify(tag)}`);
}

/** A confusion matrix as a gray image: each row (a target class) scaled by its count, black = all. */
export function confusionImage(mat: number[][], cell = 16): { pixels: Uint8Array; width: number; height: number; channels: 1 } {
  const n = mat.length;
  const size = n * cell;
  const pixels = new Uint8Array(size * size);
  mat.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, c) => {
      const shade = 255 - Math.round((255 * count) / Math.max(total, 1));
      for (let y = 0; y < cell; y++) pixels.fill(shade, (r * cell + y) * size + c * cell, (r * cell + y) * size + (c + 1) * cell);
    });
  });
  return { pixels, width: size, height: size, channels: 1 };
}
