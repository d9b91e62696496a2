/**
 * A pass over a BatchDataset: the epoch's order is drawn once, then the data comes in chunks of
 * whole minibatches, each trained by one native pass (in that order, unshuffled) while the next
 * chunk loads. With the same seed, a streamed epoch takes exactly the steps of an epoch over the
 * same samples in memory: the same permutation, the same minibatches, the same random draws.
 */
import { TorchError } from '../errors';
import { randperm, arange } from '../creation';
import { BatchDataset, Dataset } from '../data/dataset';
import { Tensor, checkTensor } from '../tensor';
import { checkInteger, invalid } from '../validate';
import { PassCounts, addCounts } from './results';

/** Samples asked for at once when the dataset does not say (rounded up to whole minibatches). */
export const DEFAULT_CHUNK = 1024;

export interface ChunkRun {
  counts: PassCounts;
  aborted: boolean;
}

export interface StreamOptions {
  phase: string;
  /** Draw a new order (training with shuffle); else file order. */
  shuffle: boolean;
  batchSize: number;
  /** Checks a chunk's targets (class indices or real values). */
  /** Checks a chunk's targets; also handed its inputs (the Trainer infers what its options left open from the first). */
  checkTargets: (targets: Tensor, what: string, inputs: Tensor) => void;
  /** Trains or tests one chunk natively; `stepsBefore` is the optimizer steps the pass took so far. */
  run: (chunk: Dataset, stepsBefore: number, onProgress: (done: number, loss: number) => void) => Promise<ChunkRun>;
  onProgress: (done: number, total: number, loss: number) => void;
  signal?: AbortSignal;
  /** The samples to visit, in order (a data-parallel rank's shard); default: all, by `shuffle`. */
  order?: number[];
}

/** Checks what a BatchDataset says about itself; returns its length. */
export function checkBatchDataset(data: BatchDataset, phase: string): number {
  const length = data.length;
  if (!Number.isSafeInteger(length) || length < 0) invalid('a non-negative integer', `${phase} data length`, length);
  if (length === 0) throw new TorchError(`${phase}: the dataset is empty (length 0)`);
  if (data.chunkSize !== undefined) checkInteger(data.chunkSize, `${phase} data chunkSize`, 1);
  return length;
}

export async function streamPass(data: BatchDataset, o: StreamOptions): Promise<ChunkRun> {
  checkBatchDataset(data, o.phase);
  const chunk = Math.ceil((data.chunkSize ?? DEFAULT_CHUNK) / o.batchSize) * o.batchSize;
  const order = o.order ?? drawOrder(data.length, o.shuffle);
  const length = order.length;
  const started = process.hrtime.bigint();

  const fetch = (start: number): Promise<Loaded> => {
    const indices = order.slice(start, start + chunk);
    const loading = Promise.resolve()
      .then(() => data.batch(indices))
      .then((loaded) => ({ indices, loaded }));
    // it is awaited only after the current chunk trained: a failure meanwhile is not unhandled
    loading.catch(() => {});
    return loading;
  };
  let total: PassCounts = { lossSum: 0, samples: 0, steps: 0, seconds: 0, stepLosses: [], stepRates: [] };
  let aborted = false;
  let shape: number[] | null = null;
  let next: Promise<Loaded> | null = fetch(0);
  try {
    for (let start = 0; start < length; start += chunk) {
      const current: Promise<Loaded> = next!;
      next = null;
      const got = await untilAborted(current, o.signal);
      if (got === ABORTED) {
        current.then(
          ({ loaded }) => dispose(loaded),
          () => {},
        );
        aborted = true;
        break;
      }
      const where = `${o.phase} data batch() for samples ${start + 1}..${start + got.indices.length}`;
      try {
        shape = checkChunk(got.loaded, got.indices.length, shape, where, o.checkTargets);
        // the next chunk loads while this one trains
        if (start + chunk < length) next = fetch(start + chunk);
        const before = total;
        const r = await o.run(got.loaded, before.steps, (done, loss) =>
          o.onProgress(before.samples + done, length, (before.lossSum + loss * done) / (before.samples + done)),
        );
        total = addCounts(total, r.counts);
        if (r.aborted) {
          aborted = true;
          break;
        }
      } finally {
        dispose(got.loaded);
      }
    }
  } finally {
    // a chunk loaded for nothing (abort, error) is freed when it arrives
    next?.then(
      ({ loaded }) => dispose(loaded),
      () => {},
    );
  }
  total.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { counts: total, aborted };
}

/** All of a dataset's sample indices: shuffled by the generator the native pass uses, or in order. */
export function drawOrder(length: number, shuffle: boolean): number[] {
  const t = shuffle ? randperm(length) : arange(length);
  const order = t.toArray() as number[];
  t.dispose();
  return order;
}

interface Loaded {
  indices: number[];
  loaded: Dataset;
}

const ABORTED = Symbol('aborted');

/** The promise's value, or ABORTED as soon as the signal fires (the promise runs on regardless). */
function untilAborted<V>(promise: Promise<V>, signal?: AbortSignal): Promise<V | typeof ABORTED> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** Checks one loaded chunk; returns the per-sample input shape all chunks must share. */
function checkChunk(
  loaded: Dataset,
  count: number,
  shape: number[] | null,
  where: string,
  checkTargets: (t: Tensor, what: string, inputs: Tensor) => void,
): number[] {
  if (typeof loaded !== 'object' || loaded === null) invalid('{ inputs, targets }', where, loaded);
  const inputs = checkTensor(loaded.inputs, `${where}: inputs`);
  const targets = checkTensor(loaded.targets, `${where}: targets`);
  if (inputs.ndim === 0 || inputs.shape[0] !== count || targets.ndim === 0 || targets.shape[0] !== count) {
    throw new TorchError(
      `${where}: expected ${count} samples, got inputs of shape [${inputs.shape.join(', ')}] and targets of shape [${targets.shape.join(', ')}]`,
      { code: 'SHAPE_MISMATCH' },
    );
  }
  const sample = inputs.shape.slice(1);
  if (shape && sample.join() !== shape.join()) {
    throw new TorchError(`${where}: samples of shape [${sample.join(', ')}], but earlier chunks had [${shape.join(', ')}]`, {
      code: 'SHAPE_MISMATCH',
    });
  }
  checkTargets(targets, where, inputs);
  return sample;
}

function dispose(loaded: Dataset): void {
  for (const t of [loaded?.inputs, loaded?.targets]) if (t instanceof Tensor && !t.isDisposed) t.dispose();
}
