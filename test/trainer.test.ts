import { data, manualSeed, memory, models, nn, optim, rand, tensor, tidy, Trainer, TorchError } from '../lib';
import { MNIST_DIR } from './helpers/common';

// The max-pooling convnet of the study (Torch7's '-type cuda' model), float32.
function convnet(): nn.Sequential {
  return models.mnistModel('convnet', { pooling: 'max' }).float();
}

describe('Trainer on real MNIST', () => {
  let mnist: data.MnistData;
  beforeAll(async () => {
    mnist = await data.mnist({ dir: MNIST_DIR, size: 'small' });
  });

  test('one epoch on size small reaches ≥ 95% test accuracy, without blocking the event loop', async () => {
    manualSeed(1);
    const model = models.mnistModel('convnet').float(); // the study's default L2-pooling convnet
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 10,
      optimizer: { method: 'sgd', config: { learningRate: 0.1, learningRateDecay: 1e-7 } },
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const progress: number[] = [];
    const [result] = await trainer.fit({
      train: mnist.train,
      test: mnist.test,
      epochs: 1,
      onProgress: (p) => p.phase === 'train' && progress.push(p.done),
    });
    clearInterval(timer);
    expect(result.epoch).toBe(1);
    console.log(`Trainer API, size small, 1 epoch: test accuracy ${(100 * result.test!.accuracy).toFixed(2)}%`);
    expect(result.test!.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.test!.samples).toBe(1000);
    expect(result.test!.confusion.total).toBe(1000);
    expect(result.train.samples).toBe(6000);
    expect(result.train.confusion.total).toBe(6000);
    expect(Number.isFinite(result.train.loss)).toBe(true);
    // the timer kept firing while the epoch ran on its own thread
    const seconds = result.train.seconds + result.test!.seconds;
    expect(ticks).toBeGreaterThan(Math.min(50, seconds * 20));
    // progress events arrived, increasing, ending at the dataset size
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toBe(6000);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(trainer.optimizerState().evalCounter).toBe(600);
  });

  test('an AbortSignal stops a pass between minibatches', async () => {
    const model = convnet().float();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 1 });
    const controller = new AbortController();
    let last = 0;
    const pass = trainer.trainEpoch(mnist.train, {
      signal: controller.signal,
      onProgress: (p) => {
        last = p.done;
        if (p.done > 50) controller.abort();
      },
    });
    await expect(pass).rejects.toThrow(/train: aborted by its AbortSignal after \d+ samples \(mean loss [\d.]+\)/);
    // the error carries what the pass did before it stopped
    const partial = (await pass.catch((e) => e)).partial;
    expect(partial.samples).toBeGreaterThan(50);
    expect(partial.samples).toBeLessThan(6000);
    expect(partial.steps).toBe(partial.samples);
    expect(partial.confusion.totalValid).toBeGreaterThan(0);
    expect(Number.isFinite(partial.loss)).toBe(true);
    expect(last).toBeLessThan(6000);
    expect(trainer.epoch).toBe(0);
    // the model is usable again afterwards
    expect(model.forward(mnist.test.inputs.index([0, 2])).shape).toEqual([2, 10]);
    await expect(trainer.test(mnist.test, { signal: controller.signal })).rejects.toThrow(/aborted/);
  });

  test('the model cannot be used from JavaScript while a pass runs, and one pass runs at a time', async () => {
    const model = convnet().float();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 100 });
    const pass = trainer.test(mnist.test);
    expect(() => model.forward(mnist.test.inputs.index([0, 1]))).toThrow(/the module is being trained by a running pass/);
    await expect(trainer.test(mnist.test)).rejects.toThrow(/another pass of this Trainer is running/);
    const result = await pass;
    expect(result.samples).toBe(1000);
  });

  test('an exception thrown by onProgress stops the pass and rejects its promise with it', async () => {
    const trainer = new Trainer({ model: convnet().float(), criterion: new nn.ClassNLLCriterion(), batchSize: 10 });
    let calls = 0;
    const onProgress = () => {
      calls++;
      throw new Error('stop here');
    };
    await expect(trainer.trainEpoch(mnist.train, { onProgress })).rejects.toThrow(/^train: onProgress threw: stop here/);
    expect(calls).toBe(1);
    // the optimizer was released: the next pass runs
    const small = { inputs: mnist.test.inputs.index([0, 20]), targets: mnist.test.targets.index([0, 20]) };
    await expect(trainer.trainEpoch(small)).resolves.toMatchObject({ samples: 20 });
  });

  test('bad datasets and options are clear errors; failures inside the loop reject the promise', async () => {
    const model = convnet().float();
    expect(() => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 0 })).toThrow(
      /Expected an integer >= 1 for batchSize but received 0/,
    );
    expect(() => new Trainer({ model, criterion: {} as never })).toThrow(/for Trainer criterion/);
    expect(() => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), optimizer: { method: 'adams' as 'sgd' } })).toThrow(
      /Expected 'sgd', 'lbfgs', 'asgd', 'cg', 'adagrad', 'adadelta', 'adam', 'adamax', 'adamw', 'rmsprop', 'rprop' or 'nag' for optimizer method but received 'adams'/,
    );
    expect(
      () => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), optimizer: { method: 'sgd', config: { learningRate: -1 } } }),
    ).toThrow(/learningRate/);
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 10 });
    await expect(trainer.trainEpoch({ inputs: mnist.train.inputs, targets: mnist.test.targets })).rejects.toThrow(
      /6000 inputs but 1000 targets/,
    );
    // wrong input size: the error from inside the native loop names the module
    const wrong = { inputs: tensor([[1, 2, 3]]), targets: tensor([0], { dtype: 'int64' }) };
    const before = memory().tensors;
    await expect(trainer.trainEpoch(wrong)).rejects.toThrow(/^train: module 1 \(SpatialConvolutionMM\)/);
    // no handle is left behind by the failed pass (the garbage collector may free others meanwhile)
    expect(memory().tensors).toBeLessThanOrEqual(before);
    await expect(
      trainer.trainEpoch({ inputs: mnist.test.inputs.index([0, 2]), targets: tensor([0, 12], { dtype: 'int64' }) }),
    ).rejects.toThrow(TorchError);
  });
});

test('a Trainer, an Optimizer and a weight average made inside tidy() keep the tensors they hold', async () => {
  // tidy() disposes what is made inside it; the flat parameter vectors these hold were among that
  manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.LogSoftMax()).float();
  const trainer = tidy(() => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 4, ema: 0.9 }));
  const samples = { inputs: rand([8, 4]), targets: tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int64' }) };
  const before = model.getParameters()[0].toArray();
  expect((await trainer.trainEpoch(samples)).steps).toBe(2);
  expect(model.getParameters()[0].toArray()).not.toEqual(before);
  expect(Number.isFinite((await trainer.test(samples)).loss)).toBe(true);
  const optimizer = tidy(() => new optim.Optimizer(model, { method: 'sgd', config: { learningRate: 0.1 } }));
  optimizer.zeroGrad();
  new nn.ClassNLLCriterion().loss(model.forward(samples.inputs), samples.targets).backward();
  optimizer.step();
});

test('an AbortSignal stops an L-BFGS or CG step between its evaluations, and the step is undone', async () => {
  // budgets that never run out: the step ended only with the process before
  for (const optimizer of [
    { method: 'lbfgs', config: { maxIter: 1e9, maxEval: 1e9, tolFun: 0, tolX: 0 } },
    { method: 'cg', config: { maxIter: 1e9 } },
  ] as const) {
    manualSeed(6);
    const model = new nn.Sequential(new nn.Linear(4, 3), new nn.LogSoftMax()).float();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 4, optimizer });
    const before = model.getParameters()[0].toArray();
    const controller = new AbortController();
    const pass = trainer.trainEpoch(
      {
        inputs: rand([32, 4]),
        targets: tensor(
          [0, 1, 2, 0, 1, 2, 0, 1].flatMap((c) => [c, c, c, c]),
          { dtype: 'int64' },
        ),
      },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    await expect(pass).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(model.getParameters()[0].toArray()).toEqual(before);
  }
});
