// What a hostile probe found (issue 17): each case used to crash, hang, or answer wrongly without
// an error. Every case here fails on the code before the fix.
import { manualSeed, nn, optim, randn, tensor, Tensor, Trainer, TorchError, zeros } from '../lib';
import { parseMnistOptions } from '../lib/cli/options';
import { MAX_NESTING } from '../lib/nn/Module';

const f64 = (values: number[]) => tensor(values, { dtype: 'float64' });
const nanVector = (n: number) => zeros([n], { dtype: 'float64' }).div(0);
const classifier = (outputs: number) => new nn.Sequential().add(new nn.Linear(4, outputs)).add(new nn.LogSoftMax());
const classData = (n: number, targets?: Tensor) => ({
  inputs: randn([n, 4], { dtype: 'float64' }),
  targets: targets ?? zeros([n], { dtype: 'int64' }),
});

describe('containers', () => {
  test('a cycle is refused (it crashed every walk over the model with SIGSEGV)', () => {
    const a = new nn.Sequential().add(new nn.Linear(2, 2));
    const b = new nn.Sequential();
    a.add(b);
    expect(() => b.add(a)).toThrow(/Sequential.add: a container cannot contain itself \(this would make a cycle\)/);
    const c = new nn.Sequential();
    b.add(c);
    expect(() => c.add(a)).toThrow(/would make a cycle/);
    expect(() => a.add(a)).toThrow(/would make a cycle/);
    // the model is intact and usable
    expect(a.forward(f64([1, 2])).shape).toEqual([2]);
    expect(a.parameters()[0]).toHaveLength(2);
    expect(String(a)).toContain('nn.Linear(2, 2)');
  });

  test(`containers nest at most ${MAX_NESTING} deep, built top-down or bottom-up (30,000 levels crashed)`, () => {
    // bottom-up: each container is added to a new one above it
    let top: nn.Sequential = new nn.Sequential().add(new nn.Linear(2, 2));
    for (let depth = 2; depth < MAX_NESTING; depth++) top = new nn.Sequential().add(top);
    expect(top.forward(f64([1, 1])).shape).toEqual([2]);
    expect(() => new nn.Sequential().add(new nn.Sequential().add(top))).toThrow(
      /containers would nest 1001 deep; at most 1000 levels are supported/,
    );
    // top-down: the limit counts the containers above the one added to
    const root = new nn.Sequential();
    let leaf = root;
    for (let depth = 1; depth < MAX_NESTING - 1; depth++) {
      const next = new nn.Sequential();
      leaf.add(next);
      leaf = next;
    }
    // 999 containers: a module inside the last one is level 1000, a container holding one 1001
    expect(() => leaf.add(new nn.Sequential().add(new nn.Tanh()))).toThrow(/nest 1001 deep/);
    leaf.add(new nn.Tanh());
    // LibTorch's vectorised tanh may differ from JavaScript's in the last bit (2.13's did on one CPU)
    const out = root.forward(f64([0.5])).toArray() as number[];
    expect(out).toHaveLength(1);
    expect(out[0]).toBeCloseTo(Math.tanh(0.5), 14);
  });
});

describe('optimizers never loop forever and never write NaN into x silently', () => {
  test('cg with a zero gradient returns x unchanged (it looped forever, growing to 12 GB)', () => {
    const x = f64([1, 1]);
    const [, fx] = optim.cg(() => [1, zeros([2], { dtype: 'float64' })], x, { maxIter: 2 });
    expect(x.toArray()).toEqual([1, 1]);
    expect(fx).toEqual([1]);
  });

  test('cg started at the optimum stays there (x became NaN)', () => {
    for (const maxIter of [1, 2, 3, 20]) {
      const x = f64([0, 0]);
      optim.cg((p) => [p.mul(p).sum().item() as number, p.mul(2)], x, { maxIter });
      expect(x.toArray()).toEqual([0, 0]);
    }
  });

  test('a NaN or Inf gradient is an error naming it, and x is left as it was (every method)', () => {
    const bad = { NaN: nanVector(2), Inf: f64([Infinity, 1]) };
    for (const method of [
      'sgd',
      'lbfgs',
      'asgd',
      'cg',
      'adagrad',
      'adadelta',
      'adam',
      'adamax',
      'adamw',
      'rmsprop',
      'rprop',
      'nag',
    ] as const) {
      for (const [name, g] of Object.entries(bad)) {
        const x = f64([1, 2]);
        const config = method === 'lbfgs' || method === 'cg' ? { maxIter: 3 } : {};
        expect(() => (optim[method] as (f: optim.Feval, x: Tensor, c: object) => unknown)(() => [1, g], x, config)).toThrow(
          new RegExp(`^optim.${method}: feval returned a gradient holding NaN or Inf; x is left as it was before this step`),
        );
        expect(x.toArray()).toEqual([1, 2]);
        void name;
      }
    }
  });

  test('a feval that throws in the middle of a line search leaves x where the step started', () => {
    for (const method of ['lbfgs', 'cg'] as const) {
      const x = f64([1.5, -0.5]);
      let calls = 0;
      const feval: optim.Feval = (p) => {
        if (++calls === 3) throw new Error('user feval failed');
        return [p.mul(p).sum().item() as number, p.mul(2)];
      };
      expect(() => optim[method](feval, x, { maxIter: 10 })).toThrow('user feval failed');
      expect(x.toArray()).toEqual([1.5, -0.5]);
    }
  });

  test('feval returning something else than [loss, gradient] is a TorchError (not a raw TypeError)', () => {
    for (const method of ['lbfgs', 'asgd', 'cg', 'sgd'] as const) {
      for (const result of [5, 'x', null, [1], [1, 2], [NaN, f64([0, 0])]]) {
        const x = f64([1, 2]);
        expect(() => (optim[method] as (f: () => unknown, x: Tensor) => unknown)(() => result, x)).toThrow(TorchError);
      }
    }
  });

  test('in the Trainer, a zero-loss batch under CG (maxIter 2, the CLI default) trains on (it failed with "loss became -nan")', async () => {
    const model = new nn.Sequential().add(new nn.Linear(4, 3));
    model.parameters()[0].forEach((p) => p.fill(0));
    const trainer = new Trainer({
      model,
      criterion: new nn.MSECriterion(),
      classes: 3,
      optimizer: { method: 'cg', config: { maxIter: 2 } },
    });
    // MSECriterion encodes class 0 of 3 as [1, -1, -1]: a model whose output is exactly that has loss 0
    model.parameters()[0][1].copy(f64([1, -1, -1]));
    const r = await trainer.trainEpoch({ inputs: zeros([4, 4], { dtype: 'float64' }), targets: zeros([4], { dtype: 'int64' }) });
    expect(r.loss).toBe(0);
    expect(r.accuracy).toBe(1);
  });
});

describe('the Trainer refuses what it cannot count correctly', () => {
  const trainer = (outputs = 10, classes?: number) =>
    new Trainer({ model: classifier(outputs), criterion: new nn.ClassNLLCriterion(), ...(classes ? { classes } : {}) });

  test('a model with more outputs than classes (it reported accuracy 1 for a wrong model)', async () => {
    const model = classifier(12);
    model.parameters()[0][1].copy(f64([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100])); // always predicts 11
    const t = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), classes: 10 });
    await expect(t.test(classData(8))).rejects.toThrow(
      /test: the model outputs \[8, 12\] per batch, 12 scores per sample, but the Trainer counts 10 classes; set the Trainer's classes to the model's output size/,
    );
    const right = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), classes: 12 });
    expect((await right.test(classData(8))).accuracy).toBe(0);
    // not told, a Trainer counts the model's 12 outputs
    const inferred = new Trainer({ model, criterion: new nn.ClassNLLCriterion() });
    expect((await inferred.test(classData(8))).confusion.mat.length).toBe(12);
  });

  test('targets that are not whole class indices in range, or not a vector', async () => {
    await expect(trainer().test(classData(2, tensor([1.7, 2.2])))).rejects.toThrow(
      /test: targets must be whole class indices but 2 are not \(target 0 is 1.7/,
    );
    await expect(trainer().test(classData(2, f64([1, NaN])))).rejects.toThrow(
      /targets must be whole class indices but 1 are not \(target 1 is NaN\)/,
    );
    await expect(trainer().test(classData(2, zeros([2, 1], { dtype: 'int64' })))).rejects.toThrow(
      /targets must be a vector of N class indices \(0-based\) but have shape \[2, 1\]; flatten them with targets.view\(-1\)/,
    );
    await expect(trainer().trainEpoch(classData(2, tensor([0, 10], { dtype: 'int64' })))).rejects.toThrow(
      /targets must be class indices in \[0, 9\] \(0-based, 10 classes\) but range over \[0, 10\]/,
    );
    await expect(trainer().trainEpoch(classData(2, tensor([-1, 3], { dtype: 'int32' })))).rejects.toThrow(/range over \[-1, 3\]/);
    expect((await trainer().test(classData(2, f64([1, 2])))).samples).toBe(2); // whole floats are fine
  });

  test('NaN inputs in a test pass, and an empty dataset, are errors (accuracy 0.375 and NaN before)', async () => {
    await expect(
      trainer().test({ inputs: zeros([8, 4], { dtype: 'float64' }).div(0), targets: zeros([8], { dtype: 'int64' }) }),
    ).rejects.toThrow(
      /^test: the loss is -?nan on samples 1..8 of this pass: the inputs of samples 0, 1, 2, 3, 4, … \(8 samples\) \(0-based indices in the data\) hold NaN or Inf/,
    );
    await expect(trainer().trainEpoch(classData(0))).rejects.toThrow(/train: the dataset is empty \(inputs of shape \[0, 4\]\)/);
    await expect(trainer().test(classData(0))).rejects.toThrow(/test: the dataset is empty/);
  });

  test('options of the wrong kind are TorchErrors (fit({ signal: {} }) was a raw TypeError)', async () => {
    const data = classData(2);
    await expect(trainer().fit({ train: data, epochs: 1, signal: {} as AbortSignal })).rejects.toThrow(
      /Expected an AbortSignal for Trainer.fit signal but received an object/,
    );
    await expect(trainer().trainEpoch(data, { onProgress: 5 as never })).rejects.toThrow(
      /Expected a function for train onProgress but received 5/,
    );
    await expect(trainer().fit({ train: data, epochs: 1, onEpoch: 'x' as never })).rejects.toThrow(
      /Expected a function for Trainer.fit onEpoch/,
    );
    await expect(trainer().trainEpoch(data, null as never)).rejects.toThrow(
      /Expected an options object for train options but received null/,
    );
  });

  test('an exception in onProgress rejects the pass with it', async () => {
    await expect(
      trainer().trainEpoch(classData(20), {
        onProgress: () => {
          throw new Error('progress callback failed');
        },
      }),
    ).rejects.toThrow(/train: onProgress threw: progress callback failed/);
  });
});

describe('one pass per model', () => {
  test('a second Trainer on a model in training is refused, and the first one is unharmed', async () => {
    manualSeed(3);
    const model = classifier(10);
    const data = classData(3000);
    const first = new Trainer({ model, criterion: new nn.ClassNLLCriterion() });
    const second = new Trainer({ model, criterion: new nn.ClassNLLCriterion() });
    const running = first.trainEpoch(data);
    await expect(second.trainEpoch(data)).rejects.toThrow(
      /train: the model is being trained by another pass \(another Trainer\?\); await it first/,
    );
    // the refused pass did not clear the first one's claim (model.float() mid-pass broke it)
    expect(() => model.float()).toThrow(/Sequential.to: the module is being trained by a running pass/);
    // a Trainer flattens its model's parameters: on a module in training that is refused, not a race
    expect(() => new Trainer({ model: model.get(1), criterion: new nn.MSECriterion() })).toThrow(
      /Linear.getParameters: the module is being trained by a running pass/,
    );
    expect((await running).samples).toBe(3000);
    expect((await second.trainEpoch(data)).samples).toBe(3000); // free again
  });

  test('a container holding a module in training is busy too', async () => {
    const inner = classifier(10);
    const outer = new nn.Sequential().add(inner);
    const running = new Trainer({ model: inner, criterion: new nn.ClassNLLCriterion() }).trainEpoch(classData(2000));
    expect(() => new Trainer({ model: outer, criterion: new nn.ClassNLLCriterion() })).toThrow(
      /Sequential.getParameters: the module is being trained by a running pass/,
    );
    expect(() => outer.forward(randn([4], { dtype: 'float64' }))).toThrow(/being trained by a running pass/);
    await running;
  });
});

describe('inputs that made silent nonsense', () => {
  test('SpatialSubtractiveNormalization with a kernel summing to 0 (it output NaN)', () => {
    expect(() => new nn.SpatialSubtractiveNormalization(1, [0, 0, 0])).toThrow(
      /kernel: its values sum to 0, so it cannot be normalised into a local mean/,
    );
    expect(
      () =>
        new nn.SpatialSubtractiveNormalization(1, [
          [1, -1, 0],
          [0, 0, 0],
          [0, 0, 0],
        ]),
    ).toThrow(/sum to 0/);
  });

  test("the CLI reads '-learningRate -1' as a value and refuses it (it said 'argument is ambiguous')", () => {
    expect(() => parseMnistOptions(['-learningRate', '-1'])).toThrow(/^Invalid value '-1' for -learningRate; expected a number >= 0$/);
    expect(() => parseMnistOptions(['--momentum', '-0.5'])).toThrow(/^Invalid value '-0.5' for -momentum; expected a number >= 0$/);
    expect(parseMnistOptions(['-learningRate', '0.05']).learningRate).toBe(0.05);
    expect(() => parseMnistOptions(['-learningRate', '-quiet'])).toThrow(TorchError);
  });
});
