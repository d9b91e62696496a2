/**
 * nodetorch: Torch7-style nn/optim training on LibTorch for Node.js.
 */
export { TorchError } from './errors';
export { Tensor } from './tensor';
export type { DType, Device, NestedArray, IndexSpec } from './tensor';
export { tensor, zeros, ones, full, rand, randn, randperm, arange, cat, manualSeed, setNumThreads, getNumThreads } from './creation';
export type { TensorOptions } from './creation';
export { tidy, keep, memory } from './memory';
export { noGrad, isGradEnabled } from './autograd';
export * as cuda from './cuda';

import { native } from './native';
import type { LibTorchInfo } from './native';
export type { LibTorchInfo } from './native';
/** The LibTorch version the addon was built against, e.g. '2.13.0'. */
export function libtorchVersion(): string {
  return native().libtorchVersion();
}
/** The LibTorch compiled against and the one loaded (same version: the loader refuses a mismatch). */
export function libtorchInfo(): LibTorchInfo {
  return native().libtorchInfo();
}
export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
export { Trainer, ConfusionMatrix, Logger } from './train';
export type { OptimizerSpec, TrainerOptions, Dataset, BatchDataset, TrainingData, Progress, PassResult, EpochResult, PassOptions, FitOptions, Task, ClassificationResult, RegressionResult, PassResultOf } from './train';
export type { ScheduleSpec, SchedulePer, PlateauMetric, ScheduleState } from './train';
export * as models from './models';
export * as augment from './augment';
export * as plot from './plot';
