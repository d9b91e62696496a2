// Graphs of modules (nngraph's gModule: lib/nn/graph.ts, native/engine/nn_tables.cc), proven by PyTorch:
// each graph's output and input gradient equal those of the same graph in PyTorch
// (test/python/table_check.py, weights through the state dict, float64, ≤ 1e-10); and gradcheck,
// save/load, summary, the Trainer, and errors that name what is wrong with a graph.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, Trainer, manualSeed, nn, randn } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest, toJson } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });

/** x → Linear → (Tanh → Linear) + itself → Linear: a residual connection written as a graph. */
function residualGraph(): nn.gModule {
  const x = nn.Input();
  const h = new nn.Linear(4, 8).node(x);
  const y = new nn.CAddTable().node(new nn.Linear(8, 8).node(new nn.Tanh().node(h)), h);
  return new nn.gModule([x], [new nn.Linear(8, 2).node(y)]);
}

/** Two inputs, two outputs, a node with three parents and a diamond. */
function twoByTwo(): nn.gModule<nn.Value[], nn.Value[]> {
  const a = nn.Input();
  const b = nn.Input();
  const left = new nn.Linear(3, 5).node(a);
  const right = new nn.Linear(2, 5).node(b);
  const sum = new nn.CAddTable().node(left, right, new nn.Tanh().node(left));
  const joined = new nn.JoinTable(2).node(new nn.Sigmoid().node(sum), new nn.Tanh().node(sum));
  return new nn.gModule<nn.Value[], nn.Value[]>([a, b], [joined, new nn.Identity().node(sum)]);
}

const like = (v: nn.Value): nn.Value => (v instanceof Tensor ? x64(v.shape) : v.map(like));

const python = pythonWithTorch();
if (!python)
  console.warn('nn-graph: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('graphs: outputs and input gradients equal PyTorch (float64, ≤ 1e-10)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-graph-'));
  test.each([
    ['a residual connection', residualGraph, () => x64([3, 4])],
    ['two inputs and two outputs, a three-parent node and a diamond', twoByTwo, () => [x64([4, 3]), x64([4, 2])]],
  ] as [string, () => nn.AnyModule, () => nn.Value][])('%s', (_name, make, input) => {
    manualSeed(60);
    const model = make().double();
    const x = input();
    const y = model.forward(x);
    const gradOutput = like(y);
    const gradInput = model.backward(x, gradOutput);
    nn.saveStateDict(model as nn.Module, path.join(dir, 'state.pt'));
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(model.spec()));
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify({ input: toJson(x), gradOutput: toJson(gradOutput) }));
    const files = ['spec.json', 'state.pt', 'case.json', 'result.json'].map((f) => path.join(dir, f));
    runPython(python!, 'table_check.py', [...files]);
    const theirs = JSON.parse(fs.readFileSync(files[3], 'utf8'));
    expect(largest(toJson(y), theirs.output)).toBeLessThanOrEqual(1e-10);
    expect(largest(toJson(gradInput), theirs.gradInput)).toBeLessThanOrEqual(1e-10);
  });
});

describe('graphs: gradcheck, save/load, summary, training, errors', () => {
  test('gradcheck of a residual graph (input and every parameter)', () => {
    manualSeed(61);
    const r = nn.gradcheck(residualGraph().double(), x64([3, 4]));
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test('a graph saves and loads (structure and weights), prints its nodes, and names parameters by node', () => {
    manualSeed(62);
    const model = twoByTwo().double();
    const x = [x64([2, 3]), x64([2, 2])];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-graph-')), 'graph.net');
    nn.save(file, model);
    const loaded = nn.load<nn.gModule<nn.Value[], nn.Value[]>>(file);
    expect(toJson(loaded.forward(x))).toEqual(toJson(model.forward(x)));
    expect(loaded.toString()).toBe(model.toString());
    expect(model.toString().split('\n')[0]).toBe('nn.gModule(2 → 2) {');
    expect(model.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(residualGraph().summary([4]).toString()).toMatch(/nn\.gModule +\[N, 2\] +130\n {2}nn\.Linear\(4, 8\) +\[N, 8\] +40\n/);
  });

  test('the Trainer trains a graph natively', async () => {
    manualSeed(63);
    const x = nn.Input();
    const h = new nn.Tanh().node(new nn.Linear(2, 16).node(x));
    const out = new nn.LogSoftMax().node(
      new nn.Linear(16, 2).node(new nn.CAddTable().node(new nn.Tanh().node(new nn.Linear(16, 16).node(h)), h)),
    );
    const model = new nn.gModule([x], [out]).double();
    const inputs = x64([256, 2]);
    const targets = inputs.square().sum(1).gt(1).to('int64');
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 16,
      optimizer: { method: 'adam', config: { learningRate: 0.01 } },
    });
    const first = await trainer.trainEpoch({ inputs, targets });
    for (let k = 0; k < 15; k++) await trainer.trainEpoch({ inputs, targets });
    const last = await trainer.test({ inputs, targets });
    expect(last.loss).toBeLessThan(first.loss / 2);
    expect(last.accuracy).toBeGreaterThan(0.9);
  });

  test('what cannot make a graph is a TorchError naming it', () => {
    expect(() => new nn.gModule([nn.Input()], [new nn.Linear(2, 2).node(nn.Input())])).toThrow(
      /^gModule: the graph uses an nn.Input\(\) that is not among its inputs$/,
    );
    const shared = new nn.Linear(2, 2);
    const x = nn.Input();
    expect(() => new nn.gModule([x], [shared.node(shared.node(x))])).toThrow(
      /^gModule: Linear appears in two nodes of the graph; a module can be in one node only$/,
    );
    expect(() => new nn.Linear(2, 2).node()).toThrow(/^Linear.node\(...parents\) needs at least one parent node$/);
    expect(() => new nn.Linear(2, 2).node(3 as never)).toThrow(/^Expected graph nodes for Linear.node/);
    expect(() => new nn.gModule([], [])).toThrow(/^Expected a non-empty array of graph nodes/);
    expect(() => new nn.gModule([new nn.Tanh().node(x)], [x])).toThrow(/gModule inputs\[0\] is a Tanh node/);
    const two = twoByTwo().double();
    expect(() => two.forward(x64([2, 3]) as never)).toThrow(/gModule has 2 inputs: it takes a table of 2 values, not \[2, 3\]/);
    expect(() => two.forward([x64([2, 4]), x64([2, 2])])).toThrow(/module 1 \(Linear\)/);
  });
});
