/**
 * Everything nodetorch reads from the environment, in one place.
 */
import * as os from 'os';
import * as path from 'path';

/** Folder holding the MNIST IDX files, from MNIST_DIR, if set. */
export function mnistDirFromEnv(): string | undefined {
  return process.env.MNIST_DIR || undefined;
}

/** The user cache folder nodetorch downloads data into (NODETORCH_CACHE, else XDG cache). */
export function cacheDir(): string {
  if (process.env.NODETORCH_CACHE) return process.env.NODETORCH_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'nodetorch');
}

/** Forces the loader to use prebuilds/ even where a local build exists (NODETORCH_PREBUILDS_ONLY=1). */
export function prebuildsOnly(): boolean {
  return process.env.NODETORCH_PREBUILDS_ONLY === '1';
}
