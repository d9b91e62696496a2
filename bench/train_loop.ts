/**
 * The nodetorch column of `npm run bench`: the same convnet and minibatch SGD loop as
 * bench/train_loop.cc and bench/train_loop.py, through nodetorch's public API (a Trainer: the native
 * loop on its own thread), in its own process like the other two.
 * Usage: node dist/bench/train_loop.js <batchSize> <samples> <threads> [cpu|cuda] [max|lp] [float|double] [fp32|bf16|fp16]
 *   [contiguous|channelsLast]
 * → prints one JSON line. lp is the study's default convnet (L2 pooling + subtractive normalisation).
 */
import { libtorchVersion, manualSeed, models, nn, Precision, rand, randn, setNumThreads, Trainer } from '../lib';
import type { MemoryFormat } from '../lib/nn';

async function main(
  batchSize: number,
  samples: number,
  threads: number,
  device: 'cpu' | 'cuda',
  pooling: 'max' | 'lp',
  dtype: 'float' | 'double',
  precision: Precision,
  memoryFormat: MemoryFormat,
) {
  setNumThreads(threads);
  manualSeed(1);
  const convnet = models.mnistModel('convnet', { pooling });
  const model = dtype === 'double' ? convnet.double() : convnet.float();
  if (device === 'cuda') model.cuda();
  model.to({ memoryFormat });
  // on the model's device, as the C++ and PyTorch loops keep them
  const inputs = randn([samples, 1, 32, 32], { dtype: dtype === 'double' ? 'float64' : 'float32' }).to(device);
  const targets = rand([samples]).mul(10).floor().to('int64').to(device);
  const trainer = new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize,
    precision,
    // the contender's own layout, not the Trainer's choice ('auto')
    memoryFormat,
    optimizer: { method: 'sgd', config: { learningRate: 0.01 } },
  });
  const warm = Math.min(samples, 4 * batchSize);
  await trainer.trainEpoch({ inputs: inputs.index([0, warm]), targets: targets.index([0, warm]) });
  const start = process.hrtime.bigint();
  await trainer.trainEpoch({ inputs, targets });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ batchSize, samples, seconds, samplesPerSecond: samples / seconds, peakRssMB, torch: libtorchVersion() }));
}

const [batch, samples, threads, device = 'cpu', pooling = 'max', dtype = 'float', precision = 'fp32', memoryFormat = 'contiguous'] =
  process.argv.slice(2);
main(
  Number(batch),
  Number(samples),
  Number(threads),
  device as 'cpu' | 'cuda',
  pooling as 'max' | 'lp',
  dtype as 'float' | 'double',
  precision as Precision,
  memoryFormat as MemoryFormat,
).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
