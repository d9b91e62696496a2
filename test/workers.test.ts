import * as path from 'path';
import { Worker } from 'worker_threads';

// Per-environment state: the addon loads and computes in several worker threads at once, each
// with its own live-tensor counter.
function runWorker(seed: number): Promise<{ sum: number; tensors: number; error?: string }> {
  const root = path.resolve(__dirname, '..');
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
    t.manualSeed(workerData.seed);
    const a = t.ones([64, 64]).mul(workerData.seed);
    const s = a.matmul(a).sum().item();
    let error;
    try { a.matmul(t.ones([3, 3])); } catch (e) { error = e.name + ': ' + e.message; }
    parentPort.postMessage({ sum: s, tensors: t.memory().tensors, error });
  `;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { seed } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('two worker threads load the addon and compute at once', async () => {
  const [a, b] = await Promise.all([runWorker(2), runWorker(3)]);
  // (s·1)(s·1) over 64×64 ones: every entry s²·64, 4096 entries
  expect(a.sum).toBe(4 * 64 * 4096);
  expect(b.sum).toBe(9 * 64 * 4096);
  expect(a.tensors).toBe(5); // ones, mul, matmul, sum, and the ones([3, 3]) of the failed call
  expect(b.tensors).toBe(5);
  expect(a.error).toMatch(/^TorchError: matmul: shapes \[64, 64\] and \[3, 3\] cannot be multiplied/);
});
