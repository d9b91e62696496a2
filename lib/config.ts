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
  // resolved, as scripts/libtorch-download.js does: npm's install hook runs in the package's folder
  if (process.env.NODETORCH_CACHE) return path.resolve(process.env.NODETORCH_CACHE);
  return path.resolve(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'nodetorch');
}

/** Forces the loader to use prebuilds/ even where a local build exists (NODETORCH_PREBUILDS_ONLY=1). */
export function prebuildsOnly(): boolean {
  return process.env.NODETORCH_PREBUILDS_ONLY === '1';
}

/** A base URL tried before the built-in MNIST mirrors (NODETORCH_MNIST_MIRROR), if set. */
export function mnistMirrorFromEnv(): string | undefined {
  return process.env.NODETORCH_MNIST_MIRROR || undefined;
}

/** The variables torchrun and nodetorch's launcher give each rank of a job, and Gloo's interface. */
export type DistVariable = 'WORLD_SIZE' | 'RANK' | 'LOCAL_RANK' | 'MASTER_ADDR' | 'MASTER_PORT' | 'GLOO_SOCKET_IFNAME';
/** One of them, or undefined where unset or empty. */
export function distEnv(name: DistVariable): string | undefined {
  return process.env[name] || undefined;
}
