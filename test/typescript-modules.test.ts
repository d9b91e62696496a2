// Modules written in TypeScript (class M extends nn.Module): their forward runs from JavaScript,
// inside native containers, and inside the Trainer's native loop (on the JavaScript thread, through
// a thread-safe call); their gradients are checked by finite differences and their training equals
// the same steps taken from JavaScript.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, nn, noGrad, ones, optim, randn, tensor } from '../lib';

/** x + scale ⊙ fc(x): a residual block with a parameter of its own and a registered child. */
class Residual extends nn.Module {
  declare scale: Tensor;
  readonly fc: nn.Linear;
  constructor(n: number) {
    super({ args: [n] }); // what nn.load passes back to rebuild it
    this.fc = this.register('fc', new nn.Linear(n, n));
    this.parameter('scale', ones([n]).mul(0.5));
  }
  override forward(x: Tensor): Tensor {
    return x.add(this.fc.forward(x).mul(this.scale));
  }
}

// a layer before the block: its gradients flow back through the block's own input
const network = () =>
  new nn.Sequential(new nn.Linear(4, 4), new Residual(4), new nn.Tanh(), new nn.Linear(4, 3), new nn.LogSoftMax()).double();

describe('modules written in TypeScript', () => {
  test('forward, directly and inside a native Sequential, computes what its code says', () => {
    manualSeed(1);
    const block = new Residual(4).double();
    const x = randn([5, 4], { dtype: 'float64' });
    const fc = block.fc;
    const expected = noGrad(() => x.add(x.matmul(fc.weight!.t()).add(fc.bias!).mul(0.5)));
    expect(noGrad(() => block.forward(x)).toArray()).toEqual(expected.toArray());
    const model = new nn.Sequential(block, new nn.Tanh());
    expect(noGrad(() => model.forward(x)).toArray()).toEqual(expected.tanh().toArray());
    expect(String(block)).toBe('nn.Residual(4)');
  });

  test("its parameters are named as PyTorch names them, and its gradients, the earlier layer's too, match finite differences", () => {
    manualSeed(2);
    const model = network();
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      '0.weight',
      '0.bias',
      '1.scale',
      '1.fc.weight',
      '1.fc.bias',
      '3.weight',
      '3.bias',
    ]);
    expect(model.numParameters()).toBe(16 + 4 + 4 + 16 + 4 + 12 + 3);
    const check = nn.gradcheck(model, randn([3, 4], { dtype: 'float64' }));
    expect(check.params).toHaveLength(7);
    expect(check.maxError).toBeLessThan(1e-7);
    expect(check.scale).toBeGreaterThan(1e-3);
  });

  test('it is a node of an nngraph gModule, with its gradients right there too', () => {
    class Scale extends nn.Module {
      declare s: Tensor;
      constructor() {
        super();
        this.parameter('s', ones([3]).mul(2));
      }
      override forward(x: Tensor): Tensor {
        return x.mul(this.s);
      }
    }
    manualSeed(5);
    const x = nn.Input();
    const h = new nn.Linear(3, 3).node(x);
    const g = new nn.gModule([x], [new nn.CAddTable().node(h, new Scale().node(h))]).double();
    expect(g.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.s']);
    const input = randn([2, 3], { dtype: 'float64' });
    expect(noGrad(() => g.forward(input)).shape).toEqual([2, 3]);
    expect(nn.gradcheck(g, input).maxError).toBeLessThan(1e-7);
  });

  test("the Trainer's native loop trains it exactly as the same steps taken from JavaScript", async () => {
    const inputs = randn([24, 4], { dtype: 'float64' });
    const targets = tensor(
      Array.from({ length: 24 }, (_, i) => i % 3),
      { dtype: 'int64' },
    );
    const criterion = new nn.ClassNLLCriterion();
    manualSeed(3);
    const viaTrainer = network();
    const trainer = new Trainer({
      model: viaTrainer,
      criterion,
      batchSize: 6,
      shuffle: false,
      optimizer: { method: 'sgd', config: { learningRate: 0.3, momentum: 0.5 } },
    });
    const first = await trainer.trainEpoch({ inputs, targets });
    const second = await trainer.trainEpoch({ inputs, targets });
    expect(second.loss).toBeLessThan(first.loss);

    manualSeed(3);
    const byHand = network();
    const sgd = new optim.Optimizer(byHand, { method: 'sgd', config: { learningRate: 0.3, momentum: 0.5 } });
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let b = 0; b < 24; b += 6) {
        sgd.zeroGrad();
        criterion.loss(byHand.forward(inputs.index([b, b + 6])), targets.index([b, b + 6])).backward();
        sgd.step();
      }
    }
    const values = (m: nn.Module<Tensor, Tensor>) => m.namedParameters().map(([, t]) => Array.from(t.data() as Float64Array));
    const theirs = values(byHand);
    values(viaTrainer).forEach((v, k) => v.forEach((x, i) => expect(x).toBeCloseTo(theirs[k][i], 12)));
    // the live parameter follows the Trainer's updates
    expect((viaTrainer.modules[1] as Residual).scale.toArray()).not.toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  test('an AbortSignal stops a pass through it between minibatches, and the model works afterwards', async () => {
    const model = network();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 1 });
    const controller = new AbortController();
    // long enough (seconds) for progress, reported every 100 ms, to come before the end
    const inputs = randn([20000, 4], { dtype: 'float64' });
    const targets = tensor(
      Array.from({ length: 20000 }, (_, i) => i % 3),
      { dtype: 'int64' },
    );
    const pass = trainer.trainEpoch(
      { inputs, targets },
      { signal: controller.signal, onProgress: (p) => p.done > 20 && controller.abort() },
    );
    await expect(pass).rejects.toThrow(/train: aborted by its AbortSignal after \d+ samples/);
    expect((await pass.catch((e) => e)).partial.samples).toBeLessThan(20000);
    expect(noGrad(() => model.forward(inputs.index([0, 2]))).shape).toEqual([2, 3]);
  });

  test('an error in its forward during a pass rejects the pass with that error', async () => {
    class Broken extends nn.Module {
      override forward(): Tensor {
        throw new TorchError('no forward today');
      }
    }
    const model = new nn.Sequential(new Broken(), new nn.Linear(2, 2), new nn.LogSoftMax()).double();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 2, classes: 2 });
    await expect(
      trainer.trainEpoch({ inputs: ones([4, 2], { dtype: 'float64' }), targets: tensor([0, 1, 0, 1], { dtype: 'int64' }) }),
    ).rejects.toThrow(/Broken\.forward: .*no forward today/);
  });

  test("this.train follows the mode it runs in: its container's evaluate(), and the Trainer's test pass", async () => {
    const seen: boolean[] = [];
    class Spy extends nn.Module {
      override forward(x: Tensor): Tensor {
        seen.push(this.train);
        return x;
      }
    }
    const spy = new Spy();
    const model = new nn.Sequential(new nn.Linear(4, 3), spy, new nn.LogSoftMax()).double();
    model.evaluate();
    expect(spy.train).toBe(false);
    model.training();
    expect(spy.train).toBe(true);
    spy.train = false; // Torch7's field, set: evaluate()
    expect(spy.train).toBe(false);
    model.training();
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 5, classes: 3 });
    const data = { inputs: randn([10, 4], { dtype: 'float64' }), targets: tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: 'int64' }) };
    seen.length = 0;
    await trainer.trainEpoch(data);
    expect(seen).toEqual([true, true]);
    seen.length = 0;
    await trainer.test(data);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((flag) => flag === false)).toBe(true);
    // as Torch7's test(), the model stays in evaluation mode; the next training pass sets training mode
    expect(spy.train).toBe(false);
    seen.length = 0;
    await trainer.trainEpoch(data);
    expect(seen).toEqual([true, true]);
  });

  test('every optimizer and a per-step schedule train it; a checkpoint resumes it exactly; the event loop runs between batches', async () => {
    const data = () => {
      manualSeed(40);
      return {
        inputs: randn([24, 4], { dtype: 'float64' }),
        targets: tensor(
          [...Array(24).keys()].map((i) => i % 3),
          { dtype: 'int64' },
        ),
      };
    };
    const make = (method: string) => {
      manualSeed(41);
      return new Trainer({
        model: network(),
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 4,
        classes: 3,
        optimizer: { method, config: method === 'lbfgs' || method === 'cg' ? { maxIter: 2 } : {} } as never,
        // a schedule scales a learning rate: the methods without one (adadelta, rprop, asgd, cg) run unscheduled
        ...(['adadelta', 'rprop', 'asgd', 'cg'].includes(method)
          ? {}
          : { schedule: { kind: 'cosine' as const, total: 12, per: 'step' as const } }),
      });
    };
    const methods = ['sgd', 'nag', 'adagrad', 'adadelta', 'adam', 'adamax', 'adamw', 'rmsprop', 'rprop', 'asgd', 'lbfgs', 'cg'];
    for (const method of methods) {
      const trainer = make(method);
      const before = Array.from(trainer.parameters.data() as Float64Array);
      const result = await trainer.trainEpoch(data());
      expect(Number.isFinite(result.loss)).toBe(true);
      expect(Array.from(trainer.parameters.data() as Float64Array)).not.toEqual(before);
    }
    // a checkpoint after one epoch, resumed in a new Trainer: the second epoch is the same
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tsmodule-'));
    const first = make('adam');
    await first.trainEpoch(data());
    first.saveCheckpoint(path.join(dir, 'checkpoint'));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const straight = await first.trainEpoch(data());
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0); // the event loop turned while the pass ran
    const resumed = make('adam');
    resumed.loadCheckpoint(path.join(dir, 'checkpoint'));
    const again = await resumed.trainEpoch(data());
    expect(again.loss).toBe(straight.loss);
    expect(Array.from(resumed.parameters.data() as Float64Array)).toEqual(Array.from(first.parameters.data() as Float64Array));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('misuse is a TorchError that says what to do', () => {
    expect(() => new Residual(2).double().backward(ones([2], { dtype: 'float64' }), ones([2], { dtype: 'float64' }))).toThrow(
      /Residual\.backward: a module written in TypeScript has no Torch7 backward of its own/,
    );
    class NoForward extends nn.Module {}
    expect(() => new NoForward().forward(ones([1]))).toThrow('NoForward extends nn.Module but has no forward(input) of its own');
    class Twice extends nn.Module {
      constructor() {
        super();
        this.parameter('w', ones([1]));
        this.register('w', new nn.Tanh());
      }
    }
    expect(() => new Twice()).toThrow("Twice.register: 'w' is registered already");
    class NotATensor extends nn.Module {
      override forward(): Tensor {
        return 3 as unknown as Tensor;
      }
    }
    expect(() => new nn.Sequential(new NotATensor()).forward(ones([1]))).toThrow(
      /NotATensor\.forward must return a Tensor or an array of them, not number/,
    );
    // a class without a constructor hands its arguments to super()
    expect(() => new (class Odd extends nn.Module {})(3 as never)).toThrow(
      "Expected nothing, or { args: [the constructor's arguments] } for super() of Odd but received 3",
    );
    class BadSuper extends nn.Module {
      constructor() {
        super({ args: 4 } as never);
      }
    }
    expect(() => new BadSuper()).toThrow(/Expected nothing, or \{ args: \[the constructor's arguments\] \} for super\(\) of BadSuper/);
    expect(() => nn.registerModules({ Other: Residual })).toThrow(
      "nn.registerModules: the class registered as 'Other' is named 'Residual'; register it under its own name ({ Residual })",
    );
  });

  test('a field holding a module it did not register is refused (PyTorch would register it), with the call that fixes it', async () => {
    class Habit extends nn.Module {
      a: nn.Linear;
      b: nn.Linear;
      constructor() {
        super();
        this.a = new nn.Linear(4, 4); // PyTorch's self.a = nn.Linear(4, 4)
        this.b = this.register('b', new nn.Linear(4, 2));
      }
      override forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const fix =
      "Habit's field 'a' holds an nn.Linear that is not registered, so it would not be trained, converted or saved; register it in the constructor: this.a = this.register('a', …)";
    expect(() => new Habit().numParameters()).toThrow(`Habit.parameters: ${fix}`);
    expect(() => new Habit().float()).toThrow(`Habit.to: ${fix}`);
    expect(() => nn.save(path.join(os.tmpdir(), 'never.net'), new Habit())).toThrow(`nn.save: ${fix}`);
    const model = new nn.Sequential(new Habit(), new nn.LogSoftMax());
    expect(() => model.forward(randn([3, 4], { dtype: 'float64' }))).toThrow(`Habit.forward: ${fix}`);
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 2 });
    await expect(
      trainer.trainEpoch({ inputs: randn([4, 4], { dtype: 'float64' }), targets: tensor([0, 1, 0, 1], { dtype: 'int64' }) }),
    ).rejects.toThrow(fix);
    class List extends nn.Module {
      layers = [new nn.Tanh()];
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new List().parameters()).toThrow('(for a list of modules, register an nn.Sequential of them)');
    // held and registered, inside a registered container, or private: fine
    class Fine extends nn.Module {
      body: nn.Sequential;
      first: nn.Linear;
      #scratch = new nn.Linear(2, 2);
      constructor() {
        super();
        this.body = this.register('body', new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh()));
        this.first = this.body.modules[0] as nn.Linear;
      }
      override forward(x: Tensor): Tensor {
        return this.body.forward(x);
      }
      get scratch(): nn.Linear {
        return this.#scratch;
      }
    }
    expect(new Fine().numParameters()).toBe(15);
    expect(new Fine().scratch.numParameters()).toBe(6);
  });

  test("a constructor's arguments not handed to super(): nn.save refuses what nn.load could not rebuild", () => {
    class Sized extends nn.Module {
      constructor(n: number) {
        super();
        this.register('linear', new nn.Linear(n, 2));
      }
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    nn.registerModules({ Sized });
    expect(() => nn.save(path.join(os.tmpdir(), 'never.net'), new nn.Sequential(new Sized(3)))).toThrow(
      "nn.save: Sized cannot be rebuilt by nn.load (its constructor takes 1 argument(s) but it called super() without them: call super({ args: [the constructor's arguments] }) so that nn.load can call new Sized(...args))",
    );
  });

  test('nn.save writes it once its class is registered, and nn.load rebuilds it with the same outputs; summary() lists it', () => {
    class Unregistered extends nn.Module {
      declare w: Tensor;
      constructor() {
        super();
        this.parameter('w', ones([2]));
      }
      override forward(x: Tensor): Tensor {
        return x.mul(this.w);
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tsmodule-'));
    try {
      expect(() => nn.save(path.join(dir, 'u.net'), new nn.Sequential(new Unregistered()))).toThrow(
        'nn.save: Unregistered is a module written in TypeScript whose class is not registered: call nn.registerModules({ Unregistered }) so that nn.load can rebuild it (or save its parameters with nn.saveStateDict)',
      );
      manualSeed(4);
      const model = network();
      const file = path.join(dir, 'model.net');
      nn.registerModules({ Residual });
      nn.save(file, model);
      const loaded = nn.load<nn.Sequential>(file);
      expect(loaded.modules[1]).toBeInstanceOf(Residual);
      const x = randn([3, 4], { dtype: 'float64' });
      expect(noGrad(() => loaded.forward(x)).toArray()).toEqual(noGrad(() => model.forward(x)).toArray());
      expect(loaded.namedParameters().map(([n]) => n)).toEqual(model.namedParameters().map(([n]) => n));
      expect(model.summary([4]).toString()).toContain('nn.Residual(4)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
