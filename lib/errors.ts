/**
 * The one error class nodetorch throws: for bad arguments found in TypeScript and for every
 * failure inside LibTorch (converted at the native boundary, never a crash). The message names
 * the operation, what was wrong and what was expected; `code` says what kind of failure it is, so
 * that callers branch on it rather than on the wording, and `op` names the operation.
 */

/** The kinds of failure (native/engine/engine.h's ErrorCode lists the same names). */
export const ERROR_CODES = [
  /** A bad argument or option: a wrong value, type, range or combination. */
  'INVALID_ARGUMENT',
  /** Tensor shapes that do not fit the operation or each other. */
  'SHAPE_MISMATCH',
  /** A dtype the operation does not take, or tensors of different dtypes. */
  'DTYPE_MISMATCH',
  /** A device that is not there (CUDA without a GPU) or tensors on different devices. */
  'DEVICE',
  /** A tensor used after dispose() (or after tidy freed it). */
  'DISPOSED',
  /** Stopped by an AbortSignal (the error is an AbortError). */
  'ABORTED',
  /** A file or socket that cannot be read or written (missing, no permission, disk full). */
  'IO',
  /** A file that is damaged, truncated or of another format: detected, never loaded as wrong numbers. */
  'CORRUPT_FILE',
  /** A collective, process group or peer failed (c10d). */
  'DISTRIBUTED',
  /** Memory (CPU or GPU) ran out. */
  'OUT_OF_MEMORY',
  /** This LibTorch has no kernel for the operation with these dtypes or on this device. */
  'NOT_IMPLEMENTED',
  /** A model, optimizer or group in use by a running pass. */
  'BUSY',
  /** A failure nodetorch did not foresee: please report it. */
  'INTERNAL',
] as const;
export type TorchErrorCode = (typeof ERROR_CODES)[number];

export interface TorchErrorOptions {
  /** The kind of failure; INVALID_ARGUMENT when not given. */
  code?: TorchErrorCode;
  /** The operation that failed, as the message's prefix names it (e.g. 'matmul', 'nn.load'). */
  op?: string;
  /** The error that caused this one. */
  cause?: unknown;
}

export class TorchError extends Error {
  override name = 'TorchError';
  /** What kind of failure this is. */
  code: TorchErrorCode;
  /** The operation that failed, where known. */
  op: string | undefined;

  constructor(message: string, options: TorchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? 'INVALID_ARGUMENT';
    this.op = options.op;
  }

  /** The message without its "<op>: " prefix: what went wrong, for a caller that names the operation itself. */
  get reason(): string {
    return this.op !== undefined && this.message.startsWith(`${this.op}: `) ? this.message.slice(this.op.length + 2) : this.message;
  }

  /** Names the failure after the operation the caller knows (a public name for an internal one): `${op}: ${reason}`. */
  renamed(op: string): this {
    this.message = `${op}: ${this.reason}`;
    this.op = op;
    return this;
  }
}

/** A pass or download stopped by an AbortSignal: name 'AbortError', as the platform's, code ABORTED. */
export class AbortError extends TorchError {
  override name = 'AbortError';
  constructor(message: string, options: Omit<TorchErrorOptions, 'code'> = {}) {
    super(message, { ...options, code: 'ABORTED' });
  }
}
