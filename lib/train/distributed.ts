/**
 * What a data-parallel Trainer does around its native passes (the per-step gradient averaging
 * happens inside them, in C++): agree on the model, share each epoch's order, add up the counts.
 */
import { TorchError } from '../errors';
import { ProcessGroup } from '../distributed/group';
import { shardTestRange, shardTrainOrder } from '../distributed/shard';
import { tensor, zeros } from '../creation';
import { Tensor } from '../tensor';
import { PassCounts } from './results';
import { drawOrder } from './stream';

const DTYPE_CODES: Record<string, number> = { float32: 1, float64: 2 };

/**
 * Checks that every rank holds the same kind of model (parameter count and dtype), naming the rank
 * that differs, then gives every rank rank 0's parameters.
 */
export async function syncModel(group: ProcessGroup, params: Tensor): Promise<void> {
  const mine = zeros([group.worldSize, 2], { dtype: 'float64' });
  try {
    mine.index(group.rank).copy(tensor([params.numel, DTYPE_CODES[params.dtype] ?? 0], { dtype: 'float64' }));
    await group.allreduce(mine);
    const all = mine.toArray() as number[][];
    const [count0, dtype0] = all[0];
    all.forEach(([count, dtype], rank) => {
      if (count !== count0 || dtype !== dtype0) {
        const describe = (c: number, d: number) =>
          `${c} ${Object.keys(DTYPE_CODES).find((k) => DTYPE_CODES[k] === d) ?? 'unknown'} parameters`;
        throw new TorchError(
          `distributed Trainer: rank ${rank}'s model has ${describe(count, dtype)} but rank 0's has ${describe(count0, dtype0)}; every rank must build the same model (and the same .float()/.double())`,
          { code: 'DISTRIBUTED' },
        );
      }
    });
  } finally {
    mine.dispose();
  }
  // the group moves them to where it computes (and back) when the model is elsewhere
  await group.broadcast(params, 0);
}

/**
 * Runs one of the Trainer's own collectives, naming it in a failure as the pass's (a rank that
 * leaves between two passes fails the survivors here, not in the gradient's allreduce).
 */
async function collective(phase: string, what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (e) {
    // the group's failure names its collective ('distributed.allreduce': 'allreduce failed on rank…')
    if (e instanceof TorchError && (e.op === 'distributed.allreduce' || e.op === 'distributed.broadcast')) {
      const kind = e.op.slice('distributed.'.length);
      const rest = e.reason.startsWith(kind) ? e.reason.slice(kind.length) : `: ${e.reason}`;
      throw new TorchError(`${phase}: ${kind} of ${what}${rest}`, { code: e.code, op: phase, cause: e });
    }
    throw e;
  }
}

/** This rank's samples for a pass: its shard of rank 0's order (training), or its slice (testing). */
export async function shardedOrder(
  group: ProcessGroup,
  phase: 'train' | 'test',
  length: number,
  shuffle: boolean,
  batchSize: number,
): Promise<number[]> {
  if (phase === 'test') {
    const [start, end] = shardTestRange(length, group.rank, group.worldSize);
    return Array.from({ length: end - start }, (_, i) => start + i);
  }
  if (length < group.worldSize) throw new TorchError(`train: ${length} samples cannot be shared by ${group.worldSize} ranks`);
  const order = tensor(drawOrder(length, shuffle), { dtype: 'int64' });
  try {
    await collective(phase, "the epoch's order", () => group.broadcast(order, 0));
    return shardTrainOrder(order.toArray() as number[], group.rank, group.worldSize, batchSize);
  } finally {
    order.dispose();
  }
}

/** Every rank's counts added up (loss, samples, confusion matrix or errors); steps and time stay this rank's. */
export async function reduceCounts(group: ProcessGroup, c: PassCounts, phase: 'train' | 'test'): Promise<PassCounts> {
  const flat = [c.lossSum, c.samples, ...(c.confusion?.flat() ?? []), ...(c.errors ?? [])];
  const t = tensor(flat, { dtype: 'float64' });
  try {
    await collective(phase, "the pass's counts", () => group.allreduce(t));
    const [lossSum, samples, ...rest] = t.toArray() as number[];
    const out: PassCounts = { ...c, lossSum, samples };
    if (c.confusion) {
      const k = c.confusion.length;
      out.confusion = Array.from({ length: k }, (_, i) => rest.slice(i * k, (i + 1) * k));
    }
    if (c.errors) out.errors = rest.slice(c.confusion ? c.confusion.length ** 2 : 0);
    return out;
  } finally {
    t.dispose();
  }
}
