/**
 * optim: Torch7's optimizers, in the closure form (the Trainer runs the same native code).
 */
export { sgd, lbfgs, asgd, cg, adagrad, adadelta, adam, adamax, adamw, rmsprop, rprop, nag } from './closure';
export type { Feval, MethodState, SgdState, OneStep } from './closure';
export { Optimizer } from './Optimizer';
export type { OptimizerOptions } from './Optimizer';
export type {
  SgdConfig,
  LbfgsConfig,
  AsgdConfig,
  CgConfig,
  AdagradConfig,
  AdadeltaConfig,
  AdamConfig,
  AdamaxConfig,
  AdamWConfig,
  RmspropConfig,
  RpropConfig,
  NagConfig,
  OptimConfigs,
  OptimMethodName,
} from './configs';
