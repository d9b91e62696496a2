// Learning-rate schedules: the rates against PyTorch's torch.optim.lr_scheduler (goldens from
// test/goldens/make_schedule_goldens.py), applied per step inside the native loop (checked against
// the closure form stepped by hand), per epoch, kept in checkpoints; setOptimizer keeping state.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed, nn, optim, Trainer } from '../lib';
import type { OptimizerSpec, ScheduleSpec } from '../lib';
import goldens from './goldens/schedules.json';
import { tinyClassification, values } from './helpers/tiny-data';

const n = 12;
const data = tinyClassification(n);
const { inputs, targets } = data;
const make = () => new nn.Sequential().add(new nn.Linear(4, 5)).add(new nn.Tanh()).add(new nn.Linear(5, 3)).add(new nn.LogSoftMax());
const trainer = (
  model: nn.Module,
  schedule?: ScheduleSpec,
  optimizer: OptimizerSpec = { method: 'sgd', config: { learningRate: goldens.base } },
  batchSize = 4,
) =>
  new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize,
    classes: 3,
    shuffle: false,
    optimizer,
    ...(schedule ? { schedule } : {}),
  });

describe(`the rates of PyTorch ${goldens.torch}'s schedulers`, () => {
  for (const { spec, rates } of goldens.closed) {
    test(`${JSON.stringify(spec)} per epoch: the rate of each epoch`, async () => {
      const t = trainer(make(), spec as ScheduleSpec);
      const seen: (number | null)[] = [];
      for (let e = 0; e < rates.length; e++) {
        seen.push(t.learningRate);
        await t.trainEpoch(data);
      }
      seen.forEach((r, i) => expect(r).toBeCloseTo(rates[i], 14));
    });
  }

  for (const { spec, metrics, rates } of goldens.plateau) {
    test(`${JSON.stringify(spec)}: the rate after each epoch's metric (ReduceLROnPlateau)`, () => {
      const t = trainer(make(), spec as ScheduleSpec);
      const seen = metrics.map((m) => {
        t.stepSchedule({ [spec.metric]: m });
        return t.learningRate;
      });
      seen.forEach((r, i) => expect(r).toBeCloseTo(rates[i], 14));
    });
  }
});

test('a per-step schedule changes the rate before every optimizer step inside the native loop', async () => {
  // the cosine with warm-up over 11 steps, per minibatch: 3 epochs of 4 minibatches, then the minimum
  const { spec, rates } = goldens.closed[4];
  manualSeed(5);
  const a = make();
  const b = make();
  b.getParameters()[0].copy(a.getParameters()[0]);
  const t = trainer(
    a,
    { ...(spec as ScheduleSpec), per: 'step' } as ScheduleSpec,
    { method: 'sgd', config: { learningRate: goldens.base, momentum: 0.5 } },
    3,
  );
  for (let e = 0; e < 3; e++) await t.trainEpoch(data);
  expect(t.scheduleState!.steps).toBe(12);
  // the same minibatches stepped by hand with optim.sgd, its learningRate set from PyTorch's rates
  const [w, g] = b.getParameters();
  const crit = new nn.ClassNLLCriterion();
  const state = {};
  for (let step = 0; step < 12; step++) {
    const start = (step % 4) * 3;
    const x = inputs.slice(0, start, start + 3);
    const y = targets.slice(0, start, start + 3);
    const rate = rates[Math.min(step, rates.length - 1)];
    optim.sgd(
      () => {
        g.zero();
        const out = b.forward(x);
        const f = crit.forward(out, y);
        b.backward(x, crit.backward(out, y));
        return [f, g];
      },
      w,
      { learningRate: rate, momentum: 0.5 },
      state,
    );
  }
  values(a.getParameters()[0]).forEach((v, i) => expect(v).toBeCloseTo(values(w)[i], 12));
});

test("fit reports each epoch's rate, drives the plateau schedule with the test loss, and refuses it without a test set", async () => {
  const t = trainer(make(), { kind: 'plateau', patience: 0, factor: 0.5, threshold: 10 }); // never "better" after the first: halves after every later epoch
  const results = await t.fit({ train: data, test: data, epochs: 3 });
  expect(results.map((r) => r.learningRate)).toEqual([0.1, 0.1, 0.05].map((r) => expect.closeTo(r, 15)) as never);
  const u = trainer(make(), { kind: 'plateau' });
  await expect(u.fit({ train: data, epochs: 1 })).rejects.toThrow(
    /the plateau schedule follows testLoss, which this epoch did not measure \(no test set\?\)/,
  );
});

describe('checkpoints and optimizer switches', () => {
  test('a per-step schedule resumes exactly from a checkpoint (2 epochs straight = 1, checkpoint, 1 in a fresh Trainer)', async () => {
    const schedule: ScheduleSpec = { kind: 'cosine', total: 6, warmup: 2, per: 'step' };
    manualSeed(9);
    const model = make();
    const start = model.getParameters()[0].clone();
    const straight = trainer(model, schedule);
    await straight.trainEpoch(data);
    await straight.trainEpoch(data);
    const expected = values(model.getParameters()[0]);

    const again = make();
    again.getParameters()[0].copy(start);
    const first = trainer(again, schedule);
    await first.trainEpoch(data);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-schedule-'));
    first.saveCheckpoint(path.join(dir, 'checkpoint'));
    const resumed = trainer(again); // no schedule: the checkpoint's is restored
    resumed.loadCheckpoint(path.join(dir, 'checkpoint'));
    expect(resumed.scheduleState).toEqual({ steps: 3, best: null, bad: 0, cooldown: 0, scale: 1 });
    await resumed.trainEpoch(data);
    values(again.getParameters()[0]).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
    expect(resumed.learningRate).toBeCloseTo(0, 15); // the cosine ended at step 6
  });

  test('setOptimizer keeps the state of the same method (momentum continues), unless keepState is false', async () => {
    const spec: OptimizerSpec = { method: 'sgd', config: { learningRate: 0.1, momentum: 0.9 } };
    const run = async (between: (t: Trainer) => void) => {
      manualSeed(2);
      const model = make();
      const t = trainer(model, undefined, spec);
      await t.trainEpoch(data);
      between(t);
      await t.trainEpoch(data);
      return values(model.getParameters()[0]);
    };
    const straight = await run(() => {});
    const kept = await run((t) => t.setOptimizer(spec));
    const fresh = await run((t) => t.setOptimizer(spec, { keepState: false }));
    kept.forEach((v, i) => expect(v).toBe(straight[i]));
    expect(fresh.some((v, i) => Math.abs(v - straight[i]) > 1e-6)).toBe(true);
  });

  test('schedules need a method with a learning rate; bad specs are errors naming the option', () => {
    expect(() => trainer(make(), { kind: 'step', stepSize: 2 }, { method: 'cg' })).toThrow(
      /schedule: optim.cg has no learningRate to schedule/,
    );
    const t = trainer(make(), { kind: 'exponential', gamma: 0.9 });
    expect(() => t.setOptimizer({ method: 'adadelta' })).toThrow(/optim.adadelta has no learningRate/);
    expect(t.method).toBe('sgd');
    const bad: [unknown, RegExp][] = [
      [
        { kind: 'linear' },
        /Expected one of 'step', 'multistep', 'exponential', 'cosine', 'onecycle', 'plateau' for schedule kind but received 'linear'/,
      ],
      [{ kind: 'step' }, /schedule stepSize/],
      [{ kind: 'step', stepSize: 2, gamma: 0 }, /Expected a number > 0 for schedule gamma but received 0/],
      [{ kind: 'multistep', milestones: [5, 3] }, /Expected an increasing list of positive integers for schedule milestones/],
      [{ kind: 'cosine', total: 5, warmup: 5 }, /schedule warmup/],
      [{ kind: 'cosine', total: 5, per: 'batch' }, /schedule per/],
      [
        { kind: 'onecycle', total: 3 },
        /Expected a pctStart with 1 < pctStart·total < total \(total 3\) for schedule pctStart but received 0.3/,
      ],
      [{ kind: 'onecycle', total: 10, divFactor: 0.5 }, /schedule divFactor/],
      [{ kind: 'onecycle', total: 1 }, /schedule total/],
      [{ kind: 'plateau', metric: 'accuracy' }, /schedule metric/],
      [{ kind: 'plateau', factor: 2 }, /schedule factor/],
      [{ kind: 'exponential', gamma: 0.9, patience: 3 }, /Unknown option 'patience' for schedule 'exponential'/],
      ['cosine', /Expected a schedule object/],
    ];
    for (const [schedule, message] of bad) expect(() => trainer(make(), schedule as ScheduleSpec)).toThrow(message);
  });
});
