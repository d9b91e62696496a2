// The PyTorch loop: model.forward on the autograd graph of the parameters, criterion.loss(...) as a
// tensor, loss.backward(), and optim.Optimizer's zeroGrad()/step(). Proven by PyTorch running the
// same loop with torch.optim.AdamW from the same weights over the same batches (float64, ≤ 1e-10,
// test/python/optim_loop_check.py), and by Torch7's closure form giving the very same numbers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, cat, manualSeed, nn, noGrad, ones, optim, randn } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { flat } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
/** The flat parameters of two models, in order: what one Sequential holding both has. */
const tensorFromParts = (a: nn.Module, b: nn.Module): Tensor => cat([a.getParameters()[0], b.getParameters()[0]]);
const mlp = () => new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2)).double();

describe('the PyTorch loop', () => {
  test('forward is on the autograd graph of the parameters; loss() is a tensor; backward fills the gradients', () => {
    manualSeed(100);
    const model = mlp();
    const criterion = new nn.MSECriterion();
    const x = x64([5, 3]);
    const y = x64([5, 2]);
    const out = model.forward(x);
    expect(out.requiresGrad).toBe(true);
    const loss = criterion.loss(out, y);
    expect(loss.shape).toEqual([]);
    expect(loss.item()).toBeCloseTo(criterion.forward(out, y), 12);
    model.zeroGradParameters();
    loss.backward();
    const fromLoss = model.parameters()[1].map((g) => g.toArray());
    // Torch7's contract gives the same gradients (from a new forward: backward() freed the graph, as PyTorch's)
    model.zeroGradParameters();
    const again = model.forward(x);
    model.backward(x, criterion.backward(again, y));
    expect(model.parameters()[1].map((g) => g.toArray())).toEqual(fromLoss);
    // without grad mode, forward records nothing
    expect(noGrad(() => model.forward(x)).requiresGrad).toBe(false);
  });

  test('chained models share one graph: loss.backward() reaches the first model and an input that requires gradients', () => {
    manualSeed(104);
    const encoder = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh()).double();
    const decoder = new nn.Linear(4, 2).double();
    const whole = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2)).double();
    whole.getParameters()[0].copy(tensorFromParts(encoder, decoder));
    const criterion = new nn.MSECriterion();
    const x = x64([5, 3]);
    x.requiresGrad = true;
    const y = x64([5, 2]);
    encoder.zeroGradParameters();
    decoder.zeroGradParameters();
    criterion.loss(decoder.forward(encoder.forward(x)), y).backward();
    const xGrad = x.grad!.toArray();
    // the same gradients as one model holding both
    const x2 = x.detach();
    x2.requiresGrad = true;
    whole.zeroGradParameters();
    criterion.loss(whole.forward(x2), y).backward();
    const chained = [...encoder.parameters()[1], ...decoder.parameters()[1]].map((g) => g.toArray());
    expect(chained).toEqual(whole.parameters()[1].map((g) => g.toArray()));
    expect(flat(encoder.parameters()[1][0].toArray()).some((v) => v !== 0)).toBe(true);
    expect(xGrad).toEqual(x2.grad!.toArray());
    // Torch7's backward stops at its own module: the decoder's gradients and gradInput, the encoder untouched
    encoder.zeroGradParameters();
    decoder.zeroGradParameters();
    const h = encoder.forward(x);
    const out = decoder.forward(h);
    const gradH = decoder.backward(h, criterion.backward(out, y));
    expect(flat(encoder.parameters()[1][0].toArray()).every((v) => v === 0)).toBe(true);
    expect(flat(decoder.parameters()[1][0].toArray()).some((v) => v !== 0)).toBe(true);
    encoder.backward(x, gradH);
    expect([...encoder.parameters()[1], ...decoder.parameters()[1]].map((g) => g.toArray())).toEqual(chained);
  });

  test("Torch7's backward gives each table entry its own gradient: a graph tensor beside plain data, one tensor twice", () => {
    manualSeed(105);
    const h = new nn.Linear(3, 3).double().forward(x64([2, 3])); // on a graph
    const data = x64([2, 3]);
    const product = new nn.CMulTable();
    product.forward([h, data]);
    const [gh, gData] = product.backward([h, data], ones([2, 3], { dtype: 'float64' })) as Tensor[];
    expect(gh.toArray()).toEqual(data.toArray());
    expect(gData.toArray()).toEqual(h.detach().toArray());
    const sum = new nn.CAddTable();
    sum.forward([h, h]);
    const [first, second] = sum.backward([h, h], ones([2, 3], { dtype: 'float64' })) as Tensor[];
    expect(first.toArray()).toEqual(ones([2, 3]).toArray());
    expect(second.toArray()).toEqual(ones([2, 3]).toArray());
  });

  test('getParameters() between forward and backward: the gradients land in the flat vector; to() or noGrad is an error', () => {
    manualSeed(106);
    const x = x64([4, 3]);
    const reference = new nn.Linear(3, 2).double();
    reference.forward(x);
    reference.zeroGradParameters();
    reference.backward(x, ones([4, 2], { dtype: 'float64' }));
    const expected = reference.parameters()[1].map((g) => g.toArray());
    // Torch7's backward, and the PyTorch loop's loss.backward()
    for (const viaLoss of [false, true]) {
      const linear = new nn.Linear(3, 2).double();
      linear.getParameters()[0].copy(reference.getParameters()[0]);
      const y = linear.forward(x);
      const [, flatGrad] = linear.getParameters();
      const [, outer] = new nn.Sequential(linear).getParameters(); // re-flattened after the forward
      outer.zero();
      if (viaLoss) y.sum().backward();
      else linear.backward(x, ones([4, 2], { dtype: 'float64' }));
      expect(linear.parameters()[1].map((g) => g.toArray())).toEqual(expected);
      expect(flat(outer.toArray())).toEqual(flat(expected));
      expect(flatGrad.numel).toBe(8);
    }
    const converted = new nn.Linear(3, 2).double();
    converted.forward(x);
    converted.float().double();
    expect(() => converted.backward(x, ones([4, 2], { dtype: 'float64' }))).toThrow(
      /parameters were replaced .* call forward\(input\) again/,
    );
    const quiet = new nn.Linear(3, 2).double();
    noGrad(() => quiet.forward(x));
    expect(() => quiet.backward(x, ones([4, 2], { dtype: 'float64' }))).toThrow(/grad mode on/);
  });

  test('Optimizer steps equal the closure form exactly (sgd with momentum and nesterov)', () => {
    manualSeed(101);
    const a = mlp();
    const b = mlp();
    b.getParameters()[0].copy(a.getParameters()[0]);
    const criterion = new nn.MSECriterion();
    const batches = Array.from({ length: 6 }, () => [x64([4, 3]), x64([4, 2])] as const);
    const config = { learningRate: 0.05, momentum: 0.9, nesterov: true, dampening: 0 };
    const optimizer = new optim.Optimizer(a, { method: 'sgd', config });
    for (const [x, y] of batches) {
      optimizer.zeroGrad();
      criterion.loss(a.forward(x), y).backward();
      optimizer.step();
    }
    const [params, grads] = b.getParameters();
    const state = {};
    for (const [x, y] of batches) {
      optim.sgd(
        () => {
          b.zeroGradParameters();
          const out = b.forward(x);
          const f = criterion.forward(out, y);
          b.backward(x, criterion.backward(out, y));
          return [f, grads];
        },
        params,
        config,
        state,
      );
    }
    expect(a.getParameters()[0].toArray()).toEqual(params.toArray());
    expect((optimizer.state as { evalCounter: number }).evalCounter).toBe(6);
  });

  test("rprop steps from backward()'s gradients with Torch7's niter = 1, as its closure form does; niter > 1 needs the closure", () => {
    manualSeed(104);
    const [x, y] = [x64([8, 3]), x64([8, 2])];
    const criterion = new nn.MSECriterion();
    const [a, b] = [mlp(), mlp()];
    b.getParameters()[0].copy_(a.getParameters()[0]);
    const initial = a.getParameters()[0].toArray();
    const stepped = new optim.Optimizer(a, { method: 'rprop' });
    const closed = new optim.Optimizer(b, { method: 'rprop' });
    for (let k = 0; k < 3; k++) {
      stepped.zeroGrad();
      criterion.loss(a.forward(x), y).backward();
      expect(stepped.step()).toBeUndefined();
      closed.step(() => {
        closed.zeroGrad();
        const loss = criterion.loss(b.forward(x), y);
        loss.backward();
        return loss;
      });
    }
    expect(a.getParameters()[0].toArray()).toEqual(b.getParameters()[0].toArray());
    expect(a.getParameters()[0].toArray()).not.toEqual(initial);
    expect(() => new optim.Optimizer(mlp(), { method: 'rprop', config: { niter: 2 } }).step()).toThrow(
      /rprop evaluates the loss 2 times \(niter\) per step; pass a closure/,
    );
  });

  test('lbfgs needs the closure, and takes it', () => {
    manualSeed(102);
    const model = mlp();
    const criterion = new nn.MSECriterion();
    const [x, y] = [x64([8, 3]), x64([8, 2])];
    const optimizer = new optim.Optimizer(model, { method: 'lbfgs', config: { maxIter: 5 } });
    expect(() => optimizer.step()).toThrow(/lbfgs evaluates the loss several times per step; pass a closure/);
    const closure = () => {
      optimizer.zeroGrad();
      const loss = criterion.loss(model.forward(x), y);
      loss.backward();
      return loss;
    };
    const before = optimizer.step(closure)!;
    const after = (closure() as Tensor).item() as number;
    expect(after).toBeLessThan(before);
    expect(() => new optim.Optimizer(model, { method: 'nope' } as never)).toThrow(TorchError);
  });
});

const python = pythonWithTorch();
if (!python)
  console.warn('optim-object: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).test(
  "the loop with optim.Optimizer('adamw') equals PyTorch's loop with torch.optim.AdamW (float64, ≤ 1e-10)",
  () => {
    manualSeed(103);
    const model = mlp();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-loop-'));
    nn.saveStateDict(model, path.join(dir, 'state.pt'));
    const criterion = new nn.MSECriterion();
    const batches = Array.from({ length: 8 }, () => [x64([4, 3]), x64([4, 2])] as const);
    const config = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05 };
    const optimizer = new optim.Optimizer(model, { method: 'adamw', config });
    const losses: number[] = [];
    for (const [x, y] of batches) {
      optimizer.zeroGrad();
      const loss = criterion.loss(model.forward(x), y);
      losses.push(loss.item() as number);
      loss.backward();
      optimizer.step();
    }
    fs.writeFileSync(
      path.join(dir, 'case.json'),
      JSON.stringify({ config, inputs: batches.map(([x]) => x.toArray()), targets: batches.map(([, y]) => y.toArray()) }),
    );
    runPython(python!, 'optim_loop_check.py', [...['state.pt', 'case.json', 'result.json'].map((f) => path.join(dir, f))]);
    const theirs = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
    losses.forEach((l, k) => expect(Math.abs(l - theirs.losses[k])).toBeLessThanOrEqual(1e-10));
    for (const [name, t] of model.namedParameters()) {
      const [p, q] = [flat(t.toArray()), flat(theirs.state[name])];
      p.forEach((v, k) => expect(Math.abs(v - q[k])).toBeLessThanOrEqual(1e-10));
    }
  },
);
