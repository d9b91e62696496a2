/**
 * optim: Torch7's optimizers.
 */
export { sgd } from './sgd';
export type { SgdConfig, SgdState, Feval } from './sgd';
