/**
 * The two forms of data a Trainer takes: tensors held in memory, or a dataset that loads the
 * samples it is asked for (files, a database, generated data), so that data larger than memory
 * streams through training.
 */
import { Tensor } from '../tensor';

/** A dataset split held in memory: inputs N×… and targets (N class indices, or N×… real values). */
export interface Dataset {
  inputs: Tensor;
  targets: Tensor;
}

/**
 * A dataset that loads samples on demand. The Trainer draws each epoch's order itself (from the
 * generator seeded by manualSeed, as for tensors in memory), asks for a chunk of whole minibatches
 * at a time, and loads the next chunk while the native loop trains on the current one.
 */
export interface BatchDataset {
  /** Number of samples. */
  readonly length: number;
  /**
   * The samples at `indices` (0-based, in that order), as new tensors: inputs k×… and targets as
   * for a Dataset. The Trainer disposes them once it has trained on them.
   */
  batch(indices: number[]): Promise<Dataset> | Dataset;
  /** Samples to ask for at once (default 1024), rounded up to whole minibatches. */
  readonly chunkSize?: number;
}

/** Data a Trainer can train or test on. */
export type TrainingData = Dataset | BatchDataset;

export function isBatchDataset(data: unknown): data is BatchDataset {
  return typeof data === 'object' && data !== null && typeof (data as BatchDataset).batch === 'function';
}
