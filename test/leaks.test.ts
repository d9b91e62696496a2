// Memory stays flat under repetition: tensor ops, modules, closure optimizers, training passes,
// save/load and failing calls, each repeated many times in a fresh Node process (with --expose-gc,
// so that a collection before each reading leaves only what is really held). Bounds are per
// iteration, over the quieter of two rounds of the same calls after a warm-up round; live tensors must come back to where they were.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

const script = `
const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
const fs = require('fs'), os = require('os'), path = require('path');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-leak-'));
// Node-API finalizers (which free the native tensors of collected wrappers) run after the collection
async function settle() {
  for (let k = 0; k < 3; k++) { global.gc(); await new Promise((r) => setTimeout(r, 20)); }
}
// Two measured rounds: a leak grows the RSS in both, while the allocator's one-off growth (a new
// arena when threads overlap differently on a loaded machine) shows in one at most; the smaller
// growth is the one checked.
async function measure(name, iterations, fn, warmUp = iterations) {
  for (let i = 0; i < warmUp; i++) await fn(i); // caches and allocator pools grow, then plateau
  await settle();
  const tensors = t.memory().tensors, rounds = [];
  for (let round = 0; round < 2; round++) {
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < iterations; i++) await fn(i);
    await settle();
    rounds.push((process.memoryUsage().rss - rss) / iterations);
  }
  return { name, iterations, bytesPerIteration: Math.min(...rounds), rounds, tensors: t.memory().tensors - tensors };
}
(async () => {
  t.manualSeed(1);
  const out = [];
  const a = t.randn([64, 64]);
  out.push(await measure('tensor ops', 5000, () => t.tidy(() => a.matmul(a).add(1).relu().sum().item())));
  const lin = new t.nn.Linear(64, 32);
  const x = t.randn([16, 64], { dtype: 'float64' }), g = t.ones([16, 32], { dtype: 'float64' });
  out.push(await measure('module forward/backward', 3000, () => { lin.forward(x); lin.backward(x, g); lin.output.dispose(); lin.gradInput.dispose(); }));
  const p = t.randn([1000], { dtype: 'float64' }), state = {};
  out.push(await measure('optim.sgd with momentum (closure)', 3000, () =>
    t.tidy(() => t.optim.sgd((v) => [v.mul(v).sum().item(), v.mul(2)], p, { learningRate: 1e-3, momentum: 0.9 }, state))));
  const model = new t.nn.Sequential().add(new t.nn.Linear(16, 10)).add(new t.nn.LogSoftMax());
  const trainer = new t.Trainer({ model, criterion: new t.nn.ClassNLLCriterion(), batchSize: 10 });
  const data = { inputs: t.randn([200, 16], { dtype: 'float64' }), targets: t.zeros([200], { dtype: 'int64' }) };
  out.push(await measure('training passes (train + test)', 150, async () => { await trainer.trainEpoch(data); await trainer.test(data); }));
  const file = path.join(dir, 'model.net');
  // the allocator's pools settle after about 3000 loads (measured: flat from there on)
  out.push(await measure('nn.save + nn.load', 500, () => { t.nn.save(file, model); t.nn.load(file); }, 3000));
  out.push(await measure('checkpoint save + load', 200, () => { trainer.saveCheckpoint(file); trainer.loadCheckpoint(file); }));
  out.push(await measure('failing calls (TorchError)', 5000, () => t.tidy(() => { try { a.matmul(t.ones([3, 3])); } catch (e) { if (e.name !== 'TorchError') throw e; } })));
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

test('tensor ops, modules, optimizers, training passes, save/load and errors do not leak', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 600_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const results = JSON.parse(r.stdout.trim().split('\n').pop()!) as { name: string; iterations: number; bytesPerIteration: number; rounds: number[]; tensors: number }[];
  for (const { name, iterations, bytesPerIteration, rounds, tensors } of results) {
    console.log(`leak test: ${name}: ${iterations} iterations, ${bytesPerIteration.toFixed(0)} bytes per iteration (rounds: ${rounds.map((b) => b.toFixed(0)).join(', ')}), live tensors ${tensors >= 0 ? '+' : ''}${tensors}`);
  }
  const bound: Record<string, number> = {
    'training passes (train + test)': 16384, // a pass starts a thread: allocator arenas settle slowly
    'nn.save + nn.load': 2048,
    'checkpoint save + load': 4096,
  };
  for (const { name, bytesPerIteration, tensors } of results) {
    expect({ name, tensors }).toEqual({ name, tensors: 0 });
    expect({ name, small: bytesPerIteration < (bound[name] ?? 1024) }).toEqual({ name, small: true });
  }
  expect(results).toHaveLength(7);
});
