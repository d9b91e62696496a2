/**
 * npm run bench: training throughput (samples/s) of the study's max-pooling convnet at batch sizes
 * 1, 32 and 128, through nodetorch's public API (Trainer, native loop), through the same loop
 * written directly in C++ against LibTorch (bench/train_loop.cc) and, where a Python with torch is
 * found, in PyTorch (bench/train_loop.py), side by side.
 * Options: BENCH_THREADS (default 2), BENCH_SAMPLES (default 2000 for batch 1, 6000 otherwise),
 * BENCH_DEVICE (cpu or cuda, default cpu), BENCH_PYTHON (default: the first of $PYTHON, python3,
 * /usr/bin/python3 that imports torch; $PYTHON is the one whose LibTorch the build used).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { manualSeed, models, nn, randn, rand, setNumThreads, Trainer, libtorchVersion } from '../lib';

const root = path.resolve(__dirname, '..', '..');
const threads = Number(process.env.BENCH_THREADS || 2);
const batchSizes = [1, 32, 128];
const samplesFor = (batch: number) => Number(process.env.BENCH_SAMPLES || (batch === 1 ? 2000 : 6000));
const device = process.env.BENCH_DEVICE || 'cpu';
if (device !== 'cpu' && device !== 'cuda') throw new Error(`BENCH_DEVICE must be cpu or cuda, got '${device}'`);

function convnet(): nn.Sequential {
  const model = models.mnistModel('convnet', { pooling: 'max' }).float();
  return device === 'cuda' ? model.cuda() : model;
}

async function nodetorchRate(batchSize: number, samples: number): Promise<number> {
  manualSeed(1);
  const inputs = randn([samples, 1, 32, 32]);
  const targets = rand([samples]).mul(10).floor().to('int64');
  const trainer = new Trainer({ model: convnet(), criterion: new nn.ClassNLLCriterion(), batchSize, optimizer: { method: 'sgd', config: { learningRate: 0.01 } } });
  const warm = Math.min(samples, 4 * batchSize);
  await trainer.trainEpoch({ inputs: inputs.index([0, warm]), targets: targets.index([0, warm]) });
  const start = process.hrtime.bigint();
  await trainer.trainEpoch({ inputs, targets });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  inputs.dispose();
  targets.dispose();
  return samples / seconds;
}

function cppBinary(): string {
  // Always asked of the build, so that the loop is rebuilt when the build's LibTorch changed.
  execFileSync('cmake', ['--build', path.join(root, 'build'), '--target', 'train_loop_bench'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(root, 'build', 'train_loop_bench');
}

/** A Python interpreter that imports torch, or undefined (the PyTorch column is then left out). */
function pythonWithTorch(): string | undefined {
  const env = process.env;
  const candidates = env.BENCH_PYTHON ? [env.BENCH_PYTHON] : [env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  return candidates.find((python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function loopRate(command: string, args: string[], batchSize: number, samples: number): { samplesPerSecond: number; torch?: string } {
  // stderr is shown only on failure (PyTorch warns when NumPy is missing, which the loop does not use)
  const run = spawnSync(command, [...args, String(batchSize), String(samples), String(threads), device], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${run.status ?? run.signal}):\n${run.stderr}`);
  const out = run.stdout;
  return JSON.parse(out.trim());
}

async function main() {
  setNumThreads(threads);
  const binary = cppBinary();
  const python = pythonWithTorch();
  const script = path.join(root, 'bench', 'train_loop.py');
  console.log(`LibTorch ${libtorchVersion()}, ${threads} threads, float32, ${device}; convnet 1×32×32 → 10, SGD`);
  if (!python) console.log('(no Python with torch found: the PyTorch column is left out; set BENCH_PYTHON)');
  console.log('| batch | samples | nodetorch | plain LibTorch C++ | PyTorch | nodetorch / C++ | nodetorch / PyTorch |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const batch of batchSizes) {
    const samples = samplesFor(batch);
    const ours = await nodetorchRate(batch, samples);
    const cpp = loopRate(binary, [], batch, samples).samplesPerSecond;
    const py = python ? loopRate(python, [script], batch, samples) : undefined;
    const pyCells = py ? [py.samplesPerSecond.toFixed(1) + ` (torch ${py.torch})`, (ours / py.samplesPerSecond).toFixed(3)] : ['–', '–'];
    console.log(`| ${batch} | ${samples} | ${ours.toFixed(1)} | ${cpp.toFixed(1)} | ${pyCells[0]} | ${(ours / cpp).toFixed(3)} | ${pyCells[1]} |`);
  }
  console.log('(samples/s)');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
