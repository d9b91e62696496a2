// Where LibTorch's parallel regions run (native/addon_runtime.cc): JavaScript threads compute with
// one intra-op thread and passes with setNumThreads' count, so the process holds one OpenMP pool.
// With two (the JavaScript thread's and the pass's), libgomp's threads outnumbered the cores, it
// stopped spinning between parallel regions, and a batch-1 pass with 2 threads slept and woke
// about 65 times per sample (slower than with 1 thread). Counted here with getrusage, in a child
// process so that nothing else runs in it; no timing is asserted.
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

test('a batch-1 pass with 2 threads does not thrash: few voluntary context switches per sample, and getNumThreads is the passes\' count', () => {
  const script = `
    const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
    (async () => {
      t.setNumThreads(2);
      t.manualSeed(1);
      const a = t.randn([512, 512]);
      a.matmul(a).sum().item(); // the JavaScript thread computes too, as users' code does
      const n = 300;
      const data = { inputs: t.randn([n, 1, 32, 32]), targets: t.rand([n]).mul(10).floor().to('int64') };
      const model = t.models.mnistModel('convnet', { pooling: 'max' }).float();
      const trainer = new t.Trainer({ model, criterion: new t.nn.ClassNLLCriterion(), batchSize: 1 });
      await trainer.trainEpoch({ inputs: data.inputs.index([0, 20]), targets: data.targets.index([0, 20]) });
      const before = process.resourceUsage().voluntaryContextSwitches;
      await trainer.trainEpoch(data);
      const perSample = (process.resourceUsage().voluntaryContextSwitches - before) / n;
      console.log(JSON.stringify({ perSample, threads: t.getNumThreads() }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const { perSample, threads } = JSON.parse(r.stdout.trim());
  console.log(`batch-1 pass, 2 threads: ${perSample.toFixed(2)} voluntary context switches per sample (65 before the fix)`);
  expect(threads).toBe(2);
  expect(perSample).toBeLessThan(10);
});

test('thread counts outside 1..4096 are refused in TypeScript and in the addon (2^53 once became 0 and aborted a pass)', () => {
  const t = require('../lib');
  const { native } = require('../lib/native');
  const before = t.getNumThreads();
  for (const bad of [0, -1, 1.5, 2 ** 53, 4097]) {
    expect(() => t.setNumThreads(bad)).toThrow(/Expected an integer from 1 to 4096 for thread count/);
  }
  for (const bad of [0, -1, 2 ** 53, 2 ** 32]) {
    expect(() => native().setNumThreads(bad)).toThrow(/expected a thread count from 1 to 4096, got/);
  }
  expect(t.getNumThreads()).toBe(before);
});
