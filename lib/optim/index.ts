/**
 * optim: Torch7's optimizers.
 */
export { sgd } from './sgd';
export type { SgdConfig, SgdState, Feval } from './sgd';
export { lbfgs, asgd, cg } from './methods';
export type { LbfgsConfig, AsgdConfig, CgConfig, MethodState } from './methods';
