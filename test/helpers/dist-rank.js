// One rank of a data-parallel job, for test/distributed.test.ts: node dist-rank.js '<json spec>'.
// Prints one line 'RESULT <json>' (or 'ERROR <json>' with the error's name and message).
const path = require('path');
const t = require(path.join(__dirname, '..', '..', 'dist', 'lib', 'index.js'));

const spec = JSON.parse(process.argv[2]);
const MNIST_DIR = process.env.MNIST_DIR || path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'mnist');

/** The first n samples of MNIST's small training set, float64 (so that sums differ by rounding only). */
async function samples(n) {
  const mnist = await t.data.mnist({ dir: MNIST_DIR, size: 'small' });
  return {
    train: { inputs: mnist.train.inputs.slice(0, 0, n).double(), targets: mnist.train.targets.slice(0, 0, n) },
    test: { inputs: mnist.test.inputs.slice(0, 0, 200).double(), targets: mnist.test.targets.slice(0, 0, 200) },
  };
}

/** x + scale ⊙ fc(x), written in JavaScript: its forward runs on the event loop, called from the native pass. */
class Residual extends t.nn.Module {
  constructor(n) {
    super({ args: [n] });
    this.fc = this.register('fc', new t.nn.Linear(n, n));
    this.parameter('scale', t.ones([n]).mul(0.5));
  }
  forward(x) {
    return x.add(this.fc.forward(x).mul(this.scale));
  }
}

/** The study's MLP shape with a module written in JavaScript in the middle. */
const withScriptModule = () =>
  new t.nn.Sequential(
    new t.nn.View(1024),
    new t.nn.Linear(1024, 32),
    new Residual(32),
    new t.nn.Tanh(),
    new t.nn.Linear(32, 10),
    new t.nn.LogSoftMax(),
  );

function trainer(s, group) {
  // every rank draws its own initial weights (seed + rank): rank 0's must reach every rank
  t.manualSeed(s.seed + (group ? group.rank : 0));
  const model = (s.model === 'script-module' ? withScriptModule() : t.models.mnistModel(s.model ?? 'mlp')).double();
  if (s.extraLayer && group && group.rank === s.extraLayer) model.add(new t.nn.Linear(10, 10));
  t.manualSeed(s.seed); // the same random stream on every rank from here on (shuffle, dropout)
  return new t.Trainer({
    model,
    criterion: new t.nn.ClassNLLCriterion(),
    batchSize: s.batchSize,
    optimizer: s.optimizer,
    ...(group ? { distributed: group } : {}),
  });
}

const scenarios = {
  // sums, averages, broadcasts and a barrier
  async collectives(group) {
    const x = t.tensor([group.rank + 1, 10 * (group.rank + 1)], { dtype: 'float64' });
    await group.allreduce(x);
    const m = t.tensor([group.rank], { dtype: 'int64' });
    await group.allreduce(m, 'max');
    const a = t.tensor([group.rank * 2], { dtype: 'float32' });
    await group.allreduce(a, 'avg');
    const b = t.tensor([[group.rank, 7]], { dtype: 'int32' });
    await group.broadcast(b, group.worldSize - 1);
    await group.barrier();
    return { sum: x.toArray(), max: m.toArray(), avg: a.toArray(), broadcast: b.toArray() };
  },
  // trains `epochs` epochs (on one rank without a group: the reference); returns the parameters
  async train(group, s) {
    const d = await samples(s.samples);
    const tr = trainer(s, group);
    // this rank reads its training samples on demand, in chunks, rather than from memory
    const streamed = group && s.streamRank === group.rank;
    const train = streamed
      ? {
          length: s.samples,
          chunkSize: 24,
          batch: (indices) => ({
            inputs: d.train.inputs.indexSelect(0, t.tensor(indices, { dtype: 'int64' })),
            targets: d.train.targets.indexSelect(0, t.tensor(indices, { dtype: 'int64' })),
          }),
        }
      : d.train;
    const results = await tr.fit({ train, test: d.test, epochs: s.epochs, ...(s.save ? { save: s.save } : {}) });
    const r = results[results.length - 1];
    return {
      params: Array.from(tr.parameters.data()),
      trainLoss: r.train.loss,
      trainSamples: r.train.samples,
      steps: r.train.steps,
      trainConfusion: r.train.confusion.mat,
      testAccuracy: r.test.accuracy,
      testSamples: r.test.samples,
    };
  },
  // trains forever (until a peer is killed)
  async trainForever(group, s) {
    const d = await samples(s.samples);
    const tr = trainer(s, group);
    process.stdout.write('TRAINING\n');
    for (;;) await tr.trainEpoch(d.train);
  },
};

(async () => {
  const group = spec.worldSize
    ? await t.distributed.init({ rank: spec.rank, worldSize: spec.worldSize, masterPort: spec.port, timeoutMs: spec.timeoutMs ?? 20000 })
    : null;
  const result = await scenarios[spec.scenario](group, spec);
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
  group?.destroy();
})().catch((e) => {
  process.stdout.write('ERROR ' + JSON.stringify({ name: e.name, message: e.message, torchError: e instanceof t.TorchError }) + '\n');
  process.exitCode = 1;
});
