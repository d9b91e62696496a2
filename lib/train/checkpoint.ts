/**
 * Checkpoint files: everything a Trainer needs to resume exactly, in one archive written
 * atomically: the flat parameters, the optimizer (method, config, its scalar and tensor state), the
 * epoch count, the random generator's state, and the model's spec (to refuse another model).
 */
import { TorchError } from '../errors';
import { NativeOptimizer, NativeTensor, native } from '../native';
import { Module } from '../nn/Module';
import { MODULE_FORMAT_VERSION, upgradeSpec } from '../nn/serialize';
import { Tensor } from '../tensor';
import { readArchive, writeArchive } from '../util/archive';
import type { OptimizerSpec } from './Trainer';

export interface CheckpointContents {
  epoch: number;
  optimizer: OptimizerSpec;
  params: Tensor;
  scalars: Record<string, number>;
  tensors: Record<string, NativeTensor>;
  rng: NativeTensor;
}

/** Writes a checkpoint of `model`'s flat `params` and the native optimizer `handle`. */
export function writeCheckpoint(file: string, model: Module, params: Tensor, spec: OptimizerSpec, handle: NativeOptimizer, epoch: number): void {
  const scalars = native().optimizerState(handle);
  const named = native().optimizerTensors(handle);
  const names = Object.keys(named);
  const rng = native().rngState();
  const description = {
    format: 'nodetorch-checkpoint',
    version: MODULE_FORMAT_VERSION, // the model's spec is in the module file format
    epoch,
    rng: names.length + 1, // index of the generator state among the tensors
    optimizer: spec,
    scalars,
    tensors: names,
    module: model.spec(),
    dtype: model.dtype,
  };
  try {
    writeArchive(file, JSON.stringify(description), [params.handle, ...names.map((n) => named[n]), rng]);
  } finally {
    names.forEach((n) => new Tensor(named[n]).dispose());
    new Tensor(rng).dispose();
  }
}

/**
 * Reads a checkpoint for `model` (refusing one of another structure) and hands its contents to
 * `apply`; the tensors read are freed afterwards.
 */
export function readCheckpoint(file: string, model: Module, apply: (contents: CheckpointContents) => void): void {
  const { json, tensors } = readArchive(file, 'loadCheckpoint');
  const owned = tensors.map((t) => new Tensor(t));
  try {
    const d = JSON.parse(json);
    if (d.format !== 'nodetorch-checkpoint') throw new TorchError(`loadCheckpoint: '${file}' is not a nodetorch checkpoint`);
    if (JSON.stringify(upgradeSpec(d.module, d.version)) !== JSON.stringify(model.spec())) {
      throw new TorchError(`loadCheckpoint: '${file}' holds a different model structure than this Trainer's`);
    }
    const named: Record<string, NativeTensor> = {};
    (d.tensors as string[]).forEach((n, i) => (named[n] = owned[i + 1].handle));
    apply({ epoch: d.epoch, optimizer: d.optimizer, params: owned[0], scalars: d.scalars, tensors: named, rng: owned[d.rng].handle });
  } finally {
    owned.forEach((t) => t.dispose());
  }
}
