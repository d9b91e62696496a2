// No silent wrong answer, no wrong kind of error: calls that returned a plausible but wrong result
// (truncated targets, an ignored optimizer state, an ignored mask, a lost batch dimension) or failed
// with a message that misled (a TypeError from inside, "diverged" for NaN data) now do what they
// say or throw a TorchError naming the cause. Each test names what happened before.
import {
  Tensor,
  Trainer,
  TorchError,
  augment,
  cat,
  getDefaultDtype,
  manualSeed,
  models,
  nn,
  optim,
  randn,
  setDefaultDtype,
  tensor,
  zeros,
} from '../lib';

const f64 = (values: number[]) => tensor(values, { dtype: 'float64' });

describe('criteria and optimizers', () => {
  test('ClassNLLCriterion and MultiMarginCriterion refuse fractional class targets (1.7 was read as class 1)', () => {
    const logProbs = tensor(
      [
        [-1, -2, -3],
        [-3, -1, -2],
      ],
      { dtype: 'float64' },
    );
    expect(() => new nn.ClassNLLCriterion().forward(logProbs, f64([1.7, 2.2]))).toThrow(
      /^ClassNLLCriterion: targets must be whole class indices \(0-based\) but 2 are not \(target 0 is 1.7\)$/,
    );
    expect(() => new nn.MultiMarginCriterion().backward(logProbs, f64([0, NaN]))).toThrow(
      /^MultiMarginCriterion: targets must be whole class indices .* 1 are not \(target 1 is NaN\)$/,
    );
    // whole numbers in a floating tensor are Torch7's usual targets: the same loss as int64
    const asInt = new nn.ClassNLLCriterion().forward(logProbs, tensor([1, 2], { dtype: 'int64' }));
    expect(new nn.ClassNLLCriterion().forward(logProbs, f64([1, 2]))).toBe(asInt);
    expect(asInt).toBeCloseTo((2 + 2) / 2, 12);
  });

  test('optim.sgd refuses a state table it would ignore (dfdx and evalCounter set by the caller were silently dropped)', () => {
    const x = f64([1, 2]);
    const feval = (p: Tensor): [number, Tensor] => [p.square().sum().item() as number, p.mul(2)];
    expect(() => optim.sgd(feval, x, { momentum: 0.9 }, { dfdx: f64([100, 100]) })).toThrow(
      /^optim.sgd: the state table gives dfdx \(a tensor of shape \[2\]\), but a new state starts from nothing/,
    );
    expect(() => optim.sgd(feval, x, { momentum: 0.9 }, { evalCounter: 1 })).toThrow(
      /^optim.sgd: the state table gives evalCounter \(1\), but a new state starts from 0/,
    );
    expect(x.toArray()).toEqual([1, 2]); // untouched
    // a fresh counter of 0 is what a new state holds: accepted, and the table then follows the native state
    const state: Record<string, unknown> = { evalCounter: 0 };
    optim.sgd(feval, x, { learningRate: 0.1, momentum: 0.9 }, state);
    optim.sgd(feval, x, { learningRate: 0.1, momentum: 0.9 }, state);
    expect(state.evalCounter).toBe(2);
    // x: 1 → 0.8 → 0.8 − 0.1·(1.6 + 0.9·2) = 0.46 (Torch7's momentum, dampening = momentum: g + 0.9·(0.1·old))
    expect((state.dfdx as Tensor).toArray()).toHaveLength(2);
  });
});

describe('tensor ops', () => {
  test('maskedFill, maskedSelect and where take bool or uint8 masks only (a float mask was ignored by maskedFill)', () => {
    const t = f64([1, 2]);
    expect(() => t.maskedFill(f64([1, 0]), 9)).toThrow(
      /^Expected a bool \(or uint8\) mask for maskedFill mask but received a float64 tensor; make one with a comparison such as t.gt\(0\)/,
    );
    expect(() => t.maskedSelect(tensor([1, 0]))).toThrow(TorchError);
    expect(t.maskedFill(tensor([1, 0], { dtype: 'uint8' }), 9).toArray()).toEqual([9, 2]);
    expect(t.maskedFill(tensor([false, true], { dtype: 'bool' }), 9).toArray()).toEqual([1, 9]);
    expect(t.maskedSelect(tensor([0, 1], { dtype: 'uint8' })).toArray()).toEqual([2]);
  });

  test('a cat that fails over many tensors summarises their shapes (16,107 characters before)', () => {
    const parts = [...Array.from({ length: 999 }, () => zeros([1]).expand([2 ** 28])), zeros([2, 2])]; // views of one element; the last one does not fit
    let message = '';
    try {
      cat(parts).dispose();
    } catch (e) {
      expect(e).toBeInstanceOf(TorchError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^cat: cannot concatenate shapes \[268435456\], .* … \(1000 tensors\) along dim 0: /);
    expect(message.length).toBeLessThan(400);
    parts.forEach((p) => p.dispose());
  });
});

describe('modules', () => {
  test('the MNIST models keep a batch of one as a batch of one ([1, 1, 32, 32] gave [10])', () => {
    manualSeed(1);
    for (const model of [
      models.mnistModel('convnet', { pooling: 'max' }),
      models.mnistModel('convnet'),
      models.mnistModel('linear'),
      models.mnistModel('mlp'),
    ]) {
      const one = randn([1, 1, 32, 32], { dtype: 'float64' });
      const two = randn([2, 1, 32, 32], { dtype: 'float64' });
      expect(model.forward(one).shape).toEqual([1, 10]);
      expect(model.forward(two).shape).toEqual([2, 10]);
    }
  });

  test("View(-1, n) and Reshape(-1, n) infer the batch, as Torch7's View(-1, n); View(n) keeps Torch7's element-count rule", () => {
    expect(new nn.View(-1, 4).forward(zeros([1, 2, 2])).shape).toEqual([1, 4]);
    expect(new nn.View(-1, 4).forward(zeros([3, 2, 2])).shape).toEqual([3, 4]);
    expect(new nn.Reshape(2, -1).forward(zeros([4, 3])).shape).toEqual([2, 6]);
    expect(new nn.View(4).forward(zeros([1, 2, 2])).shape).toEqual([4]);
    expect(() => new nn.View(-1, 5).forward(zeros([2, 3]))).toThrow(
      /View\[-1, 5\] cannot take an input of shape \[2, 3\] \(6 elements, not a multiple of 5\)/,
    );
    expect(() => new nn.View(-1, -1)).toThrow(/^View: only one size can be -1/);
    expect(() => new nn.View(-2, 4)).toThrow(TorchError);
  });

  test('setDefaultDtype reaches modules created afterwards, as PyTorch (they stayed float64)', () => {
    expect(getDefaultDtype()).toBe('float32');
    expect(new nn.Linear(2, 2).dtype).toBe('float64'); // Torch7's default until setDefaultDtype is called
    setDefaultDtype('float32');
    try {
      const linear = new nn.Linear(2, 3);
      expect(linear.dtype).toBe('float32');
      expect(linear.getParameters()[0].dtype).toBe('float32');
      const model = models.mnistModel('linear');
      expect(model.dtype).toBe('float32');
      expect(model.forward(randn([2, 1, 32, 32])).dtype).toBe('float32'); // float32 inputs need no conversion
    } finally {
      setDefaultDtype('float64');
    }
    expect(new nn.Linear(2, 2).dtype).toBe('float64');
    setDefaultDtype('float32'); // tensors' default back to PyTorch's; modules follow it from here on in this file
  });
});

describe('the Trainer', () => {
  const inputs = randn([40, 4], { dtype: 'float64' });

  test('infers a regression from MSECriterion and float targets of shape [N, 1] (it asked to flatten class indices before)', async () => {
    manualSeed(3);
    const model = new nn.Sequential().add(new nn.Linear(4, 1)).double();
    const trainer = new Trainer({
      model,
      criterion: new nn.MSECriterion(),
      batchSize: 8,
      optimizer: { method: 'sgd', config: { learningRate: 0.05 } },
    });
    const targets = inputs.sum(1).view(-1, 1);
    const first = await trainer.trainEpoch({ inputs, targets });
    expect(trainer.task).toBe('regression');
    expect(trainer.inferred).toEqual(["task 'regression' (from MSECriterion and float64 targets)"]);
    expect(first.task).toBe('regression');
    for (let k = 0; k < 20; k++) await trainer.trainEpoch({ inputs, targets });
    const last = (await trainer.test({ inputs, targets })) as unknown as { rmse: number };
    expect(last.rmse).toBeLessThan(0.2);
  });

  test("MSECriterion with a vector of whole numbers in a float tensor (Torch7's targets) stays a classification", async () => {
    const model = new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.Tanh()).double();
    const trainer = new Trainer({ model, criterion: new nn.MSECriterion(false), batchSize: 10 });
    await trainer.trainEpoch({
      inputs,
      targets: tensor(
        Array.from({ length: 40 }, (_, i) => i % 3),
        { dtype: 'float64' },
      ),
    });
    expect(trainer.task).toBe('classification');
    expect(trainer.classes).toBe(3);
  });

  test('infers the class count from the output width (it counted 10 unless told) and says what it inferred in target errors', async () => {
    const model = new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.LogSoftMax()).double();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 10 });
    const targets = tensor(
      Array.from({ length: 40 }, (_, i) => i % 3),
      { dtype: 'int64' },
    );
    const r = await trainer.trainEpoch({ inputs, targets });
    expect(trainer.classes).toBe(3);
    expect(trainer.inferred).toEqual(["task 'classification' (from ClassNLLCriterion)", "3 classes (from the model's output width)"]);
    expect(r.confusion.mat.length).toBe(3);
    const four = tensor(
      Array.from({ length: 40 }, (_, i) => i % 4),
      { dtype: 'int64' },
    );
    await expect(trainer.trainEpoch({ inputs, targets: four })).rejects.toThrow(
      /targets must be class indices in \[0, 2\] .* \(inferred: task 'classification' \(from ClassNLLCriterion\), 3 classes \(from the model's output width\); give task or classes/,
    );
    // told, it infers nothing
    const told = new Trainer({
      model: new nn.Sequential().add(new nn.Linear(4, 3)).double(),
      criterion: new nn.MSECriterion(),
      classes: 3,
      task: 'classification',
    });
    expect(told.inferred).toEqual([]);
  });

  test('NaN or Inf in the inputs names the samples and the cause, for sgd, lbfgs and cg (it said "diverged: lower the learning rate")', async () => {
    const rows = inputs.toArray() as number[][];
    rows[13] = rows[13].map(() => NaN);
    rows[31][2] = Infinity;
    const bad = tensor(rows, { dtype: 'float64' });
    const targets = tensor(
      Array.from({ length: 40 }, (_, i) => i % 2),
      { dtype: 'int64' },
    );
    for (const method of ['sgd', 'lbfgs', 'cg'] as const) {
      const model = new nn.Sequential().add(new nn.Linear(4, 2)).add(new nn.LogSoftMax()).double();
      const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 40, optimizer: { method } });
      await expect(trainer.trainEpoch({ inputs: bad, targets })).rejects.toThrow(
        /^train: the loss is -?nan on samples 1..40 of this pass: the inputs of samples 13, 31 \(0-based indices in the data\) hold NaN or Inf; clean the data/,
      );
      await expect(trainer.test({ inputs: bad, targets })).rejects.toThrow(/^test: the loss is -?nan .*the inputs of samples 13, 31 /);
    }
    // float64 values beyond float32's range become Inf in a float32 model: said so, not blamed on an augmentation
    const hugeRows = inputs.toArray() as number[][];
    hugeRows[5][1] = 1e300;
    const huge = tensor(hugeRows, { dtype: 'float64' });
    const float = new Trainer({
      model: new nn.Sequential().add(new nn.Linear(4, 2)).add(new nn.LogSoftMax()).float(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 40,
    });
    await expect(float.test({ inputs: huge, targets })).rejects.toThrow(
      /the inputs of samples 5 \(0-based indices in the data\) became NaN or Inf when converted to the model's float32 \(values beyond its range\)$/,
    );
    const noisy = new Trainer({
      model: new nn.Sequential().add(new nn.Linear(4, 2)).add(new nn.LogSoftMax()).double(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 10,
      augment: [augment.noise({ std: 1e300 })],
    });
    await expect(noisy.trainEpoch({ inputs, targets })).rejects.toThrow(
      /^train: the loss is .*: the augmentation made inputs as large as [0-9.]+e\+30\d .*; lower the augmentation's std$/,
    );
  });

  test('aborting a streamed pass before its first chunk arrives rejects with an AbortError (a TypeError from ConfusionMatrix before)', async () => {
    const model = new nn.Sequential().add(new nn.Linear(4, 2)).add(new nn.LogSoftMax()).double();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), classes: 2 });
    // loads still running after the abort are awaited below: their randn would move the generator under the next test file
    const loading: Promise<unknown>[] = [];
    const slow = {
      length: 20,
      batch: (indices: number[]) => {
        const load = new Promise((resolve) => setTimeout(resolve, 200)).then(() => ({
          inputs: randn([indices.length, 4], { dtype: 'float64' }),
          targets: zeros([indices.length], { dtype: 'int64' }),
        }));
        loading.push(load);
        return load;
      },
    };
    for (const phase of ['train', 'test'] as const) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 20);
      const pass =
        phase === 'train' ? trainer.trainEpoch(slow, { signal: controller.signal }) : trainer.test(slow, { signal: controller.signal });
      await expect(pass).rejects.toMatchObject({
        name: 'AbortError',
        message: expect.stringMatching(new RegExp(`^${phase}: aborted by its AbortSignal after 0 samples`)),
      });
    }
    await Promise.all(loading);
  });
});

describe('a Trainer or Optimizer whose model was converted after it was made', () => {
  // getParameters() makes every parameter a view of one flat vector that the optimizer steps; to(),
  // or a getParameters() on a module inside, re-points the parameters to new storage
  const model = () => {
    manualSeed(5);
    return new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.LogSoftMax()).double();
  };
  const data = () => {
    manualSeed(6);
    return {
      inputs: randn([64, 4], { dtype: 'float64' }),
      targets: tensor(
        Array.from({ length: 64 }, (_, i) => i % 3),
        { dtype: 'int64' },
      ),
    };
  };
  const trainedWeight = async (change: (m: nn.Sequential) => void) => {
    const m = model();
    const trainer = new Trainer({ model: m, criterion: new nn.ClassNLLCriterion(), batchSize: 8 });
    change(m);
    await trainer.trainEpoch(data());
    return (m.get(1) as nn.Linear).weight!.toArray() as number[][];
  };

  test('still trains the model (the stale flat vector was stepped and the model never changed)', async () => {
    const untouched = await trainedWeight(() => {});
    const initial = model().get(1) as nn.Linear;
    expect(untouched).not.toEqual(initial.weight!.toArray());
    expect(await trainedWeight((m) => m.get(1).getParameters())).toEqual(untouched);
    expect(await trainedWeight((m) => m.to('float64'))).toEqual(untouched);
  });

  test('a dtype change that its optimizer state cannot follow is a TorchError', async () => {
    await expect(trainedWeight((m) => m.float())).rejects.toThrow(
      /^Trainer: the model's parameters changed since the Trainer was made \(15 float64 values on cpu, now 15 float32 on cpu\), so its optimizer state no longer fits; make a new Trainer$/,
    );
  });

  test('optim.Optimizer follows the parameters too', () => {
    const m = model();
    const optimizer = new optim.Optimizer(m, { method: 'sgd', config: { learningRate: 0.5 } });
    m.get(1).getParameters();
    const before = (m.get(1) as nn.Linear).weight!.toArray();
    const { inputs, targets } = data();
    optimizer.step(() => {
      m.zeroGradParameters();
      const out = m.forward(inputs);
      const crit = new nn.ClassNLLCriterion();
      const l = crit.forward(out, targets);
      m.backward(inputs, crit.backward(out, targets));
      return l;
    });
    expect((m.get(1) as nn.Linear).weight!.toArray()).not.toEqual(before);
  });
});
