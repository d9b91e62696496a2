// The Trainer's weight average (option ema): the average of every step's parameters against
// PyTorch's AveragedModel with get_ema_multi_avg_fn fed the same parameters; training unchanged by
// it; test passes, saved models and checkpoints using it; bad options and damaged checkpoints refused.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EarlyStopping, manualSeed, nn, tensor, Trainer, TorchError } from '../lib';
import { native } from '../lib/native';
import { writeArchive } from '../lib/util/archive';
import { pythonWithTorch, runPython } from './helpers/python';
import { tinyClassification, values } from './helpers/tiny-data';

const n = 12;
const data = tinyClassification(n);
const { inputs, targets } = data;
const slice = (k: number) => ({ inputs: inputs.slice(0, 4 * k, 4 * k + 4), targets: targets.slice(0, 4 * k, 4 * k + 4) });
const make = () => {
  manualSeed(7);
  return new nn.Sequential().add(new nn.Linear(4, 5)).add(new nn.Tanh()).add(new nn.Linear(5, 3)).add(new nn.LogSoftMax()).double();
};
const trainer = (model: nn.Module, ema?: number, method: 'sgd' | 'asgd' = 'sgd') =>
  new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize: 4,
    classes: 3,
    shuffle: false,
    optimizer: method === 'sgd' ? { method, config: { learningRate: 0.5, momentum: 0.9 } } : { method },
    ...(ema !== undefined ? { ema } : {}),
  });
const decay = 0.8;

/** The parameters after each of `steps` steps, taken one batch at a time by a Trainer without ema. */
async function stepByStep(steps: number): Promise<number[][]> {
  const plain = trainer(make());
  const seen: number[][] = [];
  for (let s = 0; s < steps; s++) {
    await plain.trainEpoch(slice(s % 3));
    seen.push(values(plain.parameters));
  }
  return seen;
}

const python = pythonWithTorch();

describe('Trainer ema', () => {
  (python ? test : test.skip)("the average of 6 steps equals PyTorch's AveragedModel with get_ema_multi_avg_fn", async () => {
    const t = trainer(make(), decay);
    await t.trainEpoch(data);
    await t.trainEpoch(data);
    const average = t.averagedParameters()!;
    const sequence = await stepByStep(6);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ema-')), 'sequence.json');
    fs.writeFileSync(file, JSON.stringify(sequence));
    const expected = JSON.parse(runPython(python!, 'ema_reference.py', [file, String(decay)])) as number[];
    const got = values(average);
    expect(got.length).toBe(expected.length);
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-13));
    // the average is not the last parameters: the test would pass without averaging otherwise
    expect(Math.max(...got.map((v, i) => Math.abs(v - sequence[5][i])))).toBeGreaterThan(1e-3);
    average.dispose();
  });

  test('training is unchanged by the average: the same parameters as without it', async () => {
    const t = trainer(make(), decay);
    const plain = trainer(make());
    for (let e = 0; e < 2; e++) {
      await t.trainEpoch(data);
      await plain.trainEpoch(data);
    }
    expect(values(t.parameters)).toEqual(values(plain.parameters));
  });

  test('test passes evaluate with the average; the parameters are back afterwards', async () => {
    const t = trainer(make(), decay);
    expect(t.averagedParameters()).toBeNull(); // nothing averaged before the first step
    const before = await t.test(data);
    const untrained = await trainer(make()).test(data);
    expect(before.loss).toBe(untrained.loss); // no average yet: the parameters themselves
    await t.trainEpoch(data);
    await t.trainEpoch(data);
    const raw = values(t.parameters);
    const result = await t.test(data);
    expect(values(t.parameters)).toEqual(raw);
    const other = trainer(make());
    const average = t.averagedParameters()!;
    other.parameters.copy(average);
    const expected = await other.test(data);
    expect(result.loss).toBe(expected.loss);
    const withRaw = trainer(make());
    withRaw.parameters.copy(tensor(raw, { dtype: 'float64' }));
    expect(Math.abs(result.loss - (await withRaw.test(data)).loss)).toBeGreaterThan(1e-4);
    average.dispose();
  });

  test("fit saves the averaged model (the one its test pass scored) and keeps the trainer's parameters", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ema-fit-'));
    const t = trainer(make(), decay);
    const results = await t.fit({ train: data, test: data, epochs: 2, save: dir, keepBest: 'testAccuracy' });
    const average = values(t.averagedParameters()!);
    const saved = nn.load(path.join(dir, 'model.net.2'));
    const [params] = saved.getParameters();
    expect(values(params)).toEqual(average);
    expect(values(t.parameters)).not.toEqual(average);
    const reloaded = trainer(saved);
    expect((await reloaded.test(data)).loss).toBe(results[1].test!.loss);
  });

  test('a checkpoint keeps the average: a resumed run ends as one run straight through', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ema-checkpoint-'));
    const straight = trainer(make(), decay);
    for (let e = 0; e < 3; e++) await straight.trainEpoch(data);
    const first = trainer(make(), decay);
    await first.trainEpoch(data);
    await first.trainEpoch(data);
    first.saveCheckpoint(path.join(dir, 'checkpoint'));
    const resumed = trainer(make(), decay);
    resumed.loadCheckpoint(path.join(dir, 'checkpoint'));
    await resumed.trainEpoch(data);
    expect(values(resumed.parameters)).toEqual(values(straight.parameters));
    expect(values(resumed.averagedParameters()!)).toEqual(values(straight.averagedParameters()!));
    // a Trainer without ema reads the file and ignores the average
    const plain = trainer(make());
    plain.loadCheckpoint(path.join(dir, 'checkpoint'));
    expect(values(plain.parameters)).toEqual(values(first.parameters));
  });

  test('a checkpoint whose average does not hold together is a clear error and changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ema-damaged-'));
    const t = trainer(make(), decay);
    await t.trainEpoch(data);
    const file = path.join(dir, 'checkpoint');
    t.saveCheckpoint(file);
    // well-formed archives (valid digests) with a description that lies about the average
    const { json, tensors } = native().decodeArchive(fs.readFileSync(file));
    const rewrite = (name: string, change: (d: { average?: unknown }) => void, keep = tensors) => {
      const d = JSON.parse(json);
      change(d);
      writeArchive(path.join(dir, name), JSON.stringify(d), keep);
      return path.join(dir, name);
    };
    const resumed = trainer(make(), decay);
    const before = values(resumed.parameters);
    for (const [name, change, keep, message] of [
      ['no-updates', (d: { average?: unknown }) => (d.average = { decay, updates: 0 }), tensors, /its weight average is/],
      ['bad-decay', (d: { average?: unknown }) => (d.average = { decay: 2, updates: 3 }), tensors, /its weight average is/],
      ['missing', () => {}, tensors.slice(0, -1), /tensors for .* weight averages/],
      ['unannounced', (d: { average?: unknown }) => delete d.average, tensors, /tensors for .* 0 weight averages/],
    ] as const) {
      const bad = rewrite(name, change, keep as typeof tensors);
      expect(() => resumed.loadCheckpoint(bad)).toThrow(message);
      expect(() => resumed.loadCheckpoint(bad)).toThrow(/is damaged/);
    }
    expect(values(resumed.parameters)).toEqual(before);
    expect(resumed.averagedParameters()).toBeNull();
  });

  test('bad options are refused with a TorchError naming them', () => {
    for (const bad of [0, 1, -0.5, 1.5, NaN, '0.9', null]) {
      expect(() => trainer(make(), bad as number)).toThrow(TorchError);
      expect(() => trainer(make(), bad as number)).toThrow(/ema/);
    }
    expect(() => trainer(make(), 0.9, 'asgd')).toThrow(/asgd evaluates with its own average/);
    const t = trainer(make(), 0.9);
    expect(() => t.setOptimizer({ method: 'asgd' })).toThrow(/asgd/);
    expect(trainer(make()).ema).toBeNull();
    expect(t.ema).toBe(0.9);
    const early = new EarlyStopping({ monitor: 'testLoss', restoreBest: true });
    return expect(t.fit({ train: data, test: data, epochs: 1, callbacks: [early] })).rejects.toThrow(/restoreBest[\s\S]*keepBest/);
  });
});
