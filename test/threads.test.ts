// Where LibTorch's parallel regions run (native/addon_runtime.cc): JavaScript threads compute with
// one intra-op thread and passes with setNumThreads' count, so the process holds one OpenMP pool.
// With two (the JavaScript thread's and the pass's), libgomp's threads outnumbered the cores, it
// stopped spinning between parallel regions, and a batch-1 pass with 2 threads slept and woke
// about 65 times per sample (slower than with 1 thread). Counted here with getrusage, in a child
// process so that nothing else runs in it; no timing is asserted.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CHILD_TIMEOUT_MS } from './helpers/common';

const root = path.resolve(__dirname, '..');

test("a batch-1 pass with 2 threads does not thrash: few voluntary context switches per sample, and getNumThreads is the passes' count", () => {
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
  const r = spawnSync(process.execPath, ['-e', script], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8' });
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

// LibTorch's CPU matrix products run in its BLAS (native/addon_runtime.cc, OpenBlas). Debian's
// LibTorch takes the system's OpenBLAS: its OpenMP build shares LibTorch's OpenMP threads; its
// pthreads build keeps a pool of its own that spins beside LibTorch's, so nodetorch holds it to
// one thread. Each build is loaded here in a child process through LD_LIBRARY_PATH.
describe('the BLAS under LibTorch', () => {
  // A child process's libtorchInfo().blas and a product's check, with `env` added. Run at collection
  // too (to pick the tests), so it only reports; the tests assert.
  const probe = (env: NodeJS.ProcessEnv) => {
    const script = `const t = require(${JSON.stringify(path.join(root, 'dist/lib/index.js'))});
      const a = t.randn([256, 256], { dtype: 'float64' });
      console.log(JSON.stringify({ blas: t.libtorchInfo().blas, product: a.matmul(a).sub(a.matmul(a)).abs().max().item() }));`;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, ...env } });
    try {
      return { stderr: r.stderr, ...(JSON.parse(r.stdout.trim()) as { blas: string; product: number }) };
    } catch {
      return { stderr: r.stderr || `no result (exit ${r.status ?? r.signal})`, blas: '', product: NaN };
    }
  };
  const blasOf = (env: NodeJS.ProcessEnv) => {
    const r = probe(env);
    expect(r.stderr).toBe('');
    return r;
  };
  const here = probe({});
  const multiarch = '/usr/lib/x86_64-linux-gnu';
  const builds = ['openblas-pthread', 'openblas-openmp'].filter((b) => fs.existsSync(path.join(multiarch, b, 'libopenblas.so.0')));

  test("libtorchInfo names it: MKL in the wheels, OpenBLAS and its build for Debian's LibTorch", () => {
    const r = blasOf({});
    expect(r.blas).toMatch(/^(MKL|OpenBLAS \((OpenMP|pthreads|sequential) build, \d+ threads?\): OpenBLAS \d+\.\d+)/);
    expect(r.product).toBe(0);
    if (r.blas.startsWith('OpenBLAS')) expect(builds.length).toBeGreaterThan(0);
  });

  const openBlas = here.blas.startsWith('OpenBLAS');
  (openBlas && builds.includes('openblas-pthread') ? test : test.skip)(
    "a pthreads OpenBLAS is held to one thread (its pool would fight LibTorch's)",
    () => {
      const r = blasOf({ LD_LIBRARY_PATH: path.join(multiarch, 'openblas-pthread'), OPENBLAS_NUM_THREADS: '2' });
      expect(r.blas).toMatch(/^OpenBLAS \(pthreads build, 1 thread\)/);
      expect(r.product).toBe(0);
    },
  );

  (openBlas && builds.includes('openblas-openmp') ? test : test.skip)("the OpenMP OpenBLAS is left to follow LibTorch's threads", () => {
    const r = blasOf({ LD_LIBRARY_PATH: path.join(multiarch, 'openblas-openmp') });
    expect(r.blas).toMatch(/^OpenBLAS \(OpenMP build, /);
    expect(r.product).toBe(0);
  });
});
