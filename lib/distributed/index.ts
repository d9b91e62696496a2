/** Data-parallel training on several processes and machines (c10d: TCPStore + Gloo). */
export { init, isAvailable, ProcessGroup, DEFAULT_PORT, DEFAULT_TIMEOUT_MS } from './group';
export type { InitOptions, Backend, ReduceOp } from './group';
