/**
 * Torch7's batch normalisation, with its arguments and defaults (nn/BatchNormalization.lua):
 * (nOutput, eps = 1e-5, momentum = 0.1, affine = true). In training mode, each feature is
 * normalised by its minibatch mean and (biased) variance, and the running estimates move by
 * `momentum` (the mean, and the unbiased variance); in evaluation mode the running estimates are
 * used. The running estimates are buffers: saved, loaded, checkpointed and in the state dict
 * (running_mean, running_var, num_batches_tracked, as PyTorch's), not trained. As Torch7, the weight
 * starts U(0, 1) and the bias 0 (PyTorch starts the weight at 1).
 */
import { checkArity, checkBoolean, checkInteger, checkNumber } from '../validate';
import { Module } from './Module';

function options(type: string, nOutput: number, eps: number, momentum: number, affine: boolean) {
  checkInteger(nOutput, `${type} nOutput`, 1);
  checkNumber(eps, `${type} eps`, { min: 0 });
  checkNumber(momentum, `${type} momentum`, { min: 0, max: 1 });
  checkBoolean(affine, `${type} affine`);
  return [[nOutput, eps, momentum, affine], { nOutput, eps, momentum, affine }] as const;
}

/** Batch normalisation of N×nOutput inputs (a single vector of nOutput in evaluation mode). */
export class BatchNormalization extends Module {
  constructor(nOutput: number, eps = 1e-5, momentum = 0.1, affine = true) {
    checkArity(arguments, 4, 'nn.BatchNormalization(nOutput[, eps, momentum, affine])');
    const [args, named] = options('BatchNormalization', nOutput, eps, momentum, affine);
    super('BatchNormalization', [...args], named);
  }
}

/** Batch normalisation of each plane of N×nOutput×H×W inputs (a single nOutput×H×W sample in evaluation mode). */
export class SpatialBatchNormalization extends Module {
  constructor(nOutput: number, eps = 1e-5, momentum = 0.1, affine = true) {
    checkArity(arguments, 4, 'nn.SpatialBatchNormalization(nOutput[, eps, momentum, affine])');
    const [args, named] = options('SpatialBatchNormalization', nOutput, eps, momentum, affine);
    super('SpatialBatchNormalization', [...args], named);
  }
}
