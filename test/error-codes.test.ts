// TorchError's code and op: callers branch on the kind of failure, never on the wording. Each case
// makes the failure for real (LibTorch's own errors cross the native boundary with their code).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AbortError,
  ERROR_CODES,
  Tensor,
  TorchError,
  TorchErrorCode,
  Trainer,
  cuda,
  data,
  jit,
  manualSeed,
  nn,
  randn,
  tensor,
  torch7,
  zeros,
} from '../lib';
import { ROOT } from './helpers/common';

/** The TorchError `call` throws. */
function caught(call: () => unknown): TorchError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(TorchError);
    return e as TorchError;
  }
  throw new Error('expected a TorchError');
}

function expectCode(call: () => unknown, code: TorchErrorCode, op?: string): TorchError {
  const e = caught(call);
  expect({ code: e.code, message: e.message }).toEqual({ code, message: e.message });
  if (op !== undefined) {
    expect(e.op).toBe(op);
    expect(e.message).toBe(`${op}: ${e.reason}`);
  }
  return e;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-codes-'));

describe('TorchError codes from LibTorch', () => {
  test('shapes that do not fit: SHAPE_MISMATCH, with the op', () => {
    const e = expectCode(() => randn([2, 3]).matmul(randn([4, 5])), 'SHAPE_MISMATCH', 'matmul');
    expect(e.reason).not.toMatch(/^matmul:/);
    expectCode(() => randn([2, 3]).add(randn([4, 5])), 'SHAPE_MISMATCH');
    expectCode(() => randn([6]).view(4, 2), 'SHAPE_MISMATCH');
  });

  test("a model and an input of different dtypes: DTYPE_MISMATCH, and the module's hint, inside a container too", () => {
    const e = expectCode(() => new nn.Linear(3, 2).double().forward(randn([4, 3], { dtype: 'float32' })), 'DTYPE_MISMATCH');
    expect(e.message).toContain("the model is float64 but the input is float32: convert the input with input.to('float64')");
    const model = new nn.Sequential().add(new nn.Tanh()).add(new nn.Linear(3, 2)).double();
    expect(expectCode(() => model.forward(randn([4, 3], { dtype: 'float32' })), 'DTYPE_MISMATCH').message).toContain('module 2 (Linear)');
    expectCode(() => randn([3]).gather(0, tensor([0.5])), 'DTYPE_MISMATCH', 'gather');
    expectCode(
      () =>
        randn([2, 2]).mm(
          tensor(
            [
              [1, 2],
              [3, 4],
            ],
            { dtype: 'int64' },
          ),
        ),
      'DTYPE_MISMATCH',
      'mm',
    );
  });

  test('CUDA where there is none: DEVICE', () => {
    if (cuda.isAvailable()) return expect(cuda.deviceCount()).toBeGreaterThan(0);
    expectCode(() => tensor([1], { device: 'cuda' }), 'DEVICE');
  });

  test('a disposed tensor: DISPOSED, from TypeScript and from the native check', () => {
    const t = zeros([2]);
    t.dispose();
    expectCode(() => t.add(1), 'DISPOSED');
    expectCode(() => nn.stateDict(new nn.Linear(2, 2)).get('weight')!.dispose() ?? zeros([1]).add(t), 'DISPOSED');
  });

  test("more memory than the machine has: OUT_OF_MEMORY, from nodetorch's CPU allocator", () => {
    // 40 PB of float32: more than a 64-bit process can map, whatever the kernel's overcommit
    expect(expectCode(() => zeros([1e8, 1e8]), 'OUT_OF_MEMORY', 'full').reason).toContain('cannot allocate 40000000000000000 bytes');
    expectCode(() => randn([1e8, 1e8]), 'OUT_OF_MEMORY');
  });

  test('an argument out of range: INVALID_ARGUMENT', () => {
    expectCode(() => zeros([-1]), 'INVALID_ARGUMENT');
    expectCode(() => randn([2, 3]).sum(5), 'INVALID_ARGUMENT');
  });
});

describe('TorchError codes from files and passes', () => {
  test('no such file: IO; a damaged file: CORRUPT_FILE, with the op', () => {
    expectCode(() => nn.load(path.join(dir, 'missing.net')), 'IO');
    const file = path.join(dir, 'model.net');
    nn.save(file, new nn.Linear(3, 2));
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 200));
    expectCode(() => nn.load(file), 'CORRUPT_FILE');
    const notAModel = path.join(dir, 'text.net');
    fs.writeFileSync(notAModel, 'hello');
    expectCode(() => nn.load(notAModel), 'CORRUPT_FILE');
  });

  test('what is not a regular file (a device that never ends, a pipe, a folder): IO, at once; a NUL in a name: INVALID_ARGUMENT', () => {
    const model = new nn.Linear(3, 2);
    const trainer = new Trainer({
      model: new nn.Sequential(new nn.Linear(3, 2), new nn.LogSoftMax()),
      criterion: new nn.ClassNLLCriterion(),
    });
    const loaders: [string, (file: string) => unknown][] = [
      ['nn.load', (f) => nn.load(f)],
      ['torch7.load', (f) => torch7.load(f)],
      ['jit.load', (f) => jit.load(f)],
      ['nn.loadStateDict', (f) => nn.loadStateDict(model, f)],
      ['nn.loadSafetensors', (f) => nn.loadSafetensors(model, f)],
      ['loadCheckpoint', (f) => trainer.loadCheckpoint(f)],
      ['data.readIdxImages', (f) => data.readIdxImages(f)],
    ];
    // /dev/zero was read until memory ran out, with the event loop blocked
    for (const [, load] of loaders) {
      expect(expectCode(() => load('/dev/zero'), 'IO').message).toContain(
        "cannot read '/dev/zero': it is not a regular file (a device or a pipe)",
      );
      expect(expectCode(() => load(dir), 'IO').message).toContain(`cannot read '${dir}': it is a directory`);
    }
    expectCode(() => nn.save('bad\0name.net', model), 'INVALID_ARGUMENT');
    expect(caught(() => nn.load('bad\0name.net')).message).toContain('Expected a file name without NUL characters');
  });

  test('a model in training: BUSY; an aborted pass: an AbortError with code ABORTED', async () => {
    manualSeed(1);
    const model = new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.LogSoftMax());
    const data = {
      inputs: randn([3000, 4], { dtype: 'float64' }),
      targets: tensor(
        Array.from({ length: 3000 }, (_, i) => i % 3),
        { dtype: 'int64' },
      ),
    };
    const trainer = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 1 });
    const controller = new AbortController();
    const running = trainer.trainEpoch(data, { signal: controller.signal });
    expectCode(() => model.forward(randn([1, 4], { dtype: 'float64' })), 'BUSY');
    expectCode(() => new Trainer({ model, criterion: new nn.ClassNLLCriterion() }), 'BUSY');
    // what reads the whole model would read half-updated parameters
    expectCode(() => nn.save(path.join(dir, 'busy.net'), model), 'BUSY', 'nn.save');
    expectCode(() => nn.saveStateDict(model, path.join(dir, 'busy.pt')), 'BUSY', 'stateDict');
    expectCode(() => nn.exportOnnx(model, path.join(dir, 'busy.onnx'), { inputShape: [4] }), 'BUSY', 'exportOnnx');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('busy'))).toEqual([]);
    controller.abort();
    const e = await running.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(AbortError);
    expect(e).toBeInstanceOf(TorchError);
    expect(e).toMatchObject({ name: 'AbortError', code: 'ABORTED', op: 'train' });
  });
});

describe('the set of codes', () => {
  test('TypeScript and the native boundary name the same codes', () => {
    const source = fs.readFileSync(path.join(ROOT, 'native', 'engine', 'engine.cc'), 'utf8');
    const native = [...source.matchAll(/case ErrorCode::\w+:\s*return "(\w+)";/g)].map((m) => m[1]);
    expect(native).toEqual([...ERROR_CODES]);
  });

  test('a TorchError made in TypeScript is an INVALID_ARGUMENT unless it says otherwise; renamed() keeps the reason', () => {
    const e = new TorchError('optimStep: the gradient is NaN', { op: 'optimStep' });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.reason).toBe('the gradient is NaN');
    expect(e.renamed('optim.sgd').message).toBe('optim.sgd: the gradient is NaN');
    expect(e.op).toBe('optim.sgd');
    expect(new TorchError('x', { code: 'IO' }).code).toBe('IO');
    expect(Tensor).toBeDefined();
  });
});
