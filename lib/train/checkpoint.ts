/**
 * Checkpoint files: everything a Trainer needs to resume exactly, in one archive written
 * atomically with a digest: the flat parameters, the optimizer (method, config, its scalar and
 * tensor state), the epoch count, the random generator's state, the weight average (Trainer ema),
 * and the model's spec (to refuse another model).
 */
import { TorchError } from '../errors';
import { NativeOptimizer, NativeTensor, native } from '../native';
import { Module, ModuleSpec } from '../nn/Module';
import { checkNesting, upgradeSpec } from '../nn/serialize';
import { Tensor } from '../tensor';
import { FILE_FORMAT_VERSION, readArchive, writeArchive } from '../util/archive';
import type { OptimizerSpec } from './Trainer';
import type { AverageState } from './average';
import type { ScheduleSpec, ScheduleState } from './schedule';

/** A learning-rate schedule and its progress. */
export interface SavedSchedule {
  spec: ScheduleSpec;
  state: ScheduleState;
}

export interface CheckpointContents {
  epoch: number;
  optimizer: OptimizerSpec;
  params: Tensor;
  scalars: Record<string, number>;
  tensors: Record<string, NativeTensor>;
  rng: NativeTensor;
  /** The model's buffers (running statistics), in namedBuffers() order; none in files before version 4. */
  buffers: NativeTensor[];
  /** Null or absent (files written before schedules) without a schedule. */
  schedule?: SavedSchedule | null;
  /** precision 'fp16': the dynamic loss scale and its count of good steps; absent otherwise. */
  lossScale?: LossScaleState;
  /** The Trainer's weight average (option ema) once it holds a step; absent otherwise. */
  average?: { state: AverageState; tensor: Tensor };
}

/** PyTorch GradScaler's state: the scale and the steps without overflow since it last changed. */
export interface LossScaleState {
  scale: number;
  goodSteps: number;
}

interface CheckpointDescription {
  format: string;
  version: number;
  epoch: number;
  rng: number;
  optimizer: OptimizerSpec;
  scalars: Record<string, number>;
  tensors: string[];
  /** How many buffers follow the generator state (absent before version 4: none). */
  buffers?: number;
  module: ModuleSpec;
  dtype: string;
  schedule?: SavedSchedule | null;
  lossScale?: LossScaleState;
  /** The weight average's decay and updates; its tensor is the last one. */
  average?: AverageState;
}

/** Writes a checkpoint of `model`'s flat `params` and the native optimizer `handle`. */
export function writeCheckpoint(
  file: string,
  model: Module,
  params: Tensor,
  spec: OptimizerSpec,
  handle: NativeOptimizer,
  epoch: number,
  schedule: SavedSchedule | null,
  lossScale?: LossScaleState,
  average?: { state: AverageState; tensor: Tensor },
): void {
  const scalars = native().optimizerState(handle);
  const named = native().optimizerTensors(handle);
  const names = Object.keys(named);
  const rng = native().rngState();
  const buffers = model.namedBuffers().map(([, t]) => t);
  const description: CheckpointDescription = {
    format: 'nodetorch-checkpoint',
    version: FILE_FORMAT_VERSION,
    epoch,
    rng: names.length + 1, // index of the generator state among the tensors
    optimizer: spec,
    scalars,
    tensors: names,
    buffers: buffers.length,
    module: model.spec(),
    dtype: model.dtype,
    schedule,
    ...(lossScale ? { lossScale } : {}),
    ...(average ? { average: average.state } : {}),
  };
  try {
    writeArchive(file, JSON.stringify(description), [
      params.handle,
      ...names.map((n) => named[n]),
      rng,
      ...buffers.map((b) => b.handle),
      ...(average ? [average.tensor.handle] : []),
    ]);
  } finally {
    names.forEach((n) => new Tensor(named[n]).dispose());
    new Tensor(rng).dispose();
    buffers.forEach((b) => b.dispose());
  }
}

/**
 * A model structure for comparing checkpoints: View/Reshape's leading -1 (the batch-keeping form
 * the MNIST models use since checkpoints of Reshape(1600) were written) holds the same parameters.
 */
function structureKey(spec: ModuleSpec): string {
  return JSON.stringify(spec, function (key, value) {
    if (
      (this as ModuleSpec).type !== undefined &&
      key === 'args' &&
      ['View', 'Reshape'].includes((this as ModuleSpec).type) &&
      Array.isArray(value) &&
      value[0] === -1
    )
      return value.slice(1);
    return value;
  });
}

/**
 * Reads a checkpoint for `model`, refusing one of another structure or one whose description does
 * not hold together, and hands its contents to `apply` (which must validate before it changes
 * anything); the tensors read are freed afterwards.
 */
export function readCheckpoint(file: string, model: Module, apply: (contents: CheckpointContents) => void): void {
  const { description: d, tensors } = readArchive<CheckpointDescription>(file, 'loadCheckpoint', 'nodetorch-checkpoint');
  const owned = tensors.map((t) => new Tensor(t));
  try {
    const damaged = (what: string) => new TorchError(`loadCheckpoint: '${file}' is damaged: ${what}`, { code: 'CORRUPT_FILE' });
    if (!Array.isArray(d.tensors) || d.tensors.some((n) => typeof n !== 'string'))
      throw damaged('its list of optimizer tensors is not a list of names');
    const buffers = d.buffers ?? 0;
    if (!Number.isInteger(buffers) || buffers < 0) throw damaged(`it counts ${JSON.stringify(d.buffers)} buffers`);
    const av = d.average;
    if (
      av !== undefined &&
      (typeof av !== 'object' || av === null || !(av.decay > 0 && av.decay < 1) || !Number.isInteger(av.updates) || av.updates < 1)
    )
      throw damaged(`its weight average is ${JSON.stringify(av)}`);
    const averages = av ? 1 : 0;
    if (d.rng !== d.tensors.length + 1 || owned.length !== d.tensors.length + 2 + buffers + averages) {
      throw damaged(
        `it holds ${owned.length} tensors for ${d.tensors.length} optimizer tensors, ${buffers} buffers and ${averages} weight averages`,
      );
    }
    if (av && owned[owned.length - 1].numel !== owned[0].numel)
      throw damaged(`its weight average holds ${owned[owned.length - 1].numel} values for ${owned[0].numel} parameters`);
    if (!Number.isInteger(d.epoch) || d.epoch < 0) throw damaged(`its epoch is ${JSON.stringify(d.epoch)}`);
    if (typeof d.scalars !== 'object' || d.scalars === null || Object.values(d.scalars).some((v) => typeof v !== 'number'))
      throw damaged('its optimizer scalars are not numbers');
    if (typeof d.optimizer !== 'object' || d.optimizer === null) throw damaged('it names no optimizer');
    if (
      d.schedule != null &&
      (typeof d.schedule !== 'object' || typeof d.schedule.spec !== 'object' || typeof d.schedule.state !== 'object')
    )
      throw damaged('its schedule is not one');
    const ls = d.lossScale;
    if (
      ls !== undefined &&
      (typeof ls !== 'object' ||
        ls === null ||
        !(ls.scale > 0 && Number.isFinite(ls.scale)) ||
        !Number.isInteger(ls.goodSteps) ||
        ls.goodSteps < 0)
    ) {
      throw damaged(`its loss scale is ${JSON.stringify(ls)}`);
    }
    checkNesting(d.module, file);
    if (structureKey(upgradeSpec(d.module, d.version)) !== structureKey(model.spec())) {
      throw new TorchError(`loadCheckpoint: '${file}' holds a different model structure than this Trainer's`);
    }
    const named: Record<string, NativeTensor> = {};
    d.tensors.forEach((n, i) => (named[n] = owned[i + 1].handle));
    const saved = owned.slice(d.rng + 1, d.rng + 1 + buffers).map((t) => t.handle);
    apply({
      epoch: d.epoch,
      optimizer: d.optimizer,
      params: owned[0],
      scalars: d.scalars,
      tensors: named,
      rng: owned[d.rng].handle,
      buffers: saved,
      schedule: d.schedule,
      ...(ls ? { lossScale: ls } : {}),
      ...(av ? { average: { state: av, tensor: owned[owned.length - 1] } } : {}),
    });
  } finally {
    owned.forEach((t) => t.dispose());
  }
}
