// What many test files share: where the shared data lies, a tensor's values as a flat array, and
// the longest life a child process gets (so that a hang fails its test instead of stalling CI).
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { memory, Tensor, tensor } from '../../lib';

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

/**
 * `test` and `describe` for tests that need an outside tool (Python torch, safetensors,
 * TensorBoard, Chromium): where it is missing they skip, saying why, except under CI=true, where
 * .ci/run installs every such tool: there a missing one fails, so that CI cannot go green untested.
 */
export function withTool(tool: string, available: unknown): { test: jest.It; describe: jest.Describe } {
  if (available) return { test, describe };
  if (!process.env.CI) return { test: test.skip, describe: describe.skip };
  const missing = () => {
    throw new Error(`${tool} is missing, and under CI=true every tool the tests use is expected (.ci/run installs it)`);
  };
  const failing = ((name: string) => test(name, missing)) as unknown as jest.It;
  const failingGroup = ((name: string) => describe(name, () => test(`needs ${tool}`, missing))) as unknown as jest.Describe;
  return { test: failing, describe: failingGroup };
}

/** 30 samples of 4 features in 3 classes (float64 inputs, int64 targets): a small set several tests train on. */
export function smallClassification(): { inputs: Tensor; targets: Tensor } {
  const inputs = tensor(
    Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(2 * i), i / 30, (i % 3) - 1]),
    { dtype: 'float64' },
  );
  return {
    inputs,
    targets: tensor(
      Array.from({ length: 30 }, (_, i) => (i * 7) % 3),
      { dtype: 'int64' },
    ),
  };
}

/**
 * Full garbage collections, here in the test's own process, until nothing more is freed. The
 * collector frees the tensors JavaScript dropped inside the collection (native/addon_finalizers.cc),
 * so a collection that an allocation happens to trigger can lower the live counters in the middle of
 * a test. Other handles (modules, trainers, optimizers) are freed after the collection, when the
 * event loop turns, and can hold the last reference to large tensors (an earlier test file in the
 * same jest worker once freed a whole dataset that way during a later test's load). A test that
 * compares `memory()` before and after awaits this first: no dropped tensor is then left to free.
 */
export async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  for (let round = 0; round < 10; round++) {
    const before = memory();
    gc();
    await new Promise((resolve) => setImmediate(resolve)); // the deferred finalizers run here
    const after = memory();
    if (after.tensors === before.tensors && after.bytes === before.bytes) return;
  }
}
