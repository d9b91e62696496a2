// Torch7's own files: torch7.load reads what real Torch7 wrote (the files of ../shared/data/torch7,
// or TORCH7_DIR), torch7.save writes what an independent reader written from Torch7's File.lua
// (test/python/t7_reader.py) reads with the same classes and values, and what Torch7's own forward
// code (ported there from torch/nn and nngraph) computes with the same outputs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, data, manualSeed, models, nn, randn, tensor, torch7, zeros } from '../lib';
import type { Value } from '../lib/nn/Module';
import { largest, toJson } from './helpers/compare';
import { pythonWithTorch, runPython } from './helpers/python';
import { MNIST_DIR, TORCH7_DIR, withTool } from './helpers/common';

const DIR = TORCH7_DIR;
const file = (name: string) => path.join(DIR, name);
type AnyModule = nn.Module<Value, Value>;

describe('torch7.load reads the files real Torch7 wrote', () => {
  test('a DoubleTensor 2×3 and a FloatTensor', () => {
    const d = torch7.load(file('doubletensor.t7')) as Tensor;
    expect(d.dtype).toBe('float64');
    expect(d.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6.9],
    ]);
    const f = torch7.load(file('floattensor.t7')) as Tensor;
    expect(f.dtype).toBe('float32');
    expect(f.sum().item()).toBeCloseTo(12.97241666913, 5);
  });

  test('tables: an object, a list, maps with number and mixed keys', () => {
    expect(torch7.load(file('hello=123.t7'))).toEqual({ hello: 123 });
    expect(torch7.load(file('list_table.t7'))).toEqual(['hello', 'world', 'third item', 123]);
    // keys 0..4 are not a Lua sequence (1..n): a Map keeps them
    expect(torch7.load(file('map_table1.t7'))).toEqual(
      new Map<unknown, unknown>([
        [0, 'zero'],
        [1, 'hello'],
        [2, 'world'],
        [3, 'third item'],
        [4, 123],
      ]),
    );
    const mixed = torch7.load(file('map_table2.t7')) as Map<unknown, unknown>;
    expect(mixed.get('a')).toBe('non number key');
    expect([1, 2, 3, 4].map((k) => mixed.get(k))).toEqual(['hello', 'world', 'third item', 123]);
  });

  test('recursive references stay references: an object holding itself, a table keyed by itself', () => {
    const a = torch7.load(file('recursive_class.t7')) as torch7.Torch7Object;
    expect(a).toBeInstanceOf(torch7.Torch7Object);
    expect(a.className).toBe('A');
    expect((a.fields as { a: unknown }).a).toBe(a);
    const t = torch7.load(file('recursive_kv_table.t7')) as Map<unknown, unknown>;
    expect(t.size).toBe(1);
    expect(t.get(t)).toBe(t);
  });

  test('a user class and nngraph.Node come as Torch7Objects with their class names and fields', () => {
    const blah = torch7.load(file('custom_class.t7')) as torch7.Torch7Object;
    expect(blah.className).toBe('Blah');
    const node = torch7.load(file('nngraph_node.t7')) as torch7.Torch7Object;
    expect(node.className).toBe('nngraph.Node');
    expect((node.fields as { data: { annotations: { hello: number } } }).data.annotations.hello).toBe(123);
  });

  test('Lua functions are reported by name (Torch7Function, with their bytecode and upvalues), never dropped', () => {
    const f = torch7.load(file('function.t7')) as torch7.Torch7Function;
    expect(f).toBeInstanceOf(torch7.Torch7Function);
    expect(f.path).toBe('value');
    expect(Buffer.from(f.bytecode.subarray(0, 3)).toString('latin1')).toBe('\x1bLJ'); // LuaJIT bytecode
    const g = torch7.load(file('function_upvals.t7')) as torch7.Torch7Function;
    expect(g.upvalues).toEqual([{ name: 'asdf', value: 123 }]);
  });

  test('tds.Vec and tds.Hash come as an array and a Map', () => {
    expect(torch7.load(file('tds_vec.t7'))).toEqual([123, 456]);
    expect(torch7.load(file('tds_hash.t7'))).toEqual(
      new Map([
        [1, 2],
        [2, 3],
        [10, 11],
      ]),
    );
  });

  test("nngraph's gModule (two nn.Identity inputs, nn.Linear, nn.CAddTable) becomes an nn.gModule that computes linear(x1) + x2", () => {
    const g = torch7.load(file('gmodule_with_linear_identity.t7')) as nn.gModule<Tensor, Tensor[]>;
    expect(g).toBeInstanceOf(nn.gModule);
    expect(g.modules.map((m) => m.type)).toEqual(['Linear', 'CAddTable']);
    const linear = g.modules[0];
    expect(linear.weight!.shape).toEqual([2, 1]);
    expect(g.dtype).toBe('float64');
    const x1 = tensor([[1], [-2]], { dtype: 'float64' });
    const x2 = tensor(
      [
        [2, 3],
        [4, 5],
      ],
      { dtype: 'float64' },
    );
    const [w, b] = [linear.weight!.toArray() as number[][], linear.bias!.toArray() as number[]];
    const expected = [
      [1 * w[0][0] + b[0] + 2, 1 * w[1][0] + b[1] + 3],
      [-2 * w[0][0] + b[0] + 4, -2 * w[1][0] + b[1] + 5],
    ];
    largestBelow(g.forward([x1, x2]).toArray(), expected, 1e-15);
    // the raw objects, for who wants them
    const raw = torch7.load(file('gmodule_with_linear_identity.t7'), { modules: false }) as torch7.Torch7Object;
    expect(raw.className).toBe('nn.gModule');
    expect((raw.fields as { modules: torch7.Torch7Object[] }).modules.map((m) => m.className)).toEqual([
      'nn.Identity',
      'nn.Identity',
      'nn.Linear',
      'nn.CAddTable',
    ]);
  });
});

function largestBelow(a: unknown, b: unknown, bound: number) {
  expect(largest(a, b)).toBeLessThanOrEqual(bound);
}

/** One instance of every module nodetorch has, with arguments away from the defaults, and an input. */
function everyModule(): [string, () => AnyModule, () => Value][] {
  const img = (c = 3, h = 8, w = 8) => randn([2, c, h, w], { dtype: 'float64' });
  const vec = (n = 6) => randn([4, n], { dtype: 'float64' });
  return [
    ['Linear', () => new nn.Linear(6, 3), () => vec()],
    ['SpatialConvolution', () => new nn.SpatialConvolution(3, 4, 3, 2, 2, 1, 1, 0), () => img()],
    ['SpatialConvolutionMM', () => new nn.SpatialConvolutionMM(3, 4, 3, 3, 1, 1, 1, 1), () => img()],
    ['SpatialFullConvolution', () => new nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 0), () => img()],
    ['SpatialDilatedConvolution', () => new nn.SpatialDilatedConvolution(3, 2, 3, 3, 1, 1, 2, 2, 2, 2), () => img()],
    ['TemporalConvolution', () => new nn.TemporalConvolution(5, 3, 3, 2), () => randn([2, 9, 5], { dtype: 'float64' })],
    [
      'LookupTable',
      () => new nn.LookupTable(10, 4, { paddingIndex: 2 }),
      () =>
        tensor(
          [
            [1, 2],
            [9, 0],
          ],
          { dtype: 'int64' },
        ),
    ],
    ['BatchNormalization', () => trained(new nn.BatchNormalization(6, 1e-3, 0.2), vec()), () => vec()],
    ['SpatialBatchNormalization', () => trained(new nn.SpatialBatchNormalization(3, 1e-4, 0.3, false), img()), () => img()],
    ['PReLU', () => new nn.PReLU(3), () => img()],
    ['LayerNorm', () => new nn.LayerNorm([8, 8], 1e-4), () => img()],
    ['LSTM', () => new nn.LSTM(4, 3, { numLayers: 2, bidirectional: true }), () => randn([5, 2, 4], { dtype: 'float64' })],
    ['GRU', () => new nn.GRU(4, 3, { batchFirst: true }), () => randn([2, 5, 4], { dtype: 'float64' })],
    ['Tanh', () => new nn.Tanh(), () => vec()],
    ['Sigmoid', () => new nn.Sigmoid(), () => vec()],
    ['LogSoftMax', () => new nn.LogSoftMax(), () => vec()],
    ['SoftMax', () => new nn.SoftMax({ beta: -2 }), () => vec()],
    ['ReLU', () => new nn.ReLU(), () => vec()],
    ['Identity', () => new nn.Identity(), () => vec()],
    ['Abs', () => new nn.Abs(), () => vec()],
    ['Square', () => new nn.Square(), () => vec()],
    ['GELU', () => new nn.GELU(), () => vec()],
    ['ELU', () => new nn.ELU(0.7), () => vec()],
    ['LeakyReLU', () => new nn.LeakyReLU(0.2), () => vec()],
    ['SoftPlus', () => new nn.SoftPlus(2, 15), () => vec()],
    ['HardTanh', () => new nn.HardTanh(-0.5, 0.7), () => vec()],
    ['Sqrt', () => new nn.Sqrt(0.1), () => vec().abs()],
    ['Power', () => new nn.Power(3), () => vec()],
    ['MulConstant', () => new nn.MulConstant(-1.5), () => vec()],
    ['AddConstant', () => new nn.AddConstant(2.5), () => vec()],
    ['Dropout', () => new nn.Dropout(0.3), () => vec()],
    ['SpatialDropout', () => new nn.SpatialDropout(0.2), () => img()],
    ['View', () => new nn.View(3, 64), () => img()],
    ['Reshape', () => new nn.Reshape(192), () => img()],
    ["Reshape (-1: written as Torch7's View)", () => new nn.Reshape(-1, 64), () => img()],
    ['SpatialMaxPooling', () => new nn.SpatialMaxPooling(3, 2, 2, 1), () => img()],
    ['SpatialAveragePooling', () => new nn.SpatialAveragePooling(2, 3, 1, 2), () => img()],
    ['SpatialLPPooling', () => new nn.SpatialLPPooling(3, 2, 2, 2, 2, 2), () => img()],
    ['SpatialZeroPadding', () => new nn.SpatialZeroPadding(1, 2, -1, 0), () => img()],
    ['SpatialSubtractiveNormalization (1-D kernel)', () => new nn.SpatialSubtractiveNormalization(3, [1, 2, 3, 2, 1]), () => img()],
    [
      'SpatialSubtractiveNormalization (2-D kernel)',
      () =>
        new nn.SpatialSubtractiveNormalization(3, [
          [1, 2, 1],
          [2, 4, 2],
          [1, 2, 1],
        ]),
      () => img(),
    ],
    ['SpatialUpSamplingNearest', () => new nn.SpatialUpSamplingNearest(2), () => img()],
    ['SpatialUpSamplingBilinear', () => new nn.SpatialUpSamplingBilinear({ oheight: 11, owidth: 5 }), () => img()],
    ['SpatialAdaptiveMaxPooling', () => new nn.SpatialAdaptiveMaxPooling(3, 2), () => img()],
    ['SpatialAdaptiveAveragePooling', () => new nn.SpatialAdaptiveAveragePooling(2, 3), () => img()],
    ['Mean', () => new nn.Mean(1, 1), () => vec()],
    ['Sum', () => new nn.Sum(1, 1, true), () => vec()],
    ['Max', () => new nn.Max(2), () => vec()],
    ['Normalize', () => new nn.Normalize(3, 1e-6), () => vec()],
    ['Transpose', () => new nn.Transpose([2, 3], [1, 4]), () => img()],
    ['CAddTable', () => new nn.CAddTable(), () => [vec(), vec()]],
    ['CMulTable', () => new nn.CMulTable(), () => [vec(), vec()]],
    ['JoinTable', () => new nn.JoinTable(1, 1), () => [vec(), vec()]],
    ['SplitTable', () => new nn.SplitTable(2), () => vec()],
    ['SelectTable', () => new nn.SelectTable(-1), () => [vec(), vec(3)]],
    ['Narrow', () => new nn.Narrow(2, 2, 3), () => vec()],
    ['Sequential', () => new nn.Sequential(new nn.Linear(6, 5), new nn.Tanh(), new nn.Linear(5, 2)), () => vec()],
    ['ConcatTable', () => new nn.ConcatTable(new nn.Linear(6, 2), new nn.Identity()), () => vec()],
    ['ParallelTable', () => new nn.ParallelTable(new nn.Linear(6, 2), new nn.Tanh()), () => [vec(), vec()]],
    ['Concat', () => new nn.Concat(2, new nn.Linear(6, 2), new nn.Linear(6, 3)), () => vec()],
    ['gModule', residualGraph, () => [vec(), vec(5)]],
  ];
}

function trained<M extends AnyModule>(m: M, input: Tensor): M {
  m.forward(input); // moves the running statistics away from 0 and 1
  return m;
}

/** Two inputs, a shared layer, a residual sum and two outputs. */
function residualGraph(): AnyModule {
  const [a, b] = [nn.Input(), nn.Input()];
  const h = new nn.Linear(6, 5).node(a);
  const sum = new nn.CAddTable().node(new nn.Tanh().node(h), b);
  const out = new nn.Linear(5, 2).node(sum);
  return new nn.gModule([a, b], [out, sum]) as unknown as AnyModule;
}

describe('every nodetorch module goes through torch7.save and torch7.load unchanged', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-t7-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const registered = Object.entries(nn)
    .filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module && !/Criterion|Container/.test(v.name))
    .map(([n]) => n);
  test('the list below covers every module class nn exports', () => {
    const covered = new Set(everyModule().map(([n]) => n.split(' ')[0]));
    expect(registered.filter((n) => !covered.has(n))).toEqual([]);
  });

  for (const [name, make, input] of everyModule()) {
    test(name, () => {
      manualSeed(5);
      const m = make();
      m.evaluate();
      const f = path.join(dir, `${name.replace(/\W+/g, '_')}.t7`);
      torch7.save(f, m);
      const back = torch7.load(f) as AnyModule;
      expect(back.spec()).toEqual(m.spec());
      expect(back.dtype).toBe(m.dtype);
      expect(back.train).toBe(false);
      const [s0, s1] = [m.namedState(), back.namedState()];
      expect(s1.map(([n]) => n)).toEqual(s0.map(([n]) => n));
      s0.forEach(([, t], i) => expect(s1[i][1].toArray()).toEqual(t.toArray()));
      const x = input();
      expect(toJson(back.forward(x))).toEqual(toJson(m.forward(x)));
    });
  }

  test('values: tensors of every dtype, nested tables, Maps, shared and recursive references, functions, class objects', () => {
    const shared = tensor([1.5, -2], { dtype: 'float64' });
    const value: Record<string, unknown> = {
      f32: tensor([
        [1, 2],
        [3, 4],
      ]),
      i64: tensor([5, -6], { dtype: 'int64' }),
      i32: tensor([7], { dtype: 'int32' }),
      u8: tensor([255, 0], { dtype: 'uint8' }),
      empty: tensor([], { dtype: 'float64' }),
      list: [1, 'two', true, [3]],
      map: new Map<unknown, unknown>([
        [1.5, 'x'],
        [true, 'y'],
      ]),
      twice: [shared, shared],
      object: new torch7.Torch7Object('my.Class', { n: 1 }),
      fn: torch7.load(file('function_upvals.t7')),
    };
    value.self = value;
    const f = path.join(dir, 'values.t7');
    torch7.save(f, value);
    const back = torch7.load(f) as Record<string, unknown>;
    expect(back.self).toBe(back);
    expect((back.f32 as Tensor).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect((back.i64 as Tensor).dtype).toBe('int64');
    expect((back.i64 as Tensor).toArray()).toEqual([5, -6]);
    expect((back.i32 as Tensor).dtype).toBe('int32');
    expect((back.u8 as Tensor).toArray()).toEqual([255, 0]);
    expect((back.empty as Tensor).shape).toEqual([0]);
    expect(back.list).toEqual([1, 'two', true, [3]]);
    expect(back.map).toEqual(
      new Map<unknown, unknown>([
        [1.5, 'x'],
        [true, 'y'],
      ]),
    );
    const [t1, t2] = back.twice as Tensor[];
    expect(t1).toBe(t2);
    expect((back.object as torch7.Torch7Object).className).toBe('my.Class');
    expect((back.fn as torch7.Torch7Function).upvalues).toEqual([{ name: 'asdf', value: 123 }]);
    expect(Buffer.from((back.fn as torch7.Torch7Function).bytecode)).toEqual(Buffer.from((value.fn as torch7.Torch7Function).bytecode));
  });
});

const python = pythonWithTorch();
if (!python)
  console.warn(
    'torch7-files: the independent reader checks SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one',
  );
const describeWithPython = withTool('Python with torch', python).describe;

describeWithPython('an independent reader written from Torch7’s File.lua reads what torch7.save writes', () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-t7py-'))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  interface Described {
    class?: string;
    fields?: { table: Record<string, Described> };
    tensor?: string;
    size?: number[];
    data?: number[];
    table?: unknown;
    ref?: number;
  }

  test("the study's convnet: Torch7's classes, fields and weights, and Torch7's forward gives nodetorch's output", () => {
    manualSeed(3);
    const model = models.mnistModel('convnet').double();
    model.evaluate();
    const f = path.join(dir, 'model.net');
    torch7.save(f, model);
    const d = JSON.parse(runPython(python!, 't7_reader.py', ['describe', f])) as Described;
    expect(d.class).toBe('nn.Sequential');
    const modules = (d.fields!.table.modules.table as [number, Described][]).map(([, m]) => m);
    // Reshape(-1, 1600) is written as the nn.View(-1, 1600) that computes it in Torch7
    expect(modules.map((m) => m.class)).toEqual(
      model.modules.map((m) => (m.type === 'Reshape' && (m.args as number[]).includes(-1) ? 'nn.View' : `nn.${m.type}`)),
    );
    model.modules.forEach((m, i) => {
      const fields = modules[i].fields!.table;
      for (const [name, t] of m.namedParameters()) {
        expect(fields[name].tensor).toBe('torch.DoubleTensor');
        expect(fields[name].data).toEqual((t.data() as Float64Array).length ? Array.from(t.data() as Float64Array) : []);
        const grad = fields[`grad${name[0].toUpperCase()}${name.slice(1)}`];
        expect(grad.size).toEqual(fields[name].size);
      }
    });
    // Torch7 keeps SpatialConvolutionMM's weight as a matrix, nOutputPlane × (nInputPlane·kH·kW)
    expect(modules[0].fields!.table.weight.size).toEqual([64, 25]);
    const lp = modules.find((m) => m.class === 'nn.SpatialLPPooling')!;
    expect((lp.fields!.table.modules.table as [number, Described][]).map(([, m]) => m.class)).toEqual([
      'nn.Square',
      'nn.SpatialAveragePooling',
      'nn.MulConstant',
      'nn.Sqrt',
    ]);
    const ssn = modules.find((m) => m.class === 'nn.SpatialSubtractiveNormalization')!;
    expect(Object.keys(ssn.fields!.table)).toEqual(
      expect.arrayContaining(['nInputPlane', 'kernel', 'meanestimator', 'subtractor', 'divider', 'coef']),
    );
    sameForward(model, f, [randn([3, 1, 32, 32], { dtype: 'float64' })]);
  });

  test('a model of many layers, float32', () => {
    manualSeed(4);
    const model = new nn.Sequential(
      new nn.SpatialConvolution(3, 6, 3, 3, 1, 1, 1, 1),
      new nn.SpatialBatchNormalization(6),
      new nn.ReLU(),
      new nn.SpatialMaxPooling(2, 2),
      new nn.SpatialDilatedConvolution(6, 4, 3, 3, 1, 1, 2, 2, 2, 2),
      new nn.ELU(0.5),
      new nn.SpatialFullConvolution(4, 3, 2, 2, 2, 2),
      new nn.SpatialZeroPadding(1, 1, 0, 0),
      new nn.SpatialSubtractiveNormalization(3, [1, 2, 1]),
      new nn.SpatialAveragePooling(2, 2, 2, 2),
      new nn.SpatialAdaptiveMaxPooling(2, 2),
      new nn.View(12),
      new nn.Linear(12, 8),
      new nn.BatchNormalization(8),
      new nn.PReLU(),
      new nn.Dropout(0.4),
      new nn.Linear(8, 5),
      new nn.HardTanh(-2, 2),
      new nn.MulConstant(0.5),
      new nn.AddConstant(0.1),
      new nn.LogSoftMax(),
    ).float();
    model.forward(randn([4, 3, 8, 8]));
    model.evaluate();
    const f = path.join(dir, 'many.t7');
    torch7.save(f, model);
    sameForward(model as AnyModule, f, [randn([4, 3, 8, 8])], 1e-5);
  });

  test('tables and an nngraph gModule (two inputs, two outputs), as nngraph runs it', () => {
    manualSeed(6);
    const g = residualGraph();
    g.evaluate();
    const f = path.join(dir, 'graph.t7');
    torch7.save(f, g);
    const d = JSON.parse(runPython(python!, 't7_reader.py', ['describe', f])) as Described;
    expect(d.class).toBe('nn.gModule');
    expect(Object.keys(d.fields!.table)).toEqual(
      expect.arrayContaining(['forwardnodes', 'backwardnodes', 'fg', 'bg', 'innode', 'outnode', 'nInputs', 'modules']),
    );
    sameForward(g, f, [randn([3, 6], { dtype: 'float64' }), randn([3, 5], { dtype: 'float64' })]);
    const t = new nn.Sequential(
      new nn.ConcatTable(new nn.Linear(4, 3), new nn.Narrow(2, 2, 3)),
      new nn.ParallelTable(new nn.Tanh(), new nn.Square()),
      new nn.JoinTable(2),
    );
    t.evaluate();
    torch7.save(f, t);
    sameForward(t as AnyModule, f, [randn([2, 4], { dtype: 'float64' })]);
  });

  function sameForward(model: AnyModule, f: string, inputs: Tensor[], bound = 1e-12) {
    const input = path.join(dir, 'input.json');
    fs.writeFileSync(input, JSON.stringify({ dtype: inputs[0].dtype, inputs: inputs.map((x) => x.toArray()) }));
    const torch7Output = JSON.parse(runPython(python!, 't7_reader.py', ['forward', f, input])).output;
    const ours = model.forward((inputs.length === 1 ? inputs[0] : inputs) as never) as Value;
    const flatOurs = toJson(ours);
    largestBelow(
      flatOurs,
      Array.isArray(torch7Output[0]) || typeof torch7Output[0] === 'number'
        ? ours instanceof Tensor
          ? torch7Output
          : { table: torch7Output }
        : torch7Output,
      bound,
    );
  }

  test("data.torch7Mnist reads Torch7's mnist.t7 (ASCII, as the study loaded it) into the same training data as the IDX files", async () => {
    const t7dir = path.join(dir, 'mnist.t7');
    fs.mkdirSync(t7dir);
    runPython(python!, 't7_reader.py', ['mnist', MNIST_DIR, t7dir, 'ascii']);
    const fromT7 = await data.torch7Mnist(t7dir, { size: 'small' });
    const fromIdx = await data.mnist({ dir: MNIST_DIR, size: 'small' });
    expect([fromT7.mean, fromT7.std]).toEqual([fromIdx.mean, fromIdx.std]);
    for (const split of ['train', 'test'] as const) {
      expect(fromT7[split].inputs.shape).toEqual(fromIdx[split].inputs.shape);
      expect(fromT7[split].inputs.equal(fromIdx[split].inputs)).toBe(true);
      expect(fromT7[split].targets.equal(fromIdx[split].targets)).toBe(true); // Torch7's 1..10 as 0..9
    }
    // a label outside 1..10 is named
    const bad = path.join(dir, 'bad.t7');
    fs.mkdirSync(bad);
    torch7.save(path.join(bad, 'train_32x32.t7'), {
      data: zeros([2, 1, 32, 32], { dtype: 'uint8' }),
      labels: tensor([1, 11], { dtype: 'uint8' }),
    });
    torch7.save(path.join(bad, 'test_32x32.t7'), {
      data: zeros([1, 1, 32, 32], { dtype: 'uint8' }),
      labels: tensor([3], { dtype: 'uint8' }),
    });
    await expect(data.torch7Mnist(bad)).rejects.toThrow(/train_32x32.t7' has label 2 = 11; expected 1..10/);
    await expect(data.torch7Mnist(dir)).rejects.toThrow(/no '.*train_32x32.t7' or '.*test_32x32.t7'; expected Torch7's mnist.t7 folder/);
  });

  test('the ASCII format and 4-byte longs (files written on Windows) read the same', () => {
    for (const name of ['doubletensor', 'floattensor', 'gmodule_with_linear_identity', 'map_table2', 'recursive_kv_table']) {
      const binary = torch7.load(file(`${name}.t7`));
      for (const mode of ['ascii', 'long4']) {
        const out = path.join(dir, `${name}.${mode}.t7`);
        runPython(python!, 't7_reader.py', [mode, file(`${name}.t7`), out]);
        const again = torch7.load(out);
        if (binary instanceof Tensor) expect((again as Tensor).toArray()).toEqual(binary.toArray());
        else if (binary instanceof nn.Module)
          expect((again as AnyModule).namedState().map(([, t]) => t.toArray())).toEqual(binary.namedState().map(([, t]) => t.toArray()));
        else if (name === 'recursive_kv_table') expect((again as Map<unknown, unknown>).get(again)).toBe(again);
        else expect(again).toEqual(binary);
      }
    }
  });
});

describe('damaged Torch7 files are TorchErrors naming the file and the byte, never a crash or a huge allocation', () => {
  let dir: string;
  let good: Buffer;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-t7bad-'));
    good = fs.readFileSync(file('gmodule_with_linear_identity.t7'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, bytes);
    return f;
  };
  const int = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  };
  const long = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v);
    return b;
  };
  const str = (s: string) => Buffer.concat([int(s.length), Buffer.from(s)]);

  test('a view with strides and an offset (a transposed narrow of a larger storage) reads as Torch7 indexes it', () => {
    const storage = Buffer.concat([
      int(4),
      int(2),
      str('V 1'),
      str('torch.DoubleStorage'),
      long(8n),
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((v) => {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(v);
        return b;
      }),
    ]);
    // sizes [2, 3], strides [1, 2], 1-based offset 2: element (i, j) is storage[1 + i + 2j]
    const view = Buffer.concat([
      int(4),
      int(1),
      str('V 1'),
      str('torch.DoubleTensor'),
      int(2),
      long(2n),
      long(3n),
      long(1n),
      long(2n),
      long(2n),
      storage,
    ]);
    expect((torch7.load(write('view.t7', view)) as Tensor).toArray()).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
  });

  test('every truncation of a real file', () => {
    for (let n = 0; n < good.length; n += 97) {
      const f = write('cut.t7', good.subarray(0, n));
      expect(() => torch7.load(f)).toThrow(n === 0 ? /is empty/ : /is not a valid Torch7 file: .* at byte \d+/);
    }
  });

  test('500 single-byte damages of a real model file: each loads or is a TorchError, nothing else', () => {
    let seed = 17;
    const next = () => (seed = (seed * 16807) % 2147483647);
    let refused = 0;
    for (let k = 0; k < 500; k++) {
      const bytes = Buffer.from(good);
      bytes[next() % bytes.length] = next() % 256;
      const f = write('damaged.t7', bytes);
      try {
        torch7.load(f);
      } catch (e) {
        expect(e).toBeInstanceOf(TorchError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(50);
  });

  test('a wrong type tag, a nil table key, trailing bytes, a boolean of 7', () => {
    expect(() => torch7.load(write('tag.t7', int(42)))).toThrow(/unknown type tag 42 \(expected 0 to 8\) at byte 0/);
    expect(() => torch7.load(write('nilkey.t7', Buffer.concat([int(3), int(1), int(1), int(0), int(0)])))).toThrow(
      /a table key is nil at byte 12/,
    );
    expect(() => torch7.load(write('trail.t7', Buffer.concat([int(0), int(9)])))).toThrow(/4 bytes follow the object/);
    expect(() => torch7.load(write('bool.t7', Buffer.concat([int(5), int(7)])))).toThrow(/a boolean is 7 \(expected 0 or 1\) at byte 0/);
  });

  test('absurd sizes (a 4 GB storage, a 2^31 table, a 2^62 tensor size) are refused before allocating', () => {
    const storage = (n: bigint) => Buffer.concat([int(4), int(1), str('V 1'), str('torch.FloatStorage'), long(n)]);
    expect(() => torch7.load(write('big.t7', storage(4n << 30n)))).toThrow(
      /the size of a storage is 4294967296, more than the 0 bytes left can hold at byte 37/,
    );
    expect(() => torch7.load(write('neg.t7', storage(-1n)))).toThrow(/the size of a storage is -1 at byte 37/);
    expect(() => torch7.load(write('table.t7', Buffer.concat([int(3), int(1), int(0x7fffffff)])))).toThrow(
      /the size of a table is 2147483647, more than/,
    );
    const t = Buffer.concat([int(4), int(1), str('V 1'), str('torch.FloatTensor'), int(1), long(1n << 62n), long(1n), long(1n), int(0)]);
    expect(() => torch7.load(write('tsize.t7', t))).toThrow(/reaches element|beyond any file/);
    const view = Buffer.concat([
      int(4),
      int(1),
      str('V 1'),
      str('torch.FloatTensor'),
      int(1),
      long(5n),
      long(1n),
      long(1n),
      storage(2n).subarray(0),
      Buffer.alloc(8),
    ]);
    expect(() => torch7.load(write('view.t7', view))).toThrow(
      /a tensor of sizes \[5\], strides \[1\] and offset 0 reaches element 4 of a storage of 2/,
    );
  });

  test('objects nested without end (a chain deeper than any model) are refused, not a stack overflow', () => {
    const depth = 100000;
    const chain = Buffer.concat(
      Array.from({ length: depth }, (_, i) => Buffer.concat([int(3), int(i + 1), int(1), int(1), Buffer.alloc(8)])),
    );
    expect(() => torch7.load(write('deep.t7', chain))).toThrow(/objects nest more than 2000 deep at byte \d+/);
  });

  test('unknown tds objects and modules nodetorch lacks are named', () => {
    const tds = Buffer.concat([int(4), int(1), str('V 0'), str('tds.AtomicCounter'), long(0n)]);
    expect(() => torch7.load(write('tds.t7', tds))).toThrow(/a tds.AtomicCounter .* which nodetorch cannot read at byte 8/);
    const key1 = Buffer.concat([
      int(1),
      (() => {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(1);
        return b;
      })(),
    ]);
    const net = Buffer.concat([
      int(4),
      int(1),
      str('V 1'),
      str('nn.Sequential'),
      int(3),
      int(2),
      int(1),
      int(2),
      str('modules'),
      int(3),
      int(3),
      int(1),
      key1,
      int(4),
      int(4),
      str('V 1'),
      str('nn.Bilinear'),
      int(3),
      int(5),
      int(0),
    ]);
    expect(() => torch7.load(write('net.t7', net))).toThrow(
      /value \(nn.Sequential\) holds a nn.Bilinear at modules\[1\], not an nn module nodetorch has/,
    );
    expect((torch7.load(path.join(dir, 'net.t7'), { modules: false }) as torch7.Torch7Object).className).toBe('nn.Sequential');
  });

  test("settings Torch7's code cannot run are refused when saving, not written as broken files", () => {
    const f = path.join(dir, 'refused.t7');
    expect(() => torch7.save(f, new nn.Transpose([-1, 2]))).toThrow(/torch7.save: nn.Transpose of negative dimensions/);
    expect(() => torch7.save(f, new nn.Concat(-1, new nn.Identity()))).toThrow(/torch7.save: nn.Concat along dimension -1/);
    expect(fs.existsSync(f)).toBe(false);
  });

  test('bad arguments', () => {
    expect(() => torch7.load(path.join(dir, 'missing.t7'))).toThrow(TorchError);
    expect(() => torch7.load(file('doubletensor.t7'), { longSize: 2 } as never)).toThrow(/longSize/);
    expect(() => torch7.load(file('doubletensor.t7'), { strict: true } as never)).toThrow(/Unknown option 'strict'/);
    expect(() => torch7.save(path.join(dir, 'f.t7'), { f: () => 1 })).toThrow(/value.f is a function, which Torch7's format cannot hold/);
    const t = tensor([1]);
    t.dispose();
    expect(() => torch7.save(path.join(dir, 'f.t7'), [t])).toThrow(/value\[1\] was disposed/);
    expect(fs.existsSync(path.join(dir, 'f.t7'))).toBe(false); // nothing half-written
  });
});
