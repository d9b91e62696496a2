/**
 * npm run bench: training throughput (samples/s) and peak memory of the study's convnet,
 * through nodetorch (bench/train_loop.ts: a Trainer), the same loop written directly in C++ against
 * LibTorch (bench/train_loop.cc) and, where a Python with torch is found, in PyTorch
 * (bench/train_loop.py). Each measurement is its own process; the contenders are interleaved within
 * each run and every cell is repeated (--runs, default 3), so that a noisy shared machine shows as
 * spread, not as a wrong ratio. The table gives the median and the min–max range.
 *
 *   npm run bench -- [--threads 1,2] [--batch 1,32,128] [--runs 3] [--samples N] [--device cpu|cuda]
 *                    [--model max|lp] [--dtype float|double] [--precision fp32|bf16|fp16]
 *                    [--json results.json] [--compare earlier.json]
 *
 * --precision bf16|fp16: nodetorch's Trainer({ precision }) against PyTorch's torch.autocast (and
 * GradScaler for fp16), float32 weights; the plain C++ loop has no autocast and is left out.
 *
 * On the CPU two more contenders run where jemalloc is installed (Debian's libjemalloc2, or
 * BENCH_JEMALLOC): nodetorch with its caching allocator off and jemalloc preloaded, and PyTorch as
 * its performance tuning guide runs it (channels_last model and inputs, jemalloc preloaded; without
 * jemalloc, channels_last alone).
 *
 * --model max (default): the max-pooling convnet (Torch7's -type cuda model); lp: the study's
 * default convnet for -type double|float (L2 pooling + subtractive normalisation).
 *
 * --tta [--seeds 1,2,3] [--pytorchSeeds 1] [--epochs N]: time to accuracy of `nodetorch mnist -recipe fast` against
 * PyTorch's same recipe (scripts/bench-tta.ts) instead of throughput.
 *
 * --profile [--batch 128] [--model lp] [--precision fp32|bf16] [--samples N]: where a nodetorch epoch's
 * time goes (LibTorch's profiler, per operator) and the model's flops per second against the
 * machine's matmul rate (scripts/bench-profile.ts).
 *
 * BENCH_PYTHON picks the Python (default: the first of $PYTHON, python3, /usr/bin/python3 that
 * imports torch; $PYTHON is the one whose LibTorch the build used).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { libtorchVersion } from '../lib';
import { writeFileAtomic } from '../lib/util/atomic';
import { runProfile } from './bench-profile';
import { runTta } from './bench-tta';

const root = path.resolve(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1,32,128' },
    runs: { type: 'string', default: '3' },
    samples: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    model: { type: 'string', default: 'max' },
    dtype: { type: 'string', default: 'float' },
    precision: { type: 'string', default: 'fp32' },
    json: { type: 'string' },
    compare: { type: 'string' },
    tta: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '1,2,3' },
    pytorchSeeds: { type: 'string' },
    epochs: { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
  strict: true,
});
const list = (text: string, what: string) =>
  text.split(',').map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} takes positive integers separated by commas, got '${text}'`);
    return n;
  });
const threadCounts = list(args.threads!, 'threads');
const batchSizes = list(args.batch!, 'batch');
const [runs] = list(args.runs!, 'runs');
const device = args.device!;
if (device !== 'cpu' && device !== 'cuda') throw new Error(`--device must be cpu or cuda, got '${device}'`);
const model = args.model!;
if (model !== 'max' && model !== 'lp') throw new Error(`--model must be max or lp, got '${model}'`);
const dtype = args.dtype!;
if (dtype !== 'float' && dtype !== 'double') throw new Error(`--dtype must be float or double, got '${dtype}'`);
const precision = args.precision!;
if (!['fp32', 'bf16', 'fp16'].includes(precision)) throw new Error(`--precision must be fp32, bf16 or fp16, got '${precision}'`);
if (precision !== 'fp32' && dtype !== 'float') throw new Error(`--precision ${precision} autocasts a float32 model: leave --dtype float`);
// enough steps for a steady rate: a GPU's steps are short, so it gets more samples
const samplesFor = (batch: number) =>
  args.samples ? list(args.samples, 'samples')[0] : device === 'cuda' ? (batch === 1 ? 5000 : 30000) : batch === 1 ? 2000 : 6000;

interface Measurement {
  samplesPerSecond: number;
  peakRssMB: number;
  torch?: string;
}
interface Cell {
  threads: number;
  batch: number;
  samples: number;
  /** Every run's figures, per contender. */
  runs: Record<string, Measurement[]>;
}

function cppBinary(): string {
  // Always asked of the build, so that the loop is rebuilt when the build's LibTorch changed.
  execFileSync('cmake', ['--build', path.join(root, 'build'), '--target', 'train_loop_bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(root, 'build', 'train_loop_bench');
}

/** A Python interpreter that imports torch, or undefined (the PyTorch column is then left out). */
function pythonWithTorch(): string | undefined {
  const env = process.env;
  const candidates = env.BENCH_PYTHON
    ? [env.BENCH_PYTHON]
    : [env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

/** A contender: its name, program and arguments, arguments after the common ones, and environment. */
interface Contender {
  name: string;
  command: string;
  args: string[];
  after?: string[];
  env?: Record<string, string>;
}

/** jemalloc, as PyTorch's CPU tuning guide preloads it (BENCH_JEMALLOC, else Debian's libjemalloc2). */
function jemalloc(): string | undefined {
  const found = [
    process.env.BENCH_JEMALLOC,
    '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
    '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  ].find((p) => p && fs.existsSync(p));
  return found ?? undefined;
}

function measure(c: Contender, batch: number, samples: number, threads: number): Measurement {
  const common = [String(batch), String(samples), String(threads), device, model, dtype];
  const tail = c.after ?? (precision === 'fp32' ? [] : [precision]);
  // stderr is shown only on failure (PyTorch warns when NumPy is missing, which the loop does not use)
  const run = spawnSync(c.command, [...c.args, ...common, ...tail], { encoding: 'utf8', env: { ...process.env, ...c.env } });
  const [command, commandArgs] = [c.command, c.args];
  if (run.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed (${run.status ?? run.signal}):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rate = (m: Measurement[]) => median(m.map((x) => x.samplesPerSecond));
const spread = (m: Measurement[]) =>
  `${median(m.map((x) => x.samplesPerSecond)).toFixed(0)} (${Math.min(...m.map((x) => x.samplesPerSecond)).toFixed(0)}–${Math.max(...m.map((x) => x.samplesPerSecond)).toFixed(0)})`;

function main() {
  const nodetorch = [path.join(root, 'dist', 'bench', 'train_loop.js')];
  const contenders: Contender[] = [{ name: 'nodetorch', command: process.execPath, args: nodetorch }];
  const preload = device === 'cpu' ? jemalloc() : undefined;
  // the caching allocator against jemalloc on the same loop (the cache off, jemalloc preloaded)
  if (preload)
    contenders.push({
      name: 'nodetorch+jemalloc',
      command: process.execPath,
      args: nodetorch,
      env: { LD_PRELOAD: preload, NODETORCH_CPU_CACHE_MB: '0' },
    });
  // the channels-last model (model.to({ memoryFormat: 'channelsLast' })), as PyTorch+CL runs
  if (device === 'cpu')
    contenders.push({ name: 'nodetorch+CL', command: process.execPath, args: nodetorch, after: [precision, 'channelsLast'] });
  if (precision === 'fp32') contenders.push({ name: 'C++', command: cppBinary(), args: [] });
  const python = pythonWithTorch();
  if (python) {
    const script = [path.join(root, 'bench', 'train_loop.py')];
    contenders.push({ name: 'PyTorch', command: python, args: script });
    // as PyTorch's performance tuning guide runs it on CPUs: channels_last, and jemalloc preloaded
    const tuned = preload ? 'PyTorch+CL+jemalloc' : 'PyTorch+CL';
    if (device === 'cpu')
      contenders.push({
        name: tuned,
        command: python,
        args: script,
        after: [precision, 'channels_last'],
        ...(preload ? { env: { LD_PRELOAD: preload } } : {}),
      });
  }
  const cells: Cell[] = [];
  for (const threads of threadCounts) {
    for (const batch of batchSizes) {
      const cell: Cell = { threads, batch, samples: samplesFor(batch), runs: Object.fromEntries(contenders.map(({ name }) => [name, []])) };
      for (let r = 0; r < runs; r++) {
        // interleaved, and in a rotating order, so that a slow spell of the machine hits everyone
        for (let k = 0; k < contenders.length; k++) {
          const contender = contenders[(k + r) % contenders.length];
          cell.runs[contender.name].push(measure(contender, batch, cell.samples, threads));
        }
      }
      cells.push(cell);
      process.stderr.write(`measured ${threads} thread(s), batch ${batch}\n`);
    }
  }
  const pyTorch = python ? cells[0].runs.PyTorch[0].torch : undefined;
  const meta = {
    date: new Date().toISOString(),
    libtorch: libtorchVersion(),
    pytorch: pyTorch ?? null,
    device,
    model,
    dtype,
    precision,
    cpus: os.cpus().length,
    runs,
  };
  console.log(
    `LibTorch ${meta.libtorch} (nodetorch and C++)${pyTorch ? `, PyTorch ${pyTorch}` : ''}, ${device}, ${dtype}${precision === 'fp32' ? '' : ` with ${precision} autocast`}; convnet (${model === 'lp' ? 'L2 pooling + normalisation' : 'max pooling'}) 1×32×32 → 10, SGD; median (min–max) of ${runs} runs, samples/s`,
  );
  if (!python) console.log('(no Python with torch found: the PyTorch column is left out; set BENCH_PYTHON)');
  const names = contenders.map(({ name }) => name);
  const others = names.filter((n) => n !== 'nodetorch');
  console.log(
    `| threads | batch | samples | ${names.join(' | ')} | ${others.map((o) => `nodetorch / ${o}`).join(' | ')} | peak RSS MB (${names.join(' / ')}) |`,
  );
  console.log(`| ---: | ---: | ---: | ${names.map(() => '---:').join(' | ')} | ${others.map(() => '---:').join(' | ')} | ---: |`);
  for (const c of cells) {
    const ratios = others.map((o) => (rate(c.runs.nodetorch) / rate(c.runs[o])).toFixed(2));
    const rss = names.map((n) => median(c.runs[n].map((m) => m.peakRssMB)).toFixed(0)).join(' / ');
    console.log(
      `| ${c.threads} | ${c.batch} | ${c.samples} | ${names.map((n) => spread(c.runs[n])).join(' | ')} | ${ratios.join(' | ')} | ${rss} |`,
    );
  }
  if (args.json) writeFileAtomic(args.json, JSON.stringify({ meta, cells }, null, 1) + '\n');
  if (args.compare) compare(JSON.parse(fs.readFileSync(args.compare, 'utf8')), cells);
}

/** Ratios of this run's medians to an earlier run's (--json output), cell by cell. */
function compare(earlier: { meta: { date: string; model?: string; dtype?: string }; cells: Cell[] }, cells: Cell[]) {
  // runs before --model and --dtype existed measured the max-pooling convnet in float32
  const [earlierModel, earlierDtype] = [earlier.meta.model ?? 'max', earlier.meta.dtype ?? 'float'];
  if (earlierModel !== model || earlierDtype !== dtype) {
    console.log(
      `\n${args.compare} measured --model ${earlierModel} --dtype ${earlierDtype}, this run --model ${model} --dtype ${dtype}: not compared`,
    );
    return;
  }
  console.log(`\nCompared with ${args.compare} (${earlier.meta.date}): this run's median / the earlier median`);
  for (const c of cells) {
    const old = earlier.cells.find((o) => o.threads === c.threads && o.batch === c.batch);
    if (!old) continue;
    const parts = Object.keys(c.runs)
      .filter((n) => old.runs[n])
      .map((n) => `${n} ${(rate(c.runs[n]) / rate(old.runs[n])).toFixed(2)}×`);
    console.log(`  ${c.threads} thread(s), batch ${c.batch}: ${parts.join(', ')}`);
  }
}

if (args.tta) {
  const python = pythonWithTorch();
  const preload = jemalloc();
  const seeds = (text: string, option: string) =>
    text.split(',').map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${option} takes integers >= 0 separated by commas, got '${text}'`);
      return n;
    });
  runTta({
    seeds: seeds(args.seeds!, 'seeds'),
    ...(args.pytorchSeeds ? { pytorchSeeds: seeds(args.pytorchSeeds, 'pytorchSeeds') } : {}),
    ...(args.epochs ? { epochs: list(args.epochs, 'epochs')[0] } : {}),
    threads: threadCounts[0],
    ...(args.json ? { json: args.json } : {}),
    ...(python ? { python } : {}),
    ...(preload ? { jemalloc: preload } : {}),
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (args.profile) {
  if (device !== 'cpu') throw new Error('--profile measures the CPU; the GPU runs in scripts/gpu-check.sh');
  if (dtype !== 'float') throw new Error('--profile runs the float32 model (with --precision for autocast)');
  runProfile({
    batchSizes,
    pooling: model,
    precision: precision as 'fp32' | 'bf16' | 'fp16',
    threads: threadCounts[0],
    ...(args.samples ? { samples: list(args.samples, 'samples')[0] } : {}),
    ...(args.json ? { json: args.json } : {}),
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else main();
