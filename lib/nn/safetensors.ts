/**
 * safetensors (https://github.com/huggingface/safetensors): the weight format of most published
 * models. A file is an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the bytes. nn.saveSafetensors writes a model's state dict
 * under PyTorch's names (stateDict's); nn.loadSafetensors checks the whole file (header, ranges
 * that tile the data exactly, no duplicate names) before it changes the model.
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { writeFileAtomic } from '../util/atomic';
import { checkFileName } from '../validate';
import { Module, Value } from './Module';
import { copyStateDict, readStateFile, stateDict } from './statedict';

/** safetensors' dtype names for nodetorch's dtypes. */
const NAME_OF: Record<string, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** A header larger than this is refused (the format's own readers cap it at 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Writes the model's parameters and buffers as a safetensors file (atomically), under the names of
 * the equivalent torch.nn.Sequential: `safetensors.torch.load_file` gives what
 * `torchModel.load_state_dict` takes. `metadata` goes into the header's `__metadata__`.
 */
export function saveSafetensors(model: Module<Value, Value>, file: string, metadata: Record<string, string> = {}): void {
  checkFileName(file, 'saveSafetensors file');
  if (typeof metadata !== 'object' || metadata === null || Object.values(metadata).some((v) => typeof v !== 'string')) {
    throw new TorchError('saveSafetensors: metadata must be an object of strings (safetensors keeps text only)');
  }
  const entries = stateDict(model);
  try {
    const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const [name, t] of entries) {
      const cpu = t.device === 'cpu' ? t : t.cpu();
      const data = native().data(cpu.handle, true) as ArrayBufferView;
      if (cpu !== t) cpu.dispose();
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      header[name] = { dtype: NAME_OF[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
      chunks.push(bytes);
      offset += bytes.length;
    }
    // the header is padded with spaces to a multiple of 8 bytes, so that the data is aligned
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
    writeFileAtomic(file, Buffer.concat([length, Buffer.from(json), ...chunks]));
  } finally {
    entries.forEach((t) => t.dispose());
  }
}

interface Entry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** The header's tensors, each checked, and the data's start. */
function readHeader(bytes: Buffer, file: string): { entries: Map<string, Entry>; metadata: Record<string, string>; dataStart: number } {
  const bad = (why: string): never => {
    throw new TorchError(`loadSafetensors: '${file}' is not a valid safetensors file: ${why}`, { code: 'CORRUPT_FILE' });
  };
  if (bytes.length < 8) bad(`it has ${bytes.length} bytes, fewer than the 8 of the header's length`);
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(Math.min(MAX_HEADER, bytes.length - 8)))
    bad(`its header length is ${length}, beyond the file (${bytes.length} bytes)`);
  const text = bytes.toString('utf8', 8, 8 + Number(length));
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    bad(`its header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('its header is not a JSON object');
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) bad(`its header names '${duplicate}' twice`);
  const dataStart = 8 + Number(length);
  const dataLength = bytes.length - dataStart;
  const entries = new Map<string, Entry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Object.values(raw).some((v) => typeof v !== 'string'))
        bad('its __metadata__ is not an object of strings');
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) bad(`'${name}' is not described by { dtype, shape, data_offsets }`);
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES))
      bad(`'${name}' has dtype ${JSON.stringify(e.dtype)}; nodetorch reads ${Object.keys(BYTES).join(', ')}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      bad(`'${name}' has shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLength
    ) {
      bad(`'${name}' has data_offsets ${JSON.stringify(offsets)} (the data is ${dataLength} bytes)`);
    }
    const shape = e.shape as number[];
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[e.dtype as string];
    if ((offsets as number[])[1] - (offsets as number[])[0] !== expected)
      bad(
        `'${name}' (${e.dtype} [${shape}]) needs ${expected} bytes but its data_offsets span ${(offsets as number[])[1] - (offsets as number[])[0]}`,
      );
    entries.set(name, { dtype: e.dtype as string, shape, begin: (offsets as number[])[0], end: (offsets as number[])[1] });
  }
  // the ranges tile the data: no gap, no overlap, nothing after (the format's rule)
  const ranges = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let at = 0;
  for (const [name, e] of ranges) {
    if (e.begin !== at) bad(`the bytes of '${name}' start at ${e.begin}, where ${at} was expected (ranges overlap or leave a gap)`);
    at = e.end;
  }
  if (at !== dataLength) bad(`its tensors cover ${at} of the ${dataLength} data bytes`);
  return { entries, metadata, dataStart };
}

/** A key that a JSON object's top level names twice (JSON.parse would silently keep the last). */
function duplicateKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const token = text.slice(i, j + 1);
      i = j;
      if (depth === 1 && /^\s*:/.test(text.slice(j + 1, j + 20))) {
        const key = JSON.parse(token) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

/** One tensor's bytes as a nodetorch tensor (I16 and I8 as int32). */
function toTensor(bytes: Buffer, e: Entry): Tensor {
  const raw = bytes.subarray(e.begin, e.end);
  const n = e.shape.reduce((a, b) => a * b, 1);
  const copy = Buffer.from(raw); // aligned, owned
  const view = <T>(ArrayType: new (b: ArrayBuffer, o: number, n: number) => T) => new ArrayType(copy.buffer, copy.byteOffset, n);
  const make = (data: ArrayBufferView, dtype: string) => new Tensor(native().fromBuffer(data as never, e.shape, dtype as never, 'cpu'));
  switch (e.dtype) {
    case 'F64':
      return make(view(Float64Array), 'float64');
    case 'F32':
      return make(view(Float32Array), 'float32');
    case 'I64':
      return make(view(BigInt64Array), 'int64');
    case 'I32':
      return make(view(Int32Array), 'int32');
    case 'U8':
      return make(new Uint8Array(copy), 'uint8');
    case 'BOOL':
      return make(new Uint8Array(copy), 'bool');
    case 'F16':
      return make(view(Uint16Array), 'float16');
    case 'BF16':
      return make(view(Uint16Array), 'bfloat16');
    case 'I16':
      return make(
        Int32Array.from({ length: n }, (_, i) => copy.readInt16LE(2 * i)),
        'int32',
      );
    default:
      return make(
        Int32Array.from({ length: n }, (_, i) => copy.readInt8(i)),
        'int32',
      );
  }
}

/**
 * Loads a safetensors file (written by Python's `safetensors.torch.save_file(model.state_dict(), f)`,
 * or by saveSafetensors) into the model: names and shapes must match the model's exactly; values
 * convert to the model's dtype. Nothing changes unless everything matches. Returns the metadata.
 */
export function loadSafetensors(model: Module<Value, Value>, file: string): Record<string, string> {
  const bytes = readStateFile(model, file, 'loadSafetensors');
  const { entries, metadata, dataStart } = readHeader(bytes, file);
  const data = bytes.subarray(dataStart);
  const tensors = new Map([...entries].map(([name, e]) => [name, toTensor(data, e)]));
  try {
    copyStateDict(model, tensors, `loadSafetensors: '${file}'`, file);
  } finally {
    tensors.forEach((t) => t.dispose());
  }
  return metadata;
}
