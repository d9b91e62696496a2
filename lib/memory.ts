/**
 * Tensor lifetimes. GPU memory does not pressure V8's garbage collector, so nodetorch offers
 * explicit dispose(), a scope helper (tidy) and a live counter; GC finalizers are only a backstop.
 */
import { TorchError } from './errors';
import { native } from './native';

/** Anything with a dispose() that tidy() should clean up. */
export interface TrackedTensor {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<TrackedTensor>[] = [];

/** @internal Called by every new Tensor: adds it to the innermost tidy() scope, if any. */
export function track(t: TrackedTensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

function collect(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  into.add(value);
  if (Array.isArray(value)) value.forEach((v) => collect(v, into, depth + 1));
  else if (value instanceof Map) value.forEach((v) => collect(v, into, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach((v) => collect(v, into, depth + 1));
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (directly, or
 * inside arrays, Maps and plain objects). Kept tensors move to the enclosing scope. `fn` must be
 * synchronous: tensors made after an await could not be attributed to this scope.
 *
 * @example const loss = tidy(() => pred.sub(target).square().mean());
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TorchError(`Expected a function for tidy(fn) but received ${typeof fn}`);
  const scope = new Set<TrackedTensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    scope.forEach((t) => t.dispose());
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    scope.forEach((t) => t.dispose());
    throw new TorchError('tidy(fn) expects a synchronous function; it returned a Promise');
  }
  const kept = new Set<unknown>();
  collect(result, kept);
  for (const t of scope) {
    if (kept.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

/** Removes a tensor from the current tidy() scope so that it outlives the scope. */
export function keep<T extends TrackedTensor>(t: T): T {
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** Live tensors and the bytes they hold, for this thread (worker threads count their own). */
export function memory(): { tensors: number; bytes: number } {
  return native().memory();
}

/**
 * The CPU block cache: LibTorch's CPU tensors are allocated from blocks that freed tensors leave
 * behind (64 KiB and larger, up to NODETORCH_CPU_CACHE_MB, default 2048; 0 turns it off), which
 * spares a training step the page faults of fresh memory (several times faster on some machines).
 * `cachedBytes` is what the cache holds now, unused.
 */
export function cpuCache(): { enabled: boolean; cachedBytes: number; capBytes: number } {
  return native().cpuCache();
}

/** Gives the blocks the CPU cache holds back to the system (as torch.cuda.empty_cache does for GPUs). */
export function emptyCache(): void {
  native().emptyCache();
}

/**
 * Bytes the process's C heap (glibc's malloc, every arena and its mmap'ed chunks) has handed out
 * and not had back: LibTorch's CPU tensors, the block cache and other native allocations. Unlike the
 * RSS it does not move with the allocator's page reuse, so it is the figure to watch when hunting a
 * native leak. `undefined` where the C library does not report it (not glibc, or glibc < 2.33).
 */
export function mallocInUse(): number | undefined {
  return native().mallocInUse();
}
