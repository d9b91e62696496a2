/**
 * npm run bench: training throughput (samples/s) of the study's max-pooling convnet at batch sizes
 * 1, 32 and 128, through nodetorch's public API (Trainer, native loop) and through the same loop
 * written directly in C++ against LibTorch (bench/train_loop.cc), side by side.
 * Options: BENCH_THREADS (default 2), BENCH_SAMPLES (default 2000 for batch 1, 6000 otherwise).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { manualSeed, models, nn, randn, rand, setNumThreads, Trainer, libtorchVersion } from '../lib';

const root = path.resolve(__dirname, '..', '..');
const threads = Number(process.env.BENCH_THREADS || 2);
const batchSizes = [1, 32, 128];
const samplesFor = (batch: number) => Number(process.env.BENCH_SAMPLES || (batch === 1 ? 2000 : 6000));

function convnet(): nn.Sequential {
  return models.mnistModel('convnet', { pooling: 'max' }).float();
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
  const binary = path.join(root, 'build', 'train_loop_bench');
  if (!fs.existsSync(binary)) {
    console.log('building bench/train_loop.cc (plain LibTorch loop)…');
    execFileSync('cmake', ['--build', path.join(root, 'build'), '--target', 'train_loop_bench'], { stdio: 'inherit' });
  }
  return binary;
}

function cppRate(binary: string, batchSize: number, samples: number): number {
  const out = execFileSync(binary, [String(batchSize), String(samples), String(threads)], { encoding: 'utf8' });
  return JSON.parse(out.trim()).samplesPerSecond;
}

async function main() {
  setNumThreads(threads);
  const binary = cppBinary();
  console.log(`LibTorch ${libtorchVersion()}, ${threads} threads, float32, CPU; convnet 1×32×32 → 10, SGD`);
  console.log('| batch | samples | nodetorch (samples/s) | plain LibTorch C++ (samples/s) | nodetorch / C++ |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const batch of batchSizes) {
    const samples = samplesFor(batch);
    const ours = await nodetorchRate(batch, samples);
    const ref = cppRate(binary, batch, samples);
    console.log(`| ${batch} | ${samples} | ${ours.toFixed(1)} | ${ref.toFixed(1)} | ${(ours / ref).toFixed(3)} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
