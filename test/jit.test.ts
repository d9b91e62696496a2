// TorchScript in: modules that Python's torch scripted or traced and saved with torch.jit.save
// (test/python/jit_check.py) load with jit.load, compute PyTorch's outputs, train with the Trainer,
// and their state dicts go back to PyTorch's load_state_dict with the same outputs. The Python used is
// the one whose torch matches this LibTorch (Debian's python3-torch for LibTorch 1.13), as a file
// from a newer PyTorch than the LibTorch may not load (which is a clear error).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, jit, libtorchInfo, manualSeed, nn, noGrad, tensor } from '../lib';
import type { Value } from '../lib/nn/Module';
import { largest, toJson } from './helpers/compare';
import { pythonForLibTorch, runPython } from './helpers/python';
import { withTool } from './helpers/common';

const py = pythonForLibTorch();
// torchvision's resnet18 from the newest torch not newer than this LibTorch that has a torchvision
// that loads (Debian's python3-torchvision: the index's wheels are built for another torch)
const vision = pythonForLibTorch('torchvision');
if (!py)
  console.warn(
    `jit: SKIPPED: no Python with a torch as old as this LibTorch ${libtorchInfo().version} (setup's python3-torch, or the CI venvs)`,
  );
const describeWithPython = withTool('a Python torch that this LibTorch reads', py).describe;

describeWithPython('TorchScript modules from PyTorch', () => {
  let dir: string;
  let made: string[];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-jit-'));
    made = JSON.parse(runPython(py!.python, 'jit_check.py', ['make', dir])).made;
    if (vision) made.push(...JSON.parse(runPython(vision.python, 'jit_check.py', ['make-resnet', dir])).made);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const read = (name: string, what: 'in' | 'out') => JSON.parse(fs.readFileSync(path.join(dir, `${name}.${what}.json`), 'utf8'));

  test("the modules made include torchvision's resnet18 where torchvision is installed", () => {
    expect(made).toEqual(expect.arrayContaining(['convbn', 'lstm', 'mlp']));
    if (!made.includes('resnet18'))
      console.warn(
        `jit: no torchvision loads beside a torch as old as LibTorch ${libtorchInfo().version} (setup installs Debian's python3-torchvision): the resnet18 case is not run`,
      );
  });

  for (const name of ['mlp', 'convbn', 'lstm', 'resnet18']) {
    test(`${name}: forward gives PyTorch's output; PyTorch's parameter and buffer names`, async () => {
      if (!made.includes(name)) return;
      const model = jit.load(path.join(dir, `${name}.pt`));
      model.evaluate();
      expect(model.dtype).toBe('float32');
      const expected = read(name, 'out');
      expect(model.namedParameters().map(([n]) => n)).toEqual(expected.names);
      expect(model.namedBuffers().map(([n]) => n)).toEqual(expected.buffers);
      const x = tensor(read(name, 'in'));
      const y = noGrad(() => model.forward(x)) as Tensor;
      expect(largest(y.toArray(), expected.output)).toBeLessThan(1e-5);
      // off the event loop too: the Trainer's test pass runs the module natively
      if (name !== 'lstm' && name !== 'resnet18') {
        const targets = tensor(
          Array.from({ length: x.shape[0] }, (_, i) => i % y.shape[1]),
          { dtype: 'int64' },
        );
        const r = await new Trainer({ model, criterion: new nn.ClassNLLCriterion(), classes: y.shape[1] }).test({ inputs: x, targets });
        expect(r.samples).toBe(x.shape[0]);
      }
    });
  }

  test('training: the Trainer trains a scripted convnet with batch norm; its state dict goes back to PyTorch with the same outputs', async () => {
    manualSeed(2);
    const model = jit.load(path.join(dir, 'convbn.pt'));
    const x = tensor(
      Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (__, j) => Math.sin(i * 0.7 + j * 0.3 * ((i % 5) + 1)))),
    ).view(64, 1, 8, 8);
    const y = tensor(
      Array.from({ length: 64 }, (_, i) => i % 5),
      { dtype: 'int64' },
    );
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 16,
      classes: 5,
      optimizer: { method: 'adam', config: { learningRate: 0.01 } },
    });
    const results = await trainer.fit({ train: { inputs: x, targets: y }, epochs: 8 });
    expect(results[7].train.loss).toBeLessThan(results[0].train.loss * 0.7);
    const stateFile = path.join(dir, 'trained.pt');
    nn.saveStateDict(model as nn.Module<Value, Value>, stateFile);
    model.evaluate();
    const ours = noGrad(() => model.forward(x.index([0, 6]))) as Tensor;
    fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify(x.index([0, 6]).toArray()));
    const theirs = JSON.parse(runPython(py!.python, 'jit_check.py', ['load', dir, 'convbn', stateFile, path.join(dir, 'x.json')])).output;
    expect(largest(toJson(ours), theirs)).toBeLessThan(1e-5);
    // running statistics trained too (batch norm's buffers)
    const mean = model.namedBuffers().find(([n]) => n === '1.running_mean')![1];
    expect(Math.max(...(mean.toArray() as number[]).map(Math.abs))).toBeGreaterThan(0);
  });

  test('to(float64) and back, and getParameters() views', () => {
    const model = jit.load(path.join(dir, 'mlp.pt'));
    model.evaluate();
    const x = tensor(read('mlp', 'in'));
    const before = (noGrad(() => model.forward(x)) as Tensor).toArray();
    model.double();
    const y64 = noGrad(() => model.forward(x.double())) as Tensor;
    expect(y64.dtype).toBe('float64');
    expect(largest(y64.toArray(), before)).toBeLessThan(1e-5);
    const [flat] = model.getParameters();
    flat.zero();
    expect(new Set(((noGrad(() => model.forward(x.double())) as Tensor).toArray() as number[][]).flat()).size).toBe(1); // all logits equal: log(1/3)
  });

  test('bad files are TorchErrors that say why', () => {
    const notZip = path.join(dir, 'not.pt');
    fs.writeFileSync(notZip, 'hello');
    expect(() => jit.load(notZip)).toThrow(/jit.load: '.*not.pt' is not a TorchScript file/);
    expect(() => jit.load(path.join(dir, 'missing.pt'))).toThrow(/jit.load: no file/);
    // a state dict is a zip too, but holds no TorchScript code
    const state = path.join(dir, 'state.pt');
    nn.saveStateDict(new nn.Linear(2, 2), state);
    expect(() => jit.load(state)).toThrow(TorchError);
    expect(() => jit.load(state)).toThrow(/TorchScript file format version .* cannot be read by this LibTorch/);
    // a file from a PyTorch newer than this LibTorch: both versions named
    const newer = path.join(dir, 'newer.pt');
    runPython(py!.python, 'jit_check.py', ['bump', path.join(dir, 'mlp.pt'), newer]);
    expect(() => jit.load(newer)).toThrow(
      new RegExp(
        `'.*newer.pt' \\(TorchScript file format version 99\\) cannot be read by this LibTorch ${libtorchInfo().version.replace(/\./g, '\\.')}: .*version`,
      ),
    );
  });
});
