// Gradient clipping in the native loop (Trainer gradClip, CLI -gradClip): equal to PyTorch's
// clip_grad_norm_ / clip_grad_value_ in its own training loop (test/python/gradclip_check.py), and
// applied for every optimizer to the gradient each evaluation gives it (checked against the closure
// form with the clipping written out in JavaScript).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Trainer, manualSeed, nn, tensor } from '../lib';
import { largest } from './helpers/compare';
import { pythonWithTorch, runPython } from './helpers/python';
import { closureEpoch } from './helpers/closure';
import { withTool } from './helpers/common';

const python = pythonWithTorch();
const withPython = withTool('Python with torch', python).test;
if (!python) console.warn('gradclip: the comparison with PyTorch is SKIPPED: no Python with torch here; CI installs one');

const make = () => new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh(), new nn.Linear(5, 3), new nn.LogSoftMax());
const inputs = tensor(
  Array.from({ length: 24 }, (_, i) => [3 * Math.sin(i), 2 * Math.cos(i), i / 4, (i % 3) - 1]),
  { dtype: 'float64' },
);
const targets = tensor(
  Array.from({ length: 24 }, (_, i) => (i * 7) % 3),
  { dtype: 'int64' },
);

describe('gradient clipping in the native loop', () => {
  for (const [name, clip, method, lr] of [
    ['norm 0.1, SGD', { norm: 0.1 }, 'sgd', 0.5],
    ['value 0.05, SGD', { value: 0.05 }, 'sgd', 0.5],
    ['value 0.2 then norm 0.3, AdamW', { value: 0.2, norm: 0.3 }, 'adamw', 0.05],
  ] as const) {
    withPython(`${name}: the parameters PyTorch's loop reaches`, async () => {
      manualSeed(9);
      const model = make();
      const params = Object.fromEntries(model.namedParameters().map(([n, t]) => [n, Array.from(t.data() as Float64Array)]));
      const trainer = new Trainer({
        model,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 6,
        shuffle: false,
        classes: 3,
        gradClip: clip,
        optimizer: { method, config: { learningRate: lr, ...(method === 'adamw' ? { weightDecay: 0 } : {}) } },
      });
      const result = await trainer.trainEpoch({ inputs, targets });
      expect(result.steps).toBe(4);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-clip-'));
      fs.writeFileSync(
        path.join(dir, 'spec.json'),
        JSON.stringify({
          params,
          inputs: inputs.toArray(),
          targets: targets.toArray(),
          batch: 6,
          method,
          lr,
          clipNorm: clip.norm ?? 0,
          clipValue: clip.value ?? 0,
        }),
      );
      const torchParams = JSON.parse(runPython(python!, 'gradclip_check.py', [path.join(dir, 'spec.json')]));
      fs.rmSync(dir, { recursive: true, force: true });
      for (const [n, t] of model.namedParameters())
        expect(largest(Array.from(t.data() as Float64Array), torchParams[n])).toBeLessThan(1e-12);
      // the clipping mattered: without it the parameters end elsewhere
      manualSeed(9);
      const free = make();
      await new Trainer({
        model: free,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 6,
        shuffle: false,
        classes: 3,
        optimizer: { method, config: { learningRate: lr, ...(method === 'adamw' ? { weightDecay: 0 } : {}) } },
      }).trainEpoch({ inputs, targets });
      expect(
        largest(Array.from(free.getParameters()[0].data() as Float64Array), Array.from(model.getParameters()[0].data() as Float64Array)),
      ).toBeGreaterThan(1e-3);
    });
  }

  for (const [method, config] of [
    ['lbfgs', { maxIter: 3, learningRate: 0.5 }],
    ['cg', { maxIter: 2 }],
    ['rprop', { stepsize: 0.01 }],
    ['adagrad', { learningRate: 0.1 }],
    ['nag', { learningRate: 0.05, momentum: 0.8 }],
  ] as const) {
    test(`${method}: the native loop clips every evaluation's gradient, as the closure form with the clipping written out`, async () => {
      manualSeed(3);
      const a = make();
      const b = make();
      const [pa] = a.getParameters();
      const [pb] = b.getParameters();
      pb.copy(pa);
      const clip = { norm: 0.3, value: 0.1 };
      const crit = new nn.ClassNLLCriterion();
      await new Trainer({
        model: a,
        criterion: crit,
        batchSize: 8,
        shuffle: false,
        classes: 3,
        gradClip: clip,
        optimizer: { method, config } as never,
      }).trainEpoch({ inputs, targets });
      closureEpoch(b, crit, { inputs, targets }, 8, method, config, (grads) => {
        const g = Array.from(grads.data() as Float64Array).map((v) => Math.min(clip.value, Math.max(-clip.value, v)));
        const scale = Math.min(1, clip.norm / (Math.hypot(...g) + 1e-6));
        grads.copy(
          tensor(
            g.map((v) => v * scale),
            { dtype: 'float64' },
          ),
        );
      });
      // the closure form's clipping is computed in JavaScript (another summation order), which
      // L-BFGS's and CG's line searches amplify (9e-10 on LibTorch 2.13): 1e-8
      expect(largest(Array.from(pa.data() as Float64Array), Array.from(pb.data() as Float64Array))).toBeLessThan(1e-8);
    });
  }

  test("each step's loss and learning rate come with the training result", async () => {
    manualSeed(1);
    const trainer = new Trainer({
      model: make(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 6,
      shuffle: false,
      classes: 3,
      optimizer: { method: 'sgd', config: { learningRate: 0.4 } },
      schedule: { kind: 'step', stepSize: 2, gamma: 0.5, per: 'step' },
    });
    const r = await trainer.trainEpoch({ inputs, targets });
    expect(r.stepLosses).toHaveLength(4);
    expect(r.stepLosses!.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(r.loss, 12); // equal minibatches
    expect(r.stepLearningRates).toEqual([0.4, 0.4, 0.2, 0.2]);
  });

  test('bad gradClip options are TorchErrors', () => {
    const opts = { model: make(), criterion: new nn.ClassNLLCriterion() };
    expect(() => new Trainer({ ...opts, gradClip: -1 })).toThrow(/gradClip/);
    expect(() => new Trainer({ ...opts, gradClip: { norm: Infinity } })).toThrow(/gradClip norm/);
    expect(() => new Trainer({ ...opts, gradClip: { max: 1 } as never })).toThrow(/Unknown option 'max' for Trainer gradClip/);
    expect(() => new Trainer({ ...opts, gradClip: 'big' as never })).toThrow(/gradClip/);
  });
});
