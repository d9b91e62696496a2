/**
 * npm run bench -- --profile: where a training epoch's time goes, and how much of the machine it
 * uses. For each batch size and memory format it trains the study's convnet on random MNIST-shaped
 * data (as bench/train_loop.ts) once untimed, once timed, and once with the Trainer's `profile`
 * option, and prints:
 *   - samples/s of the timed pass, and the model's arithmetic rate: the convolutions' and linear
 *     layers' multiply-adds of a training step (forward, gradient of the input except the first
 *     layer's, gradient of the weights) × 2 flops, per second;
 *   - that rate as a fraction of the machine's matrix-product rate: a 1024² float32 (or bfloat16)
 *     matmul on one thread, best of 10, times the thread count (LibTorch's own best kernel);
 *   - the profiled pass's operators by self time (LibTorch's profiler, lib/train/profile.ts).
 *
 *   npm run bench -- --profile [--batch 128] [--model lp|max] [--precision fp32|bf16] [--threads 2]
 *                    [--samples N] [--json out.json]
 */
import * as os from 'os';
import { formatProfile, libtorchVersion, manualSeed, models, nn, rand, randn, setNumThreads, Trainer } from '../lib';
import type { PassProfile, Precision } from '../lib';
import type { MemoryFormat, Module } from '../lib/nn';
import { writeFileAtomic } from '../lib/util/atomic';

export interface ProfileBenchOptions {
  batchSizes: number[];
  pooling: 'max' | 'lp';
  precision: Precision;
  threads: number;
  samples?: number;
  json?: string;
}

interface ProfileCell {
  batch: number;
  memoryFormat: MemoryFormat;
  samplesPerSecond: number;
  /** The model's flops per second (2 × multiply-adds of the convolutions and linear layers). */
  gflops: number;
  /** gflops / the matmul rate. */
  fractionOfMatmul: number;
  profile: PassProfile;
}

/**
 * The multiply-adds × 2 of one training sample through `model`'s convolutions and linear layers:
 * 3× the forward pass's (forward, input gradient, weight gradient), less the first layer's input
 * gradient, which nothing needs.
 */
export function trainingFlopsPerSample(model: Module, inputShape: number[]): number {
  let forward = 0;
  let first: number | undefined;
  for (const row of model.summary(inputShape).rows) {
    const conv = row.module.startsWith('nn.SpatialConvolution');
    if (!conv && !row.module.startsWith('nn.Linear')) continue;
    const [, outputs, ...spatial] = row.outputShape;
    const weights = row.parameters - outputs; // less the bias
    const flops = 2 * weights * spatial.reduce((a, b) => a * b, 1);
    forward += flops;
    first ??= flops;
  }
  return 3 * forward - (first ?? 0);
}

/** Flops per second of a 1024² matrix product on this (JavaScript's) thread, best of 10. */
function matmulRate(precision: Precision): number {
  const dtype = precision === 'bf16' ? 'bfloat16' : precision === 'fp16' ? 'float16' : 'float32';
  const n = 1024;
  const a = randn([n, n]).to(dtype);
  const b = randn([n, n]).to(dtype);
  let best = Infinity;
  for (let i = 0; i < 11; i++) {
    const start = process.hrtime.bigint();
    a.matmul(b).dispose();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (i > 0) best = Math.min(best, seconds); // the first warms the kernel up
  }
  a.dispose();
  b.dispose();
  return (2 * n * n * n) / best;
}

export async function runProfile(o: ProfileBenchOptions): Promise<void> {
  setNumThreads(o.threads);
  // JavaScript's thread computes with one thread (docs/api/tensors.md), the pass with o.threads
  const ceiling = matmulRate(o.precision) * o.threads;
  console.log(
    `LibTorch ${libtorchVersion()}, ${os.cpus()[0]?.model ?? 'CPU'}, ${o.threads} thread(s), ${o.pooling} convnet, ${o.precision}; ` +
      `matmul 1024² on one thread × ${o.threads}: ${(ceiling / 1e9).toFixed(1)} GFLOP/s`,
  );
  const cells: ProfileCell[] = [];
  for (const batch of o.batchSizes) {
    const samples = o.samples ?? (batch === 1 ? 2000 : 6000);
    for (const memoryFormat of ['contiguous', 'channelsLast'] as const) {
      manualSeed(1);
      const model = models.mnistModel('convnet', { pooling: o.pooling }).float();
      model.to({ memoryFormat });
      const flops = trainingFlopsPerSample(model, [1, 32, 32]);
      const inputs = randn([samples, 1, 32, 32]);
      const targets = rand([samples]).mul(10).floor().to('int64');
      const trainer = new Trainer({
        model,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: batch,
        precision: o.precision,
        memoryFormat,
        optimizer: { method: 'sgd', config: { learningRate: 0.01 } },
      });
      const warm = Math.min(samples, 4 * batch);
      await trainer.trainEpoch({ inputs: inputs.index([0, warm]), targets: targets.index([0, warm]) });
      const timed = await trainer.trainEpoch({ inputs, targets });
      const profiled = await trainer.trainEpoch({ inputs, targets }, { profile: true });
      const samplesPerSecond = samples / timed.seconds;
      const cell: ProfileCell = {
        batch,
        memoryFormat,
        samplesPerSecond,
        gflops: (samplesPerSecond * flops) / 1e9,
        fractionOfMatmul: (samplesPerSecond * flops) / ceiling,
        profile: profiled.profile!,
      };
      cells.push(cell);
      inputs.dispose();
      targets.dispose();
      console.log(
        `\nbatch ${batch}, ${memoryFormat}: ${samplesPerSecond.toFixed(0)} samples/s, ${(flops / 1e6).toFixed(1)} MFLOP per sample, ` +
          `${cell.gflops.toFixed(1)} GFLOP/s = ${(100 * cell.fractionOfMatmul).toFixed(0)}% of the matmul rate; ` +
          `the profiled pass (${(samples / profiled.seconds).toFixed(0)} samples/s):`,
      );
      console.log(formatProfile(cell.profile));
    }
  }
  if (o.json) {
    const meta = { date: new Date().toISOString(), libtorch: libtorchVersion(), cpu: os.cpus()[0]?.model, ...o, matmulFlops: ceiling };
    writeFileAtomic(o.json, JSON.stringify({ meta, cells }, null, 1) + '\n');
  }
}
