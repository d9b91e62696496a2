// What many test files share: where the shared data lies, a tensor's values as a flat array, and
// the longest life a child process gets (so that a hang fails its test instead of stalling CI).
import * as path from 'path';
import type { Tensor } from '../../lib';

/** The repository's root. */
export const ROOT = path.resolve(__dirname, '..', '..');
/** The real MNIST IDX files: MNIST_DIR, or ../shared/data/mnist beside the repository. */
export const MNIST_DIR = process.env.MNIST_DIR || path.resolve(ROOT, '..', 'shared', 'data', 'mnist');
/** Files real Torch7 wrote: TORCH7_DIR, or ../shared/data/torch7 beside the repository. */
export const TORCH7_DIR = process.env.TORCH7_DIR || path.resolve(ROOT, '..', 'shared', 'data', 'torch7');
/**
 * The timeout every spawned child process gets. A guard against hangs, not a speed bar: the
 * slowest child (an MNIST CLI run on a 2-core machine) takes a few minutes.
 */
export const CHILD_TIMEOUT_MS = 20 * 60_000;

/** A tensor's values, flattened to one array. */
export const arr = (t: Tensor): number[] => (t.toArray() as number[]).flat(Infinity as 1) as number[];
