/**
 * One rank of `npm run bench:dist`: the convnet and SGD loop of bench/train_loop.ts, data-parallel
 * over the job in torchrun's environment (RANK, WORLD_SIZE, MASTER_PORT). Every rank holds the same
 * random samples and trains its shard; rank 0 prints one JSON line with the job's samples/s and the
 * time of one gradient-sized allreduce (measured after training, 50 times).
 * Usage: node dist/bench/train_dist.js <batchSize per rank> <samples> <threads per rank>
 */
import { distributed, manualSeed, models, nn, rand, randn, setNumThreads, Trainer, zeros } from '../lib';

async function main(batchSize: number, samples: number, threads: number) {
  setNumThreads(threads);
  const group = await distributed.init({ timeoutMs: 60_000 });
  manualSeed(1);
  const model = models.mnistModel('convnet', { pooling: 'max' }).float();
  const inputs = randn([samples, 1, 32, 32]);
  const targets = rand([samples]).mul(10).floor().to('int64');
  const trainer = new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize,
    distributed: group,
    optimizer: { method: 'sgd', config: { learningRate: 0.01 } },
  });
  const warm = Math.min(samples, 4 * batchSize * group.worldSize);
  await trainer.trainEpoch({ inputs: inputs.index([0, warm]), targets: targets.index([0, warm]) });
  await group.barrier();
  const start = process.hrtime.bigint();
  const result = await trainer.trainEpoch({ inputs, targets });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // the per-step collective alone: the flat gradient plus the loss, float32
  const gradient = zeros([trainer.parameters.numel + 1]);
  await group.allreduce(gradient);
  const reps = 50;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await group.allreduce(gradient);
  const allreduceMs = Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  if (group.rank === 0) {
    console.log(
      JSON.stringify({
        batchSize,
        samples: result.samples,
        steps: result.steps,
        seconds,
        samplesPerSecond: result.samples / seconds,
        allreduceMs,
        peakRssMB: process.resourceUsage().maxRSS / 1024,
      }),
    );
  }
  group.destroy();
}

const [batch, samples, threads] = process.argv.slice(2).map(Number);
main(batch, samples, threads).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
