/**
 * PyTorch state dicts: a model's parameters under the names the equivalent torch.nn.Sequential
 * gives them ('0.weight', '0.bias', '9.weight', …: the module's 0-based position, nested
 * containers joined with dots), in the file format of Python's torch.save, written and read by
 * LibTorch's pickler. Python reads the file with torch.load (weights_only, the default) and
 * model.load_state_dict; nodetorch reads what Python's torch.save(dict(model.state_dict()), file)
 * wrote (a plain dict: LibTorch's unpickler cannot rebuild an OrderedDict).
 */
import * as fs from 'fs';
import { TorchError } from '../errors';
import { native } from '../native';
import { Tensor, isFloatDtype } from '../tensor';
import { checkRegularFile, fileError, writeFileAtomic } from '../util/atomic';
import { checkZipArchive } from '../util/archive';
import { checkFileName } from '../validate';
import { Module, Value } from './Module';

/** The model's parameters under PyTorch's names, in order; the tensors share the model's memory. */
export function stateDict(model: Module<Value, Value>): Map<string, Tensor> {
  if (!(model instanceof Module)) throw new TorchError(`stateDict: expected an nn module but received ${typeof model}`);
  model.refuseWhileTraining('stateDict');
  try {
    return new Map(model.namedState());
  } catch (e) {
    if (e instanceof TorchError) e.message = `stateDict: ${e.message}`;
    throw e;
  }
}

/**
 * Writes the model's parameters as a PyTorch state dict (atomically): in Python,
 * `torchModel.load_state_dict(torch.load(file))` loads them into the equivalent nn.Sequential.
 */
export function saveStateDict(model: Module<Value, Value>, file: string): void {
  checkFileName(file, 'saveStateDict file');
  const entries = stateDict(model);
  try {
    const bytes = native().encodeStateDict(
      [...entries.keys()],
      [...entries.values()].map((t) => t.handle),
    );
    writeFileAtomic(file, bytes);
  } finally {
    entries.forEach((t) => t.dispose());
  }
}

/**
 * Loads a state dict written by Python's `torch.save(dict(model.state_dict()), file)` (or by
 * saveStateDict) into the model. Names must match the model's exactly and shapes too; floating
 * values are converted to the model's dtype (as PyTorch's load_state_dict copies). Nothing is
 * changed unless everything matches.
 */
export function loadStateDict(model: Module<Value, Value>, file: string): void {
  const bytes = readStateFile(model, file, 'loadStateDict');
  checkZipArchive(bytes, file, 'loadStateDict');
  let decoded: { names: string[]; tensors: Tensor[] };
  try {
    const raw = native().decodeStateDict(bytes);
    decoded = { names: raw.names, tensors: raw.tensors.map((t) => new Tensor(t)) };
  } catch (e) {
    // A pickle whose top object is an OrderedDict, as torch.save(model.state_dict()) writes:
    // LibTorch's unpickler reads collections.OrderedDict as None (it expects one only inside a tensor).
    if (bytes.includes(Buffer.from('\x80\x02ccollections\nOrderedDict\n', 'latin1'))) {
      throw new TorchError(
        `loadStateDict: '${file}' holds a collections.OrderedDict (what model.state_dict() returns), which LibTorch's unpickler cannot read; in Python, save a plain dict: torch.save(dict(model.state_dict()), '${file}')`,
      );
    }
    throw new TorchError(`loadStateDict: cannot read '${file}': ${(e as Error).message}`, { code: 'IO' });
  }
  try {
    copyStateDict(model, new Map(decoded.names.map((name, k) => [name, decoded.tensors[k]])), `loadStateDict: '${file}'`, file);
  } finally {
    decoded.tensors.forEach((t) => t.dispose());
  }
}

/** The bytes of a state-dict file to load into `model`, after checking the call (`what` names it). */
export function readStateFile(model: Module<Value, Value>, file: string, what: string): Buffer {
  checkFileName(file, `${what} file`);
  if (!(model instanceof Module)) throw new TorchError(`${what}: expected an nn module but received ${typeof model}`);
  model.refuseWhileTraining(what);
  checkRegularFile(file);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw fileError('read', file, e);
  }
}

/**
 * Copies a state dict's tensors into the model's parameters and buffers: every name must match
 * (none missing, none extra) and every shape; floating values convert to the model's dtype, as
 * PyTorch's load_state_dict. Nothing is changed unless everything matches. `what` begins errors.
 */
export function copyStateDict(model: Module<Value, Value>, found: Map<string, Tensor>, what: string, file = 'the file'): void {
  const expected = stateDict(model);
  try {
    const missing = [...expected.keys()].filter((name) => !found.has(name));
    const unexpected = [...found.keys()].filter((name) => !expected.has(name));
    if (missing.length > 0 || unexpected.length > 0) {
      const list = (names: string[]) => names.slice(0, 6).join(', ') + (names.length > 6 ? `, … (${names.length} in all)` : '');
      throw new TorchError(
        `${what} does not match this model: ${[missing.length ? `missing ${list(missing)}` : '', unexpected.length ? `unexpected ${list(unexpected)}` : ''].filter(Boolean).join('; ')}` +
          ` (the model's names: ${list([...expected.keys()])})`,
      );
    }
    const prefix = what.split(':')[0];
    for (const [name, target] of expected) {
      const source = found.get(name)!;
      if (source.shape.join() !== target.shape.join()) {
        throw new TorchError(
          `${prefix}: '${name}' has shape [${source.shape.join(', ')}] in '${file}' but [${target.shape.join(', ')}] in the model`,
          { code: 'SHAPE_MISMATCH' },
        );
      }
      const floating = (t: Tensor) => isFloatDtype(t.dtype);
      if (floating(target) && !floating(source)) {
        throw new TorchError(
          `${prefix}: '${name}' is ${source.dtype} in '${file}'; parameters and running statistics are floating (float32, float64, float16 or bfloat16)`,
          { code: 'DTYPE_MISMATCH' },
        );
      }
      if (!floating(target) && (floating(source) || source.dtype === 'bool')) {
        throw new TorchError(`${prefix}: '${name}' is ${source.dtype} in '${file}'; it is a count (int64) in the model`, {
          code: 'DTYPE_MISMATCH',
        });
      }
    }
    for (const [name, target] of expected) target.copy(found.get(name)!);
  } finally {
    expected.forEach((t) => t.dispose());
  }
}
