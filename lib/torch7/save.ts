/**
 * torch7.save: values in the file format of Torch7's torch.save (binary, 8-byte longs), written
 * atomically. Torch7's torch.load reads them: tensors as torch.*Tensor, arrays, objects and Maps as
 * tables, nn modules as the torch/nn objects of the same class with the fields its code uses.
 */
import { TorchError } from '../errors';
import { writeFileAtomic } from '../util/atomic';
import { checkFileName } from '../validate';
import { moduleWriter } from './modules';
import { ObjectWriter } from './writer';

/** Writes `value` to `file` as Torch7's torch.save(file, value) would. */
export function save(file: string, value: unknown): void {
  checkFileName(file, 'torch7.save file');
  if (arguments.length !== 2) throw new TorchError(`torch7.save(file, value) takes 2 arguments but received ${arguments.length}`);
  const writer = new ObjectWriter(moduleWriter());
  writer.write(value, 'value');
  writeFileAtomic(file, writer.bytes());
}
