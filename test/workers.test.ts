import * as path from 'path';
import { spawnSync } from 'child_process';
import { Worker } from 'worker_threads';
import { CHILD_TIMEOUT_MS } from './helpers/common';

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
  expect(a.error).toMatch(
    /^TorchError: matmul: mat1 and mat2 shapes cannot be multiplied \(64x64 and 3x3\) \(shapes \[64, 64\], \[3, 3\]\)/,
  );
});

// A worker_thread that is terminated, or exits, in the middle of a training pass: the pass stops at
// the next batch and the process lives on (it aborted before: an exception thrown into the dying
// environment). Run in a child process, so that an abort shows as its exit status.
describe('a worker ended during a training pass', () => {
  const root = path.resolve(__dirname, '..');
  const script = (ending: string) => `
    const { Worker } = require('worker_threads');
    const code = \`
      const { parentPort } = require('worker_threads');
      const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
      const model = t.models.mnistModel('convnet', { pooling: 'max' }).float();
      const trainer = new t.Trainer({ model, criterion: new t.nn.ClassNLLCriterion(), batchSize: 1 });
      const data = { inputs: t.randn([100000, 1, 32, 32]), targets: t.zeros([100000], { dtype: 'int64' }) };
      let told = false;
      trainer.trainEpoch(data, { onProgress: (p) => { if (!told && p.done > 0) { told = true; parentPort.postMessage(p.done); } } })
        .then(() => parentPort.postMessage('finished'));
      parentPort.on('message', () => { ${ending} });
    \`;
    const w = new Worker(code, { eval: true });
    w.on('message', (m) => {
      if (m === 'finished') console.log('the pass finished');
      else ${ending.includes('terminate') ? "w.terminate().then((code) => console.log('terminated', code))" : "w.postMessage('exit')"};
    });
    w.on('exit', (code) => console.log('worker exit', code));
  `;

  test('worker.terminate() mid-pass: the process survives', () => {
    const r = spawnSync(process.execPath, ['-e', script('/* terminated from outside */')], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('terminated 1');
    expect(r.stdout).not.toContain('the pass finished');
    expect(r.stderr).not.toMatch(/terminate called/);
  });

  test('process.exit() inside the worker mid-pass: the process survives', () => {
    const r = spawnSync(process.execPath, ['-e', script('process.exit(3)')], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('worker exit 3');
    expect(r.stdout).not.toContain('the pass finished');
  });
});

// Terminated in the middle of a synchronous call (a tensor op): its result cannot reach JavaScript
// any more, and that failure must not abort the process (it did: node-addon-api threw a second C++
// exception from its handler). Six workers, each ended 100 ms into its loop of ops.
test('a worker terminated while it runs tensor ops: the process survives', () => {
  const root = path.resolve(__dirname, '..');
  const script = `
    const { Worker } = require('worker_threads');
    let terminated = 0;
    const round = () => {
      const w = new Worker(\`
        const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
        require('worker_threads').parentPort.postMessage('ready');
        for (;;) t.rand([200, 200]).matmul(t.rand([200, 200])).sum().item();
      \`, { eval: true });
      w.once('message', () => setTimeout(() => w.terminate().then(() => (++terminated < 6 ? round() : console.log('terminated', terminated))), 100));
    };
    round();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
  expect(r.stderr).not.toMatch(/terminate called/);
  expect(r.signal).toBeNull();
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('terminated 6');
});
