// Tensors across worker_threads without a copy: share() here, fromShared() there, the same memory.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { SharedTensor, TorchError, arange, fromShared, memory, tensor } from '../lib';
import { collectGarbage } from './helpers/common';

const lib = JSON.stringify(path.resolve(__dirname, '..', 'dist', 'lib', 'index.js'));

/** Runs `body` in a worker with `t` (the nodetorch module) and `workerData`; resolves with its message. */
function inWorker<T>(body: string, workerData: unknown): Promise<T> {
  const code = `const { parentPort, workerData } = require('worker_threads'); const t = require(${lib}); (async () => { ${body} })().catch((e) => parentPort.postMessage({ error: e.name + ': ' + e.message }));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('shared tensors', () => {
  test('a worker writes into a tensor shared by the main thread, and the main thread sees it (no copy)', async () => {
    const t = arange(6).to('float32').view(2, 3);
    const r = await inWorker<{ sum: number; shape: number[]; error?: string }>(
      `const w = t.fromShared(workerData.shared); const sum = w.sum().item(); w.fill(7); parentPort.postMessage({ sum, shape: w.shape });`,
      { shared: t.share() },
    );
    expect(r.error).toBeUndefined();
    expect(r.sum).toBe(15);
    expect(r.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([
      [7, 7, 7],
      [7, 7, 7],
    ]); // the worker's fill, in this thread's tensor
  });

  test('a worker loads data and hands it to the main thread, which trains on it after the worker ended', async () => {
    const r = await inWorker<{ shared: SharedTensor; error?: string }>(
      `const x = t.tensor([[1, 2], [3, 4]], { dtype: 'float64' }); parentPort.postMessage({ shared: x.share() }); x.dispose();`,
      {},
    );
    expect(r.error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the worker has exited: the storage lives on
    const x = fromShared(r.shared);
    expect(x.dtype).toBe('float64');
    expect(x.matmul(x).toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });

  test('each descriptor is adopted once; bad ones are TorchErrors', async () => {
    const shared = tensor([1, 2]).share();
    await collectGarbage(); // so that only the adoption moves the counter
    const before = memory().tensors;
    fromShared(shared);
    expect(memory().tensors).toBe(before + 1);
    expect(() => fromShared(shared)).toThrow(
      /shared tensor #\d+ is not waiting: it was taken already \(each share\(\) is adopted once\), or it comes from another process/,
    );
    expect(() => fromShared({ kind: 'nodetorch.SharedTensor', id: 1e12, shape: [], dtype: 'float32', device: 'cpu' })).toThrow(TorchError);
    expect(() => fromShared({} as never)).toThrow(/Expected a descriptor from tensor\.share\(\) for fromShared/);
  });
});
