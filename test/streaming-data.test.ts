// Datasets that load samples on demand (BatchDataset): a streamed epoch equals the same epoch over
// tensors in memory, the next chunk loads while the current one trains, samples can come from a
// file on disk, and every bad answer from batch() is a TorchError naming it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchDataset, Dataset, Tensor, TorchError, Trainer, augment, data, manualSeed, nn, tensor } from '../lib';
import { MNIST_DIR } from './helpers/common';

function mlp(): nn.Sequential {
  return new nn.Sequential()
    .add(new nn.Reshape(1024))
    .add(new nn.Linear(1024, 32))
    .add(new nn.Tanh())
    .add(new nn.Linear(32, 10))
    .add(new nn.LogSoftMax())
    .float();
}

/** A BatchDataset over tensors in memory, recording what it was asked for. */
function streamed(split: Dataset, chunkSize?: number): BatchDataset & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    length: split.inputs.shape[0],
    chunkSize,
    calls,
    batch(indices: number[]) {
      calls.push(indices);
      return { inputs: split.inputs.indexSelect(0, indices), targets: split.targets.indexSelect(0, indices) };
    },
  };
}

describe('BatchDataset: data loaded on demand', () => {
  let train: Dataset;
  let testSet: Dataset;
  beforeAll(async () => {
    const mnist = await data.mnist({ dir: MNIST_DIR, size: 'small' });
    // 1000 training samples: enough to cross several chunks, quick to train
    train = { inputs: mnist.train.inputs.slice(0, 0, 1000), targets: mnist.train.targets.slice(0, 0, 1000) };
    testSet = mnist.test;
  });

  /** One epoch with momentum, rotation and a per-step schedule: everything that draws or counts. */
  async function epoch(trainData: Dataset | BatchDataset, testData: Dataset | BatchDataset) {
    manualSeed(7);
    const model = mlp();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 10,
      optimizer: { method: 'sgd', config: { learningRate: 0.05, momentum: 0.9 } },
      augment: [augment.rotate({ std: 0.2 })],
      schedule: { kind: 'cosine', total: 100, per: 'step' },
    });
    const progress: { done: number; total: number; loss: number }[] = [];
    const [result] = await trainer.fit({
      train: trainData,
      test: testData,
      epochs: 1,
      onProgress: (p) => p.phase === 'train' && progress.push(p),
    });
    return {
      params: trainer.parameters.toArray() as number[],
      result,
      progress,
      rate: trainer.learningRate,
      schedule: trainer.scheduleState,
    };
  }

  test('a streamed epoch takes exactly the steps of the same epoch in memory (same seed)', async () => {
    const inMemory = await epoch(train, testSet);
    // 64 samples a chunk rounds up to 70 (whole minibatches of 10): 15 chunks, the last one of 20
    const source = streamed(train, 64);
    const testSource = streamed(testSet);
    const stream = await epoch(source, testSource);
    expect(source.calls.map((c) => c.length)).toEqual([...new Array(14).fill(70), 20]);
    // the order is a permutation drawn once per epoch: every sample exactly once
    expect(source.calls.flat().sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
    expect(testSource.calls.flat()).toEqual([...Array(testSet.inputs.shape[0]).keys()]); // tests run in file order
    expect(stream.params).toEqual(inMemory.params);
    expect(stream.result.train.loss).toBeCloseTo(inMemory.result.train.loss, 10);
    expect(stream.result.train.confusion.mat).toEqual(inMemory.result.train.confusion.mat);
    expect(stream.result.train.steps).toBe(100);
    expect(stream.result.test!.confusion.mat).toEqual(inMemory.result.test!.confusion.mat);
    expect(stream.result.test!.loss).toBeCloseTo(inMemory.result.test!.loss, 10);
    expect(stream.rate).toBe(inMemory.rate);
    expect(stream.schedule).toEqual(inMemory.schedule);
    // progress covers the whole epoch, increasing, with the running loss of everything so far
    const done = stream.progress.map((p) => p.done);
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    expect(stream.progress[stream.progress.length - 1]).toMatchObject({ done: 1000, total: 1000 });
    expect(stream.progress[stream.progress.length - 1].loss).toBeCloseTo(stream.result.train.loss, 10);
  });

  test('the next chunk loads while the current one trains, and every loaded tensor is freed', async () => {
    let trained = 0;
    const askedAt: number[] = [];
    const returned: Tensor[] = [];
    const source: BatchDataset = {
      length: 1000,
      chunkSize: 200,
      async batch(indices) {
        askedAt.push(trained);
        await new Promise((r) => setTimeout(r, 5)); // an asynchronous source (a file, a database)
        const chunk = { inputs: train.inputs.indexSelect(0, indices), targets: train.targets.indexSelect(0, indices) };
        returned.push(chunk.inputs, chunk.targets);
        return chunk;
      },
    };
    const trainer = new Trainer({ model: mlp(), criterion: new nn.ClassNLLCriterion(), batchSize: 10 });
    await trainer.trainEpoch(source, { onProgress: (p) => (trained = p.done) });
    expect(askedAt.length).toBe(5);
    // chunk k was asked for as chunk k-1 started training, not after it finished (200·k samples)
    for (let k = 1; k < askedAt.length; k++) expect(askedAt[k]).toBeLessThanOrEqual(200 * (k - 1));
    expect(returned.length).toBe(10);
    expect(returned.every((t) => t.isDisposed)).toBe(true);
  });

  test('samples read from a binary file on disk train as the same samples in memory', async () => {
    // A file of raw float32 images and a file of uint8 labels, read at offsets: the pattern for a
    // dataset larger than memory.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-stream-'));
    const n = 500;
    const images = train.inputs.slice(0, 0, n).contiguous();
    const labels = train.targets.slice(0, 0, n);
    const sampleBytes = 32 * 32 * 4;
    fs.writeFileSync(path.join(dir, 'images.f32'), Buffer.from((images.data() as Float32Array).buffer));
    fs.writeFileSync(path.join(dir, 'labels.u8'), Buffer.from(Uint8Array.from(labels.toArray() as number[])));
    const fileSource: BatchDataset = {
      length: n,
      async batch(indices) {
        const file = await fs.promises.open(path.join(dir, 'images.f32'), 'r');
        try {
          const out = new Float32Array(indices.length * 32 * 32);
          const bytes = Buffer.from(out.buffer);
          await Promise.all(indices.map((i, k) => file.read(bytes, k * sampleBytes, sampleBytes, i * sampleBytes)));
          const allLabels = await fs.promises.readFile(path.join(dir, 'labels.u8'));
          return {
            inputs: tensor(out).view([indices.length, 1, 32, 32]),
            targets: tensor(
              indices.map((i) => allLabels[i]),
              { dtype: 'int64' },
            ),
          };
        } finally {
          await file.close();
        }
      },
    };
    const run = async (d: Dataset | BatchDataset) => {
      manualSeed(3);
      const trainer = new Trainer({ model: mlp(), criterion: new nn.ClassNLLCriterion(), batchSize: 5 });
      const r = await trainer.trainEpoch(d);
      return { params: trainer.parameters.toArray(), r };
    };
    const fromFile = await run(fileSource);
    const fromMemory = await run({ inputs: images, targets: labels });
    expect(fromFile.params).toEqual(fromMemory.params);
    expect(fromFile.r.confusion.mat).toEqual(fromMemory.r.confusion.mat);
    expect(fromFile.r.samples).toBe(n);
    fs.rmSync(dir, { recursive: true });
  });

  test('a regression Trainer streams too', async () => {
    manualSeed(1);
    const x = tensor([...Array(64).keys()].map((i) => [i / 64]));
    const y = x.mul(3).add(1);
    const source: BatchDataset = {
      length: 64,
      chunkSize: 16,
      batch: (idx) => ({ inputs: x.indexSelect(0, idx), targets: y.indexSelect(0, idx) }),
    };
    const trainer = new Trainer({
      model: new nn.Sequential().add(new nn.Linear(1, 1)),
      task: 'regression',
      criterion: new nn.MSECriterion(),
      batchSize: 8,
      optimizer: { method: 'sgd', config: { learningRate: 0.5 } },
    });
    let last = Infinity;
    for (let e = 0; e < 40; e++) last = (await trainer.trainEpoch(source)).rmse;
    const result = await trainer.test(source);
    expect(result.samples).toBe(64);
    expect(result.rmse).toBeLessThan(0.05);
    expect(last).toBeLessThan(0.1);
  });

  describe('bad datasets and bad batches are TorchErrors naming what was wrong', () => {
    const trainer = () => new Trainer({ model: mlp(), criterion: new nn.ClassNLLCriterion(), batchSize: 10 });
    const chunk = (indices: number[]) => ({ inputs: train.inputs.indexSelect(0, indices), targets: train.targets.indexSelect(0, indices) });

    test.each([
      [
        'a length that is not a count',
        { length: -1, batch: chunk },
        /Expected a non-negative integer for train data length but received -1/,
      ],
      ['a length of 0', { length: 0, batch: chunk }, /train: the dataset is empty \(length 0\)/],
      ['a chunkSize of 0', { length: 10, chunkSize: 0, batch: chunk }, /train data chunkSize/],
      [
        'too few samples',
        { length: 30, batch: (idx: number[]) => chunk(idx.slice(1)) },
        /train data batch\(\) for samples 1\.\.30: expected 30 samples, got inputs of shape \[29, 1, 32, 32\]/,
      ],
      ['no tensors', { length: 30, batch: () => ({ inputs: [1, 2, 3] }) }, /train data batch\(\) for samples 1\.\.30: inputs/],
      [
        'targets out of range',
        {
          length: 30,
          batch: (idx: number[]) => ({
            ...chunk(idx),
            targets: tensor(
              idx.map(() => 10),
              { dtype: 'int64' },
            ),
          }),
        },
        /samples 1\.\.30: targets must be class indices in \[0, 9\]/,
      ],
      [
        'samples whose shape changes',
        {
          length: 30,
          chunkSize: 10,
          batch: (idx: number[]) =>
            idx.includes(29) || idx.length < 10
              ? chunk(idx)
              : { inputs: train.inputs.indexSelect(0, idx).view([idx.length, 1024]), targets: train.targets.indexSelect(0, idx) },
        },
        /earlier chunks had/,
      ],
    ])('%s', async (_name, source, message) => {
      const t = trainer();
      await expect(t.trainEpoch(source as unknown as BatchDataset)).rejects.toThrow(TorchError);
      await expect(t.trainEpoch(source as unknown as BatchDataset)).rejects.toThrow(message);
    });

    test("batch()'s own error reaches the caller, and the Trainer can train afterwards", async () => {
      const t = trainer();
      let calls = 0;
      const failing: BatchDataset = {
        length: 100,
        chunkSize: 50,
        batch: (idx) => {
          if (++calls === 2) throw new Error('disk on fire');
          return chunk(idx);
        },
      };
      await expect(t.trainEpoch(failing)).rejects.toThrow('disk on fire');
      expect(t.epoch).toBe(0);
      const r = await t.trainEpoch(streamed(train, 100));
      expect(r.samples).toBe(1000);
    });

    test('an abort while batch() is still loading stops at once, with what the pass did', async () => {
      const t = trainer();
      const controller = new AbortController();
      let calls = 0;
      const loaded: Tensor[] = [];
      const slow: BatchDataset = {
        length: 1000,
        chunkSize: 100,
        batch: async (idx) => {
          calls++;
          if (calls === 2) await new Promise((r) => setTimeout(r, 300)); // the second chunk is slow
          const c = chunk(idx);
          loaded.push(c.inputs, c.targets);
          return c;
        },
      };
      const pass = t.trainEpoch(slow, { signal: controller.signal, onProgress: (p) => p.done === 100 && controller.abort() });
      const error = await pass.catch((e) => e);
      expect(error.name).toBe('AbortError');
      expect(error.partial.samples).toBe(100);
      expect(t.epoch).toBe(0);
      // the slow chunk, loaded after the abort, is freed when it arrives
      await new Promise((r) => setTimeout(r, 400));
      expect(loaded.length).toBe(4);
      expect(loaded.every((x) => x.isDisposed)).toBe(true);
    });
  });
});
