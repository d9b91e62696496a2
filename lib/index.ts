/**
 * nodetorch: Torch7-style nn/optim training on LibTorch for Node.js.
 */
export { AbortError, ERROR_CODES, TorchError } from './errors';
export type { TorchErrorCode, TorchErrorOptions } from './errors';
export { Tensor, fromShared } from './tensor';
export type {
  DType,
  Device,
  NestedArray,
  NestedNumbers,
  NestedBooleans,
  NumericDType,
  FloatDType,
  ItemOf,
  DataOf,
  NestedOf,
  IndexSpec,
  SharedTensor,
} from './tensor';
export {
  tensor,
  zeros,
  ones,
  full,
  rand,
  randn,
  randperm,
  arange,
  cat,
  manualSeed,
  setNumThreads,
  getNumThreads,
  setDefaultDtype,
  getDefaultDtype,
} from './creation';
export type { TensorOptions } from './creation';
export { tidy, keep, memory, cpuCache, emptyCache, mallocInUse } from './memory';
import { ops } from './ops';
export { linalg, TENSOR_OPS, FUNCTION_OPS, LINALG_OPS } from './ops';
export type { OpSpec } from './ops';
/** The identity matrix (op table). */
export const eye = ops.eye;
export const linspace = ops.linspace;
export const logspace = ops.logspace;
export const randint = ops.randint;
export const empty = ops.empty;
export const zerosLike = ops.zerosLike;
export const onesLike = ops.onesLike;
export const fullLike = ops.fullLike;
export const emptyLike = ops.emptyLike;
export const randLike = ops.randLike;
export const randnLike = ops.randnLike;
export const stack = ops.stack;
export const where = ops.where;
export const einsum = ops.einsum;
export { noGrad, isGradEnabled } from './autograd';
export * as cuda from './cuda';
export * as distributed from './distributed';

import { openblasCoreTypeChosen } from './blas_coretype';
import { addonFile, native } from './native';
import type { LibTorchInfo } from './native';
export type { LibTorchInfo } from './native';
/** The LibTorch version the addon was built against, e.g. '2.13.0'. */
export function libtorchVersion(): string {
  return native().libtorchVersion();
}
/** The LibTorch compiled against and the one loaded (same version: the loader refuses a mismatch). */
export function libtorchInfo(): LibTorchInfo {
  return { ...native().libtorchInfo(), addon: addonFile(), openblasCoreType: openblasCoreTypeChosen() };
}
export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
export { Trainer, ConfusionMatrix, Logger, EarlyStopping, SummaryWriter, formatProfile } from './train';
export type { BatchEnd, Callback, EarlyStoppingOptions, EpochEnd, EpochMetric, TrainerControl, FitResults, HParamValue } from './train';
export type {
  OptimizerSpec,
  TrainerOptions,
  Dataset,
  BatchDataset,
  TrainingData,
  Progress,
  PassResult,
  EpochResult,
  PassOptions,
  FitOptions,
  Task,
  ClassificationResult,
  RegressionResult,
  PassResultOf,
  Precision,
} from './train';
export type { ScheduleSpec, SchedulePer, PlateauMetric, ScheduleState, PassProfile, ProfileRow } from './train';
export * as models from './models';
export * as augment from './augment';
export * as plot from './plot';
export * as torch7 from './torch7';
export * as jit from './jit';
