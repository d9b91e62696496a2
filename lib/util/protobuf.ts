/**
 * Protocol Buffers' wire format, the few encodings TensorBoard's event files need (tensorboard's
 * event.proto and summary.proto): varints, 32- and 64-bit fields, length-delimited fields.
 */

/** One encoded field, concatenated into a message by `message`. */
export type Field = Buffer;

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

/** An int32/int64/enum/bool field (wire type 0). */
export function int(field: number, value: number | bigint | boolean): Field {
  return Buffer.concat([key(field, 0), varint(typeof value === 'boolean' ? Number(value) : value)]);
}

/** A double field (wire type 1). */
export function double(field: number, value: number): Field {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return Buffer.concat([key(field, 1), b]);
}

/** A float field (wire type 5). */
export function float(field: number, value: number): Field {
  const b = Buffer.alloc(4);
  b.writeFloatLE(value);
  return Buffer.concat([key(field, 5), b]);
}

/** A string, bytes or embedded-message field (wire type 2). */
export function bytes(field: number, value: string | Buffer): Field {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([key(field, 2), varint(data.length), data]);
}

/** A message: its fields in order (absent ones left out). */
export function message(...fields: (Field | undefined)[]): Buffer {
  return Buffer.concat(fields.filter((f): f is Field => f !== undefined));
}
