/**
 * optim: Torch7's optimizers, in the closure form (the Trainer runs the same native code).
 */
export { sgd, lbfgs, asgd, cg, adagrad } from './closure';
export type { Feval, MethodState, SgdState } from './closure';
export type { SgdConfig, LbfgsConfig, AsgdConfig, CgConfig, AdagradConfig, OptimConfigs, OptimMethodName } from './configs';
