// The pass option `profile`: every LibTorch operator of a training or test pass, counted and timed
// (LibTorch's profiler in the native loop), summed per operator with self times that exclude the
// operators called; the Chrome trace written atomically; streamed passes merged; bad values refused.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchDataset, Dataset, formatProfile, manualSeed, nn, randn, tensor, Trainer, TorchError } from '../lib';
import { operatorName, parseTrace, PROFILE_BATCHES, summarizeTrace, TraceEvent } from '../lib/train/profile';
import { LinearInTypeScript } from './helpers/typescript-module';

const samples = 48;
const batchSize = 16;
function convnet(): nn.Sequential {
  manualSeed(3);
  return new nn.Sequential()
    .add(new nn.SpatialConvolutionMM(1, 4, 3, 3))
    .add(new nn.Tanh())
    .add(new nn.SpatialMaxPooling(2, 2, 2, 2))
    .add(new nn.View(-1, 36))
    .add(new nn.Linear(36, 3))
    .add(new nn.LogSoftMax())
    .float();
}
const data: Dataset = {
  inputs: randn([samples, 1, 8, 8]),
  targets: tensor(
    Array.from({ length: samples }, (_, i) => i % 3),
    { dtype: 'int64' },
  ),
};
const trainer = () =>
  new Trainer({ model: convnet(), criterion: new nn.ClassNLLCriterion(), batchSize, classes: 3, optimizer: { method: 'sgd' } });
const op = (profile: { ops: { op: string; calls: number }[] }, name: string) => profile.ops.find((r) => r.op === name);

describe('Trainer pass option profile', () => {
  test('a training pass: each operator once per step, self times that add up to the pass', async () => {
    const result = await trainer().trainEpoch(data, { profile: true });
    const profile = result.profile!;
    expect(result.steps).toBe(samples / batchSize);
    // LogSoftMax's forward and backward, once per step
    expect(op(profile, 'aten::_log_softmax')?.calls).toBe(result.steps);
    expect(op(profile, 'aten::_log_softmax_backward_data')?.calls).toBe(result.steps);
    expect(op(profile, 'aten::tanh_backward')?.calls).toBe(result.steps);
    // the convolution ran (its kernel's name depends on the LibTorch)
    expect(profile.ops.some((r) => /conv/.test(r.op) && r.calls >= result.steps)).toBe(true);
    const selfSum = profile.ops.reduce((sum, r) => sum + r.selfMs, 0);
    // the recording covers the pass's batches (a pass also sets up before its first)
    expect(profile.batches).toBe(result.steps);
    expect(profile.passMs).toBeGreaterThan(0);
    expect(profile.passMs).toBeLessThanOrEqual(1000 * result.seconds);
    expect(selfSum).toBeGreaterThan(0);
    expect(selfSum + profile.outsideMs).toBeLessThanOrEqual(profile.passMs * 1.01 + 0.1);
    for (const r of profile.ops) {
      expect(r.selfMs).toBeLessThanOrEqual(r.totalMs + 1e-9);
      expect(r.share).toBeCloseTo(r.selfMs / profile.passMs, 9);
    }
    // sorted by self time, and printed as a table
    expect(profile.ops.map((r) => r.selfMs)).toEqual([...profile.ops.map((r) => r.selfMs)].sort((a, b) => b - a));
    expect(formatProfile(profile, 3).split('\n')).toHaveLength(6);
  });

  test('a module written in TypeScript: the operators of its forward, which runs on the JavaScript thread, are counted too', async () => {
    const model = (head: nn.Module[]) => {
      manualSeed(3);
      const m = new nn.Sequential()
        .add(new nn.SpatialConvolutionMM(1, 4, 3, 3))
        .add(new nn.SpatialMaxPooling(2, 2, 2, 2))
        .add(new nn.View(-1, 36));
      for (const h of head) m.add(h);
      return m.add(new nn.LogSoftMax()).float();
    };
    const counts = async (m: nn.Sequential) => {
      const t = new Trainer({ model: m, criterion: new nn.ClassNLLCriterion(), batchSize, classes: 3, optimizer: { method: 'sgd' } });
      const { profile } = await t.trainEpoch(data, { profile: true });
      return ['aten::tanh', 'aten::tanh_backward', 'aten::addmm'].map((name) => op(profile!, name)?.calls);
    };
    const native = await counts(model([new nn.Tanh(), new nn.Linear(36, 3)]));
    expect(native).toEqual([samples / batchSize, samples / batchSize, samples / batchSize]);
    expect(await counts(model([new LinearInTypeScript(36, 3, (x) => x.tanh())]))).toEqual(native);
  });

  test('without the option a pass has no profile; a test pass can be profiled too', async () => {
    const t = trainer();
    expect((await t.trainEpoch(data)).profile).toBeUndefined();
    const tested = await t.test(data, { profile: true });
    expect(op(tested.profile!, 'aten::_log_softmax')?.calls).toBe(Math.ceil(samples / t.testBatchSize));
    expect(op(tested.profile!, 'aten::tanh_backward')).toBeUndefined();
  });

  test('a long pass records its first 1000 batches (a batch-1 epoch would be millions of events)', async () => {
    const many = 1100;
    const long: Dataset = {
      inputs: randn([many, 1, 8, 8]),
      targets: tensor(
        Array.from({ length: many }, (_, i) => i % 3),
        { dtype: 'int64' },
      ),
    };
    const t = new Trainer({
      model: convnet(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 1,
      classes: 3,
      optimizer: { method: 'sgd' },
    });
    const result = await t.trainEpoch(long, { profile: true });
    expect(result.steps).toBe(many);
    expect(result.profile!.batches).toBe(PROFILE_BATCHES);
    expect(op(result.profile!, 'aten::_log_softmax')?.calls).toBe(PROFILE_BATCHES);
    expect(result.profile!.passMs).toBeLessThan(1000 * result.seconds);
  });

  test("a file name also gets the Chrome trace, written whole; a streamed pass's chunks are merged", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-profile-'));
    const file = path.join(dir, 'trace.json');
    const streamed: BatchDataset = {
      length: samples,
      chunkSize: batchSize,
      batch: (indices: number[]) => ({ inputs: data.inputs.indexSelect(0, indices), targets: data.targets.indexSelect(0, indices) }),
    };
    const result = await trainer().trainEpoch(streamed, { profile: file });
    expect(op(result.profile!, 'aten::_log_softmax')?.calls).toBe(samples / batchSize);
    expect(result.profile!.batches).toBe(samples / batchSize);
    const events = JSON.parse(fs.readFileSync(file, 'utf8')) as TraceEvent[];
    expect(events.length).toBe(result.profile!.ops.reduce((sum, r) => sum + r.calls, 0));
    // one time line: each chunk's softmax after the previous chunk's
    const softmax = events.filter((e) => e.name === 'aten::_log_softmax').map((e) => e.ts);
    expect(softmax).toEqual([...softmax].sort((a, b) => a - b));
    expect(events.every((e) => e.ph === 'X' && typeof e.name === 'string' && e.dur >= 0)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['trace.json']); // no temporary file left
    fs.rmSync(dir, { recursive: true });
  });

  test('self time excludes the operators called, per thread', () => {
    const e = (name: string, ts: number, dur: number, tid = 1): TraceEvent => ({ name, ph: 'X', ts, dur, tid, pid: 'CPU Functions' });
    const events = [
      e('aten::conv2d', 0, 100),
      e('aten::convolution', 5, 90),
      e('aten::mkldnn_convolution', 10, 80),
      e('aten::tanh', 120, 30),
      e('aten::empty', 125, 5),
      e('aten::tanh', 0, 40, 2), // another thread: its own nesting
      e('aten::empty', 200, 10, 3), // a child written before its parent of the same start and length
      e('aten::zeros', 200, 10, 3),
    ];
    const p = summarizeTrace(events, 0.2);
    const self = Object.fromEntries(p.ops.map((r) => [r.op, r.selfMs * 1000]));
    expect(self).toEqual({
      'aten::conv2d': 10,
      'aten::convolution': 10,
      'aten::mkldnn_convolution': 80,
      'aten::tanh': 65,
      'aten::empty': 15,
      'aten::zeros': 0,
    });
    expect(op(p, 'aten::tanh')?.calls).toBe(2);
    expect(p.outsideMs).toBeCloseTo(0.2 - 0.18, 9);
    expect(p.ops[0].op).toBe('aten::mkldnn_convolution');
  });

  test("nodetorch's own kernels are named: the study's convnet shows its pooling and normalisation both ways", async () => {
    manualSeed(4);
    const model = new nn.Sequential()
      .add(new nn.SpatialConvolutionMM(1, 4, 3, 3))
      .add(new nn.SpatialLPPooling(4, 2, 2, 2, 2, 2))
      .add(new nn.SpatialSubtractiveNormalization(4, nn.gaussian1D(3)))
      .add(new nn.View(-1, 36))
      .add(new nn.Linear(36, 3))
      .add(new nn.LogSoftMax())
      .float();
    const t = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize, classes: 3, optimizer: { method: 'sgd' } });
    const p = (await t.trainEpoch(data, { profile: true })).profile!;
    const steps = samples / batchSize;
    expect(op(p, 'nodetorch::SpatialLPPooling')?.calls).toBe(steps);
    expect(op(p, 'nodetorch::SpatialSubtractiveNormalization')?.calls).toBe(steps);
    const backward = p.ops.map((r) => operatorName(r.op)).filter((name) => /^Spatial\w+Function \(backward\)$/.test(name));
    expect(backward.sort()).toEqual(['SpatialLPPoolingFunction (backward)', 'SpatialSubtractiveNormalizationFunction (backward)']);
    expect(formatProfile(p, 100)).toContain('SpatialLPPoolingFunction (backward)');
  });

  test('bad values are refused, and a malformed trace is an error', async () => {
    for (const profile of [1, '', null, {}]) {
      await expect(trainer().trainEpoch(data, { profile } as never)).rejects.toThrow(/profile/);
    }
    await expect(trainer().trainEpoch(data, { profile: 1 } as never)).rejects.toBeInstanceOf(TorchError);
    // a trace that cannot be written is refused before the pass, which would train for nothing
    const t = trainer();
    const before = t.model.getParameters()[0].toArray();
    const nowhere = path.join(os.tmpdir(), 'nodetorch-no-such-folder', 'trace.json');
    await expect(t.trainEpoch(data, { profile: nowhere })).rejects.toThrow(`train profile: cannot write '${nowhere}': no folder`);
    await expect(t.test(data, { profile: os.tmpdir() })).rejects.toThrow(`test profile: cannot write '${os.tmpdir()}': it is a folder`);
    expect(t.model.getParameters()[0].toArray()).toEqual(before);
    expect(t.epoch).toBe(0);
    expect(() => formatProfile(null as never)).toThrow(/Expected a pass's profile .* for formatProfile profile but received null/);
    // a misspelt option is an error, not silence
    await expect(t.trainEpoch(data, { profil: true } as never)).rejects.toThrow(/Unknown option 'profil' for train options/);
    expect(() => parseTrace('[{"name": "a"')).toThrow(/not JSON/);
    expect(() => parseTrace('{}')).toThrow(/not an array/);
  });
});
