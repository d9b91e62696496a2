/**
 * jit: TorchScript modules that PyTorch saved (torch.jit.save of torch.jit.script or trace) as
 * nodetorch modules: forward (sync, or through the Trainer off the event loop), to(), evaluate(),
 * and training: their parameters and buffers, under PyTorch's names, go into the Trainer (every
 * optimizer, schedules, checkpoints), and nn.saveStateDict / nn.saveSafetensors write what
 * PyTorch's load_state_dict reads.
 *
 * @example const model = jit.load('resnet.pt'); model.evaluate(); model.forward(images)
 */
import * as fs from 'fs';
import { TorchError } from '../errors';
import { native } from '../native';
import { Module, Value } from '../nn/Module';
import type { Tensor } from '../tensor';
import { registerNativeModules } from '../nn/serialize';
import { readZipEntries } from '../util/zip';
import { checkFileName } from '../validate';
import { checkRegularFile } from '../util/atomic';

/** A TorchScript module: its code runs in LibTorch's interpreter; its parameters are nodetorch's. */
export class ScriptModule<Out extends Value = Tensor, In extends Value = Tensor> extends Module<Out, In> {
  /** Loads `file` (jit.load explains a file that LibTorch refuses). */
  constructor(file: string) {
    super('TorchScript', [checkFileName(file, 'jit.load file')], { file });
    // keep the file's dtype (PyTorch's models are float32), whatever the default for new modules
    const [first] = this.namedState().filter(([, t]) => t.dtype === 'float32' || t.dtype === 'float64');
    if (first) {
      const dtype = first[1].dtype as 'float32' | 'float64';
      this.namedState().forEach(([, t]) => t.dispose());
      this.to(dtype);
    }
  }
}

/** Why LibTorch refused a file, with the file's format version and this LibTorch's. */
function explain(file: string, message: string): string {
  let format = 'unknown';
  try {
    const entry = readZipEntries(fs.readFileSync(file)).find((e) => /^[^/]+\/version$/.test(e.name));
    if (entry) format = entry.data.toString('utf8').trim();
  } catch {
    return `'${file}' is not a TorchScript file (torch.jit.save writes a zip archive): ${message}`;
  }
  const { version } = native().libtorchInfo();
  return `'${file}' (TorchScript file format version ${format}) cannot be read by this LibTorch ${version}: ${message.replace(/^.*cannot load '[^']*' as TorchScript: /, '')}. A file from a newer PyTorch than the LibTorch nodetorch runs on needs a LibTorch at least as new (or save it with that PyTorch version)`;
}

/** Loads a TorchScript module saved by PyTorch's torch.jit.save, on the CPU, in training mode. */
export function load<Out extends Value = Tensor, In extends Value = Tensor>(file: string): ScriptModule<Out, In> {
  checkFileName(file, 'jit.load file');
  if (!fs.existsSync(file)) throw new TorchError(`jit.load: no file '${file}'`, { code: 'IO' });
  checkRegularFile(file);
  try {
    return new ScriptModule<Out, In>(file);
  } catch (e) {
    throw new TorchError(`jit.load: ${explain(file, (e as Error).message)}`, { code: 'CORRUPT_FILE' });
  }
}

// nn.load rebuilds a saved TorchScript module from its file (model.net.<epoch> of a fit over one)
registerNativeModules({ TorchScript: ScriptModule as never });
