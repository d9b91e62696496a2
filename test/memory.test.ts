import { cpuCache, emptyCache, keep, memory, ones, tensor, tidy, zeros } from '../lib';
import { CHILD_TIMEOUT_MS, collectGarbage } from './helpers/common';

describe('memory', () => {
  beforeEach(collectGarbage); // the counters then move only with what each test makes

  test('the live counter tracks creation and dispose, with bytes', () => {
    const before = memory();
    const t = zeros([1000], { dtype: 'float64' });
    expect(memory().tensors).toBe(before.tensors + 1);
    expect(memory().bytes).toBe(before.bytes + 8000);
    t.dispose();
    t.dispose(); // twice is harmless
    expect(memory()).toEqual(before);
    expect(t.isDisposed).toBe(true);
    expect(t.toString()).toBe('Tensor(disposed)');
  });

  test('tidy disposes everything made inside except what it returns', () => {
    const before = memory();
    const result = tidy(() => {
      const a = ones([100]);
      const b = a.mul(2).add(1);
      return { sum: b.sum(), parts: [b] };
    });
    expect(memory().tensors).toBe(before.tensors + 2);
    expect(result.sum.item()).toBe(300);
    result.sum.dispose();
    result.parts[0].dispose();
    expect(memory()).toEqual(before);
  });

  test('nested tidy moves kept tensors to the outer scope; keep() escapes', () => {
    const before = memory();
    let escaped: ReturnType<typeof ones> | undefined;
    tidy(() => {
      const inner = tidy(() => ones([3]).mul(2));
      escaped = keep(ones([2]));
      return inner.sum().item();
    });
    expect(memory().tensors).toBe(before.tensors + 1);
    expect(escaped!.toArray()).toEqual([1, 1]);
    escaped!.dispose();
    expect(memory()).toEqual(before);
  });

  test('tidy cleans up when fn throws, and rejects async functions', () => {
    const before = memory();
    expect(() =>
      tidy(() => {
        ones([5]);
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(memory()).toEqual(before);
    expect(() => tidy((async () => ones([1])) as never)).toThrow(/synchronous function/);
    expect(memory()).toEqual(before);
  });

  test('using a disposed tensor is an error, not a crash', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(/^The Tensor passed as add\(self\) was disposed; it cannot be used any more$/);
    expect(() => ones([2]).add(t)).toThrow(/^The Tensor passed as add other was disposed; it cannot be used any more$/);
    expect(() => t.toArray()).toThrow(/was disposed/);
    expect(() => t.shape).toThrow(/was disposed/);
  });

  test('Symbol.dispose frees at scope end', () => {
    const before = memory();
    {
      const t = ones([4]);
      t[Symbol.dispose]();
    }
    expect(memory()).toEqual(before);
  });

  test('the garbage collector frees forgotten tensors, every one of them: inside the collection, or after it with NODETORCH_GC_FINALIZERS=0', async () => {
    // in a child process under --expose-gc, so that the finalizer path is exercised for real
    const { execFileSync } = await import('child_process');
    const script = `
      const t = require('./dist/lib');
      const before = t.memory().tensors;
      (function () { for (let i = 0; i < 200; i++) t.zeros([10]); })();
      gc();
      const atOnce = t.memory().tensors - before; // before the event loop turns
      // Node-API 8's finalizers run after the collection, from the event loop: a few rounds let them all run
      let rounds = 0;
      const round = () => { gc(); const left = t.memory().tensors - before; if (left === 0 || ++rounds === 20) console.log(JSON.stringify({ atOnce, left, inGc: t.libtorchInfo().tensorsFreedInGc })); else setImmediate(round); };
      setImmediate(round);
    `;
    const run = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(process.execPath, ['--expose-gc', '-e', script], {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, ...env },
        }),
      );
    expect(run({})).toEqual({ atOnce: 0, left: 0, inGc: true });
    const deferred = run({ NODETORCH_GC_FINALIZERS: '0' });
    expect(deferred).toEqual({ atOnce: expect.any(Number), left: 0, inGc: false });
    expect(deferred.atOnce).toBeGreaterThan(0);
  });
});

describe('the CPU block cache', () => {
  test('a freed large block serves the next tensor of its size; emptyCache gives it back', () => {
    expect(cpuCache()).toEqual({ enabled: true, cachedBytes: expect.any(Number), capBytes: 2048 * 2 ** 20 });
    emptyCache();
    expect(cpuCache().cachedBytes).toBe(0);
    const a = zeros([1024, 256]); // 1 MiB of float32
    a.add(1).dispose(); // a temporary of the same size, freed: cached
    const held = cpuCache().cachedBytes;
    expect(held).toBeGreaterThanOrEqual(2 ** 20);
    const b = a.add(2); // takes the cached block
    expect(cpuCache().cachedBytes).toBe(held - 2 ** 20);
    expect(b.sum().item()).toBe(2 * 1024 * 256); // its values are its own
    // a smaller request (down to half) reuses a larger block rather than allocating
    b.dispose();
    const c = zeros([1024, 200]);
    expect(cpuCache().cachedBytes).toBe(held - 2 ** 20);
    expect(c.sum().item()).toBe(0);
    [a, c].forEach((t) => t.dispose());
    emptyCache();
    expect(cpuCache().cachedBytes).toBe(0);
  });

  test("blocks up to 256 MiB are kept (a double test batch's convolution columns: 128 MB); larger ones go back at once", () => {
    // A collection that these large allocations trigger may free earlier tests' undisposed tensors
    // into the cache as well (tensors are freed inside the collection), so the figures are bounds.
    emptyCache();
    zeros([32 * 2 ** 20], { dtype: 'float32' }).dispose(); // 128 MiB
    const kept = cpuCache().cachedBytes;
    expect(kept).toBeGreaterThanOrEqual(128 * 2 ** 20);
    zeros([72 * 2 ** 20], { dtype: 'float32' }).dispose(); // 288 MiB: a dataset-sized temporary
    expect(cpuCache().cachedBytes - kept).toBeLessThan(288 * 2 ** 20);
    emptyCache();
  });

  test('NODETORCH_CPU_CACHE_MB=0 turns it off', () => {
    const root = require('path').resolve(__dirname, '..');
    const r = require('child_process').spawnSync(
      process.execPath,
      [
        '-e',
        `const t = require(${JSON.stringify(root + '/dist/lib/index.js')}); const x = t.zeros([1024, 256]); x.add(1).dispose(); console.log(JSON.stringify(t.cpuCache()))`,
      ],
      { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, NODETORCH_CPU_CACHE_MB: '0' } },
    );
    expect(JSON.parse(r.stdout)).toEqual({ enabled: false, cachedBytes: 0, capBytes: 0 });
  });
});
