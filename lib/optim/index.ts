/**
 * optim: Torch7's optimizers, in the closure form (the Trainer runs the same native code).
 */
export { sgd, lbfgs, asgd, cg } from './closure';
export type { Feval, MethodState, SgdState } from './closure';
export type { SgdConfig, LbfgsConfig, AsgdConfig, CgConfig, OptimConfigs, OptimMethodName } from './configs';
