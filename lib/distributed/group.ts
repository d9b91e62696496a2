/**
 * Process groups on LibTorch's c10d, the engine torch.distributed runs on: a TCPStore rendezvous
 * hosted by rank 0 and the Gloo backend. Options default from torchrun's environment, so a script
 * started by `nodetorch … -nproc N` (or by torchrun itself) needs no arguments. Every call that
 * blocks (connecting, collectives) runs off the event loop and is bounded by `timeoutMs`.
 */
import { TorchError } from '../errors';
import { NativeGroup, native } from '../native';
import { Device, Tensor, checkTensor } from '../tensor';
import * as cuda from '../cuda';
import { checkInteger, checkKeys, checkOneOf, invalid } from '../validate';
import { DistVariable, distEnv } from '../config';

export type Backend = 'gloo' | 'nccl';
export type ReduceOp = 'sum' | 'avg' | 'product' | 'min' | 'max';

export interface InitOptions {
  /**
   * 'gloo' (default): reduces on the CPU (CUDA tensors through a CPU copy). 'nccl': GPU to GPU, each
   * rank on `cuda:<localRank mod GPUs>`; needs a CUDA LibTorch and nccl.h at build time.
   */
  backend?: Backend;
  /** This process's rank, 0..worldSize−1 (default: $RANK, else 0). */
  rank?: number;
  /** Number of processes in the job (default: $WORLD_SIZE, else 1). */
  worldSize?: number;
  /** Host of rank 0, which hosts the store (default: $MASTER_ADDR, else 127.0.0.1). */
  masterAddr?: string;
  /** Port of the store on rank 0 (default: $MASTER_PORT, else 29500). */
  masterPort?: number;
  /** How long any rendezvous or collective may wait for the other ranks (default 300000 ms). */
  timeoutMs?: number;
}

export const DEFAULT_PORT = 29500;
export const DEFAULT_TIMEOUT_MS = 300_000;
const GLOO_DTYPES = ['float32', 'float64', 'int64', 'int32', 'uint8'];

/** A group of processes that train one model together; see `init`. */
export class ProcessGroup {
  readonly backend: Backend;
  readonly rank: number;
  readonly worldSize: number;
  /** This process's rank on its machine ($LOCAL_RANK, else the rank). */
  readonly localRank: number;
  readonly masterAddr: string;
  readonly masterPort: number;
  readonly timeoutMs: number;
  /** Where this group's collectives compute: 'cpu' (Gloo) or this rank's GPU (NCCL). */
  readonly device: Device;
  #handle: NativeGroup | null;

  /** @internal use `distributed.init` */
  constructor(handle: NativeGroup, o: Required<InitOptions> & { localRank: number }) {
    this.#handle = handle;
    this.backend = o.backend;
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.localRank = o.localRank;
    this.masterAddr = o.masterAddr;
    this.masterPort = o.masterPort;
    this.timeoutMs = o.timeoutMs;
    this.device = o.backend === 'nccl' ? `cuda:${o.localRank % Math.max(1, cuda.deviceCount())}` : 'cpu';
  }

  /** @internal the native group (throws once destroyed) */
  get handle(): NativeGroup {
    if (!this.#handle) throw new TorchError(`process group: rank ${this.rank} already destroyed it`);
    return this.#handle;
  }

  get destroyed(): boolean {
    return this.#handle === null;
  }

  /** Reduces `tensor` in place over every rank ('avg' is a sum divided by the world size, as Gloo has no mean); resolves to it. */
  async allreduce(tensor: Tensor, op: ReduceOp = 'sum'): Promise<Tensor> {
    const t = this.#collectiveTensor(tensor, 'allreduce');
    checkOneOf(op, ['sum', 'avg', 'product', 'min', 'max'] as const, 'allreduce op');
    if (op === 'avg' && !t.dtype.startsWith('float'))
      throw new TorchError(`allreduce: 'avg' needs a floating tensor, not ${t.dtype} (use 'sum', or convert with .double())`, {
        code: 'DTYPE_MISMATCH',
      });
    await this.#onDevice(t, (d) => native().distAllreduce(this.handle, d.handle, op === 'avg' ? 'sum' : op));
    if (op === 'avg') {
      const mean = t.div(this.worldSize);
      t.copy(mean);
      mean.dispose();
    }
    return t;
  }

  /** Overwrites `tensor` on every rank with rank `root`'s; resolves to it. */
  async broadcast(tensor: Tensor, root = 0): Promise<Tensor> {
    const t = this.#collectiveTensor(tensor, 'broadcast');
    checkInteger(root, 'broadcast root', 0, this.worldSize - 1);
    await this.#onDevice(t, (d) => native().distBroadcast(this.handle, d.handle, root));
    return t;
  }

  /** Resolves once every rank has called it. */
  async barrier(): Promise<void> {
    await native().distBarrier(this.handle);
  }

  /** Leaves the group (its connections close once no pass uses them). Idempotent. */
  destroy(): void {
    if (this.#handle) native().distDestroy(this.#handle);
    this.#handle = null;
  }

  /** Runs a collective on `t`, or on a copy on the group's device (a CPU tensor under NCCL), copied back. */
  async #onDevice(t: Tensor, collective: (d: Tensor) => Promise<void>): Promise<void> {
    if (this.backend !== 'nccl' || t.device !== 'cpu') return collective(t);
    const d = t.to(this.device);
    try {
      await collective(d);
      t.copy(d);
    } finally {
      d.dispose();
    }
  }

  #collectiveTensor(tensor: Tensor, what: string): Tensor {
    const t = checkTensor(tensor, `${what} tensor`);
    if (!GLOO_DTYPES.includes(t.dtype))
      throw new TorchError(`${what}: Gloo cannot reduce ${t.dtype} tensors (it takes ${GLOO_DTYPES.join(', ')})`, {
        code: 'DTYPE_MISMATCH',
      });
    return t;
  }
}

/** An integer from the environment, or the fallback when unset; a bad value names the variable. */
function fromEnv(name: DistVariable, fallback: number, min: number): number {
  const text = distEnv(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new TorchError(`distributed.init: $${name} is '${text}'; expected an integer >= ${min}`);
  return value;
}

/**
 * Whether this build of nodetorch has the backend: 'gloo' needs Gloo's headers at build time,
 * 'nccl' a CUDA LibTorch and nccl.h (and, to run, a GPU per rank).
 */
export function isAvailable(backend: Backend = 'gloo'): boolean {
  return native().distBuilt()[checkOneOf(backend, ['gloo', 'nccl'] as const, 'distributed.isAvailable backend')];
}

/**
 * Joins (rank 0: hosts) a job of `worldSize` processes and resolves to its process group once
 * every rank has arrived. Fields left out come from torchrun's environment variables.
 */
export async function init(options: InitOptions = {}): Promise<ProcessGroup> {
  if (typeof options !== 'object' || options === null) invalid('an options object', 'distributed.init', options);
  checkKeys(options, ['backend', 'rank', 'worldSize', 'masterAddr', 'masterPort', 'timeoutMs'], 'distributed.init');
  const backend = checkOneOf(options.backend ?? 'gloo', ['gloo', 'nccl'] as const, 'distributed.init backend');
  if (backend === 'nccl' && !native().distBuilt().nccl) {
    throw new TorchError(
      "distributed.init: the 'nccl' backend is not in this build (it needs a CUDA LibTorch and NCCL's nccl.h when nodetorch is built); use 'gloo', which also reduces CUDA tensors (through a CPU copy)",
      { code: 'NOT_IMPLEMENTED' },
    );
  }
  const worldSize = checkInteger(options.worldSize ?? fromEnv('WORLD_SIZE', 1, 1), 'distributed.init worldSize', 1, 65536);
  const rank = checkInteger(options.rank ?? fromEnv('RANK', 0, 0), 'distributed.init rank', 0);
  if (rank >= worldSize)
    throw new TorchError(`distributed.init: rank ${rank} is outside a world of size ${worldSize} (ranks are 0..${worldSize - 1})`);
  const masterAddr = options.masterAddr ?? distEnv('MASTER_ADDR') ?? '127.0.0.1';
  if (typeof masterAddr !== 'string' || masterAddr === '') invalid('a host name or address', 'distributed.init masterAddr', masterAddr);
  const masterPort = checkInteger(options.masterPort ?? fromEnv('MASTER_PORT', DEFAULT_PORT, 1), 'distributed.init masterPort', 1, 65535);
  const timeoutMs = checkInteger(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'distributed.init timeoutMs', 1);
  const localRank = fromEnv('LOCAL_RANK', rank, 0);
  // GLOO_SOCKET_IFNAME picks the network interface, as in PyTorch (the C++ API does not read it)
  const ifname = distEnv('GLOO_SOCKET_IFNAME') ?? null;
  const handle = await native().distInit({ backend, rank, worldSize, masterAddr, masterPort, timeoutMs, ifname });
  return new ProcessGroup(handle, { backend, rank, worldSize, localRank, masterAddr, masterPort, timeoutMs });
}
