// Generated bad calls at every public function: each argument of a valid call is replaced in turn
// by each bad value (wrong types, NaN/Inf, negative, fractional and huge numbers and sizes,
// disposed tensors, tensors of other dtypes and shapes). Every call must return or throw a
// TorchError: never a raw TypeError/RangeError, never a crash (a crash kills this test's process).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as t from '../lib';
import { nn, optim, Tensor, TorchError } from '../lib';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-fuzz-'));
const f64 = (values: number[]) => t.tensor(values, { dtype: 'float64' });

/** Bad values, made fresh for every call (a disposed tensor stays disposed). */
const BAD: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['-1', () => -1],
  ['0', () => 0],
  ['1.5', () => 1.5],
  ['2^53', () => 2 ** 53],
  ['-2^40', () => -(2 ** 40)],
  ['1e300', () => 1e300],
  ['a string', () => 'x'],
  ['an empty string', () => ''],
  ['true', () => true],
  ['a bigint', () => 10n],
  ['a symbol', () => Symbol('bad')],
  ['a function', () => () => 1],
  ['an object', () => ({})],
  [
    'an object with a bad valueOf',
    () => ({
      valueOf: () => {
        throw new Error('valueOf');
      },
    }),
  ],
  ['an empty array', () => []],
  ['a ragged array', () => [[1], [1, 2]]],
  ['an array of NaN', () => [NaN, NaN]],
  ['negative sizes', () => [-5, 2]],
  ['huge sizes', () => [2 ** 40, 2 ** 40]],
  ['fractional sizes', () => [2.5]],
  [
    'a disposed tensor',
    () => {
      const x = t.zeros([2]);
      x.dispose();
      return x;
    },
  ],
  ['a 0-d tensor', () => t.tensor(3)],
  ['an empty tensor', () => t.zeros([0])],
  ['an int64 tensor', () => t.tensor([1, 2], { dtype: 'int64' })],
  ['a bool tensor', () => t.tensor([1, 0], { dtype: 'bool' })],
  ['a NaN tensor', () => t.zeros([2], { dtype: 'float64' }).div(0)],
  ['a float32 matrix', () => t.randn([3, 4])],
  ['a float64 image batch', () => t.randn([2, 1, 8, 8], { dtype: 'float64' })],
  ['a Float32Array', () => new Float32Array([1, 2])],
  ['a module', () => new nn.Tanh()],
  ['an AbortSignal', () => new AbortController().signal],
];

interface Site {
  name: string;
  args: () => unknown[];
  call: (...args: unknown[]) => unknown;
  /** Argument positions that are file names: string values become paths inside a temporary folder. */
  files?: number[];
}

const linear = () => new nn.Linear(4, 3);
const classifier = () => new nn.Sequential().add(new nn.Linear(4, 3)).add(new nn.LogSoftMax());
const quadratic: optim.Feval = (x) => [x.mul(x).sum().item() as number, x.mul(2)];
const dataset = () => ({ inputs: t.randn([6, 4], { dtype: 'float64' }), targets: t.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int64' }) });
const trainer = () => new t.Trainer({ model: classifier(), criterion: new nn.ClassNLLCriterion(), classes: 3 });
const modelFile = path.join(dir, 'model.net');
nn.save(modelFile, classifier());
const stateDictFile = path.join(dir, 'model.pt');
nn.saveStateDict(classifier(), stateDictFile);
const checkpointFile = path.join(dir, 'checkpoint');
const torch7File = path.join(dir, 'model.t7');
t.torch7.save(torch7File, classifier());
trainer().saveCheckpoint(checkpointFile);

// a group of one process (created before the test), for the collectives
let group: t.distributed.ProcessGroup;
const groupPorts = [29700 + (process.pid % 200), 29900 + (process.pid % 200)];
beforeAll(async () => {
  group = await t.distributed.init({ rank: 0, worldSize: 1, masterPort: groupPorts[0] });
});
afterAll(() => group.destroy());

const SITES: Site[] = [
  // creation
  { name: 'tensor', args: () => [[1, 2], { dtype: 'float64' }], call: (v, o) => t.tensor(v as number[], o as never) },
  { name: 'zeros', args: () => [[2, 3], { dtype: 'float32' }], call: (s, o) => t.zeros(s as number[], o as never) },
  { name: 'ones', args: () => [[2], { device: 'cpu' }], call: (s, o) => t.ones(s as number[], o as never) },
  { name: 'full', args: () => [[2], 3, {}], call: (s, v, o) => t.full(s as number[], v as number, o as never) },
  { name: 'rand', args: () => [[2]], call: (s) => t.rand(s as number[]) },
  { name: 'fromShared', args: () => [t.tensor([1, 2]).share()], call: (d) => t.fromShared(d as never) },
  { name: 'randperm', args: () => [5, { dtype: 'int64' }], call: (n, o) => t.randperm(n as number, o as never) },
  { name: 'randn', args: () => [[2], { dtype: 'float64' }], call: (s, o) => t.randn(s as number[], o as never) },
  { name: 'arange', args: () => [0, 5, 1], call: (a, b, c) => t.arange(a as number, b as number, c as number) },
  { name: 'cat', args: () => [[t.ones([2]), t.ones([3])], 0], call: (l, d) => t.cat(l as Tensor[], d as number) },
  { name: 'manualSeed', args: () => [1], call: (s) => t.manualSeed(s as number) },
  { name: 'setNumThreads', args: () => [1], call: (n) => t.setNumThreads(n as number) },
  { name: 'tidy', args: () => [() => t.ones([1])], call: (fn) => t.tidy(fn as () => Tensor) },
  { name: 'keep', args: () => [t.ones([1])], call: (x) => t.keep(x as Tensor) },
  { name: 'noGrad', args: () => [() => 1], call: (fn) => t.noGrad(fn as () => number) },
  // tensor methods
  ...(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'lt', 'matmul'] as const).map((op) => ({
    name: `Tensor.${op}`,
    args: () => [t.ones([2, 2]), t.ones([2, 2])],
    call: (a: unknown, b: unknown) => (a as Tensor)[op](b as Tensor),
  })),
  ...(['sum', 'mean', 'max', 'argmax', 'std'] as const).map((op) => ({
    name: `Tensor.${op}`,
    args: () => [t.ones([2, 3]), 1, false],
    call: (a: unknown, d: unknown, k: unknown) => (a as Tensor)[op](d as number, k as boolean),
  })),
  { name: 'Tensor.view', args: () => [t.ones([2, 3]), [3, 2]], call: (a, s) => (a as Tensor).view(s as number[]) },
  { name: 'Tensor.reshape', args: () => [t.ones([2, 3]), 6], call: (a, s) => (a as Tensor).reshape(s as number) },
  { name: 'Tensor.transpose', args: () => [t.ones([2, 3]), 0, 1], call: (a, x, y) => (a as Tensor).transpose(x as number, y as number) },
  { name: 'Tensor.permute', args: () => [t.ones([2, 3]), 1, 0], call: (a, x, y) => (a as Tensor).permute(x as number, y as number) },
  { name: 'Tensor.squeeze', args: () => [t.ones([1, 3]), 0], call: (a, d) => (a as Tensor).squeeze(d as number) },
  { name: 'Tensor.unsqueeze', args: () => [t.ones([3]), 0], call: (a, d) => (a as Tensor).unsqueeze(d as number) },
  { name: 'Tensor.index', args: () => [t.ones([2, 3]), 1, [0, 2]], call: (a, i, j) => (a as Tensor).index(i as number, j as never) },
  {
    name: 'Tensor.indexSelect',
    args: () => [t.ones([4, 2]), 0, [1, 0]],
    call: (a, d, i) => (a as Tensor).indexSelect(d as number, i as number[]),
  },
  {
    name: 'Tensor.slice',
    args: () => [t.ones([4]), 0, 1, 3, 1],
    call: (a, d, s, e, st) => (a as Tensor).slice(d as number, s as number, e as number, st as number),
  },
  { name: 'Tensor.to', args: () => [t.ones([2]), 'float64'], call: (a, target) => (a as Tensor).to(target as never) },
  { name: 'Tensor.copy', args: () => [t.ones([2]), t.zeros([2])], call: (a, b) => (a as Tensor).copy(b as Tensor) },
  { name: 'Tensor.fill', args: () => [t.ones([2]), 2], call: (a, v) => (a as Tensor).fill(v as number) },
  { name: 'Tensor.item', args: () => [t.ones([1])], call: (a) => (a as Tensor).item() },
  { name: 'Tensor.toArray', args: () => [t.ones([2])], call: (a) => (a as Tensor).toArray() },
  {
    name: 'Tensor.backward',
    args: () => [t.ones([2], { requiresGrad: true } as never).sum(), undefined],
    call: (a, g) => (a as Tensor).backward(g as Tensor),
  },
  { name: 'Tensor.cuda', args: () => [t.ones([2]), 0], call: (a, i) => (a as Tensor).cuda(i as number) },
  // modules and criteria
  { name: 'nn.Linear', args: () => [4, 3], call: (a, b) => new nn.Linear(a as number, b as number) },
  {
    name: 'nn.SpatialConvolution',
    args: () => [1, 2, 3, 3, 1, 1, 0],
    call: (...a) => new nn.SpatialConvolution(...(a as [number, number, number, number])),
  },
  { name: 'nn.SpatialMaxPooling', args: () => [2, 2, 2, 2], call: (...a) => new nn.SpatialMaxPooling(...(a as [number, number])) },
  {
    name: 'nn.SpatialLPPooling',
    args: () => [1, 2, 2, 2],
    call: (...a) => new nn.SpatialLPPooling(...(a as [number, number, number, number])),
  },
  { name: 'nn.SpatialZeroPadding', args: () => [1, 1, 1, 1], call: (...a) => new nn.SpatialZeroPadding(...(a as [number])) },
  {
    name: 'nn.SpatialSubtractiveNormalization',
    args: () => [1, [1, 1, 1]],
    call: (n, k) => new nn.SpatialSubtractiveNormalization(n as number, k as number[]),
  },
  { name: 'nn.View', args: () => [2, 2], call: (...a) => new nn.View(...(a as number[])) },
  { name: 'nn.SoftMax', args: () => [{ beta: 1 }], call: (o) => new nn.SoftMax(o as never) },
  { name: 'nn.Dropout', args: () => [0.5], call: (p) => new nn.Dropout(p as number) },
  { name: 'nn.ELU', args: () => [0.5], call: (a) => new nn.ELU(a as number) },
  { name: 'nn.PReLU', args: () => [3], call: (n) => new nn.PReLU(n as number) },
  { name: 'nn.SoftPlus', args: () => [2, 10], call: (b, t) => new nn.SoftPlus(b as number, t as number) },
  { name: 'nn.HardTanh', args: () => [-2, 2], call: (a, b) => new nn.HardTanh(a as number, b as number) },
  { name: 'nn.Power', args: () => [2], call: (p) => new nn.Power(p as number) },
  { name: 'nn.Sqrt', args: () => [0.1], call: (b) => new nn.Sqrt(b as number) },
  {
    name: 'nn.BatchNormalization',
    args: () => [4, 1e-5, 0.1, true],
    call: (n, e, m, a) => new nn.BatchNormalization(n as number, e as number, m as number, a as boolean),
  },
  {
    name: 'nn.SpatialBatchNormalization',
    args: () => [4, 1e-5, 0.1, false],
    call: (n, e, m, a) => new nn.SpatialBatchNormalization(n as number, e as number, m as number, a as boolean),
  },
  { name: 'nn.Concat', args: () => [2, linear(), linear()], call: (d, a, b) => new nn.Concat(d as number, a as nn.Module, b as nn.Module) },
  { name: 'nn.ConcatTable', args: () => [linear(), linear()], call: (a, b) => new nn.ConcatTable(a as nn.Module, b as nn.Module) },
  { name: 'nn.JoinTable', args: () => [1, 1], call: (d, n) => new nn.JoinTable(d as number, n as number) },
  { name: 'nn.SplitTable', args: () => [1, 0], call: (d, n) => new nn.SplitTable(d as number, n as number) },
  { name: 'nn.SelectTable', args: () => [-1], call: (i) => new nn.SelectTable(i as number) },
  { name: 'nn.Narrow', args: () => [1, 1, 2], call: (d, o, l) => new nn.Narrow(d as number, o as number, l as number) },
  { name: 'CAddTable.forward', args: () => [f64([1, 2]), f64([3, 4])], call: (a, b) => new nn.CAddTable().forward([a, b] as Tensor[]) },
  {
    name: 'JoinTable.forward',
    args: () => [f64([1, 2]), [f64([3]), f64([4])]],
    call: (a, b) => new nn.JoinTable(1).forward([a, ...(Array.isArray(b) ? b : [b])] as Tensor[]),
  },
  {
    name: 'ParallelTable.forward',
    args: () => [f64([1, 2, 3, 4]), f64([1, 2, 3, 4])],
    call: (a, b) => new nn.ParallelTable(linear(), linear()).double().forward([a, b] as Tensor[]),
  },
  {
    name: 'BatchNormalization.forward',
    args: () => [t.randn([3, 4], { dtype: 'float64' })],
    call: (x) => new nn.BatchNormalization(4).double().forward(x as Tensor),
  },
  {
    name: 'nn.TemporalConvolution',
    args: () => [3, 4, 2, 1],
    call: (a, b, k, d) => new nn.TemporalConvolution(a as number, b as number, k as number, d as number),
  },
  {
    name: 'nn.LookupTable',
    args: () => [10, 3, { paddingIndex: 0 }],
    call: (n, m, o) => new nn.LookupTable(n as number, m as number, o as never),
  },
  {
    name: 'nn.SpatialUpSamplingBilinear',
    args: () => [{ oheight: 4, owidth: 4 }],
    call: (s) => new nn.SpatialUpSamplingBilinear(s as never),
  },
  { name: 'nn.LayerNorm', args: () => [[3, 4], 1e-5, true], call: (s, e, a) => new nn.LayerNorm(s as number[], e as number, a as boolean) },
  {
    name: 'nn.Transpose',
    args: () => [
      [1, 2],
      [2, 3],
    ],
    call: (a, b) => new nn.Transpose(a as [number, number], b as [number, number]),
  },
  {
    name: 'LookupTable.forward',
    args: () => [
      t.tensor(
        [
          [1, 2],
          [3, 0],
        ],
        { dtype: 'int64' },
      ),
    ],
    call: (x) => new nn.LookupTable(5, 2).forward(x as Tensor),
  },
  {
    name: 'nn.gModule',
    args: () => {
      const x = nn.Input();
      return [[x], [new nn.Tanh().node(x)]];
    },
    call: (i, o) => new nn.gModule(i as never, o as never),
  },
  {
    name: 'Module.node',
    args: () => [linear(), nn.Input(), nn.Input()],
    call: (m, a, b) => (m as nn.Module).node(a as nn.Node, b as nn.Node),
  },
  { name: 'Module.forward', args: () => [linear(), f64([1, 2, 3, 4])], call: (m, x) => (m as nn.Module).forward(x as Tensor) },
  {
    name: 'Module.backward',
    args: () => {
      const m = linear();
      const x = f64([1, 2, 3, 4]);
      m.forward(x);
      return [m, x, f64([1, 1, 1])];
    },
    call: (m, x, g) => (m as nn.Module).backward(x as Tensor, g as Tensor),
  },
  { name: 'Module.updateParameters', args: () => [linear(), 0.1], call: (m, lr) => (m as nn.Module).updateParameters(lr as number) },
  { name: 'Module.to', args: () => [linear(), 'float32'], call: (m, target) => (m as nn.Module).to(target as never) },
  { name: 'Sequential.add', args: () => [new nn.Sequential(), linear()], call: (s, m) => (s as nn.Sequential).add(m as nn.Module) },
  { name: 'Sequential.get', args: () => [classifier(), 1], call: (s, i) => (s as nn.Sequential).get(i as number) },
  { name: 'nn.MSECriterion', args: () => [true], call: (s) => new nn.MSECriterion(s as boolean) },
  { name: 'nn.BCECriterion', args: () => [true], call: (s) => new nn.BCECriterion(s as boolean) },
  {
    name: 'BCECriterion.forward',
    args: () => [t.rand([2, 3], { dtype: 'float64' }), t.rand([2, 3], { dtype: 'float64' })],
    call: (o, y) => new nn.BCECriterion().forward(o as Tensor, y as Tensor),
  },
  {
    name: 'SmoothL1Criterion.backward',
    args: () => [t.randn([2, 3], { dtype: 'float64' }), t.randn([2, 3], { dtype: 'float64' })],
    call: (o, y) => new nn.SmoothL1Criterion().backward(o as Tensor, y as Tensor),
  },
  { name: 'nn.MultiMarginCriterion', args: () => [{ p: 1, margin: 1 }], call: (o) => new nn.MultiMarginCriterion(o as never) },
  {
    name: 'Criterion.forward',
    args: () => [new nn.ClassNLLCriterion(), t.randn([2, 3], { dtype: 'float64' }), t.tensor([0, 2], { dtype: 'int64' })],
    call: (c, o, y) => (c as nn.Criterion).forward(o as Tensor, y as Tensor),
  },
  {
    name: 'Criterion.backward',
    args: () => [new nn.MSECriterion(), t.randn([2, 3], { dtype: 'float64' }), t.randn([2, 3], { dtype: 'float64' })],
    call: (c, o, y) => (c as nn.Criterion).backward(o as Tensor, y as Tensor),
  },
  {
    name: 'nn.gradcheck',
    args: () => [linear(), f64([1, 2, 3, 4]), { eps: 1e-6 }],
    call: (m, x, o) => nn.gradcheck(m as nn.Module, x as Tensor, o as never),
  },
  { name: 'nn.save', args: () => [modelFile, classifier()], call: (f, m) => nn.save(f as string, m as nn.Module), files: [0] },
  { name: 'nn.load', args: () => [modelFile], call: (f) => nn.load(f as string), files: [0] },
  {
    name: 'torch7.save',
    args: () => [torch7File, { model: classifier(), weights: t.ones([2]) }],
    call: (f, v) => t.torch7.save(f as string, v),
    files: [0],
  },
  {
    name: 'torch7.load',
    args: () => [torch7File, { longSize: 8, modules: true }],
    call: (f, o) => t.torch7.load(f as string, o as never),
    files: [0],
  },
  { name: 'data.torch7Mnist', args: () => [dir, { size: 'small' }], call: (d, o) => t.data.torch7Mnist(d as string, o as never) },
  {
    name: 'nn.saveStateDict',
    args: () => [classifier(), stateDictFile],
    call: (m, f) => nn.saveStateDict(m as nn.Module, f as string),
    files: [1],
  },
  {
    name: 'nn.loadStateDict',
    args: () => [classifier(), stateDictFile],
    call: (m, f) => nn.loadStateDict(m as nn.Module, f as string),
    files: [1],
  },
  {
    name: 'data.imageFolder',
    args: () => [dir, { size: [4, 4], channels: 3 }],
    call: (d, o) => t.data.imageFolder(d as string, o as never),
    files: [0],
  },
  { name: 'models.mnistModel', args: () => ['linear', {}], call: (k, o) => t.models.mnistModel(k as never, o as never) },
  // optimizers, in the closure form
  ...(['sgd', 'lbfgs', 'asgd', 'cg', 'adagrad', 'adadelta', 'adam', 'adamax', 'adamw', 'rmsprop', 'rprop', 'nag'] as const).map(
    (method) => ({
      name: `optim.${method}`,
      args: () => [quadratic, f64([1, -1]), {}, {}],
      call: (f: unknown, x: unknown, c: unknown, s: unknown) => (optim[method] as (...a: unknown[]) => unknown)(f, x, c, s),
    }),
  ),
  // augmentation, data, training
  { name: 'augment.rotate', args: () => [{ std: 0.2 }], call: (o) => t.augment.rotate(o as never) },
  { name: 'augment.noise', args: () => [{ std: 0.1 }], call: (o) => t.augment.noise(o as never) },
  {
    name: 'augment.rotateImages',
    args: () => [t.randn([2, 1, 8, 8]), [0.1, 0.2], 'nearest'],
    call: (x, a, m) => t.augment.rotateImages(x as Tensor, a as number[], m as never),
  },
  { name: 'data.readIdxLabels', args: () => [modelFile, 10], call: (f, n) => t.data.readIdxLabels(f as string, n as number), files: [0] },
  { name: 'ConfusionMatrix', args: () => [3], call: (n) => new t.ConfusionMatrix(n as number) },
  {
    name: 'ConfusionMatrix.add',
    args: () => [new t.ConfusionMatrix(3), 1, 2],
    call: (c, p, y) => (c as t.ConfusionMatrix).add(p as number, y as number),
  },
  { name: 'Logger', args: () => [path.join(dir, 'fuzz.log'), {}], call: (f, o) => new t.Logger(f as string, o as never), files: [0] },
  {
    name: 'Trainer',
    args: () => [classifier(), new nn.ClassNLLCriterion(), { method: 'sgd' }, 2, 3, true, 10],
    call: (model, criterion, optimizer, batchSize, classes, shuffle, testBatchSize) =>
      new t.Trainer({ model, criterion, optimizer, batchSize, classes, shuffle, testBatchSize } as never),
  },
  // distributed (a valid init hosts a store: the calls after it on that port find it in use)
  {
    name: 'distributed.init',
    args: () => [0, 1, groupPorts[1], 2000],
    call: (rank, worldSize, masterPort, timeoutMs) => t.distributed.init({ rank, worldSize, masterPort, timeoutMs } as never),
  },
  {
    name: 'ProcessGroup.allreduce',
    args: () => [group, f64([1, 2]), 'sum'],
    call: (g, x, op) => (g as t.distributed.ProcessGroup).allreduce(x as Tensor, op as never),
  },
  {
    name: 'ProcessGroup.broadcast',
    args: () => [group, f64([1, 2]), 0],
    call: (g, x, root) => (g as t.distributed.ProcessGroup).broadcast(x as Tensor, root as never),
  },
  {
    name: 'Trainer.trainEpoch',
    args: () => {
      const d = dataset();
      return [trainer(), d.inputs, d.targets, {}];
    },
    call: (tr, x, y, o) => (tr as t.Trainer).trainEpoch({ inputs: x, targets: y } as never, o as never),
  },
  {
    name: 'Trainer.test',
    args: () => {
      const d = dataset();
      return [trainer(), d.inputs, d.targets];
    },
    call: (tr, x, y) => (tr as t.Trainer).test({ inputs: x, targets: y } as never),
  },
  // epochs is left out: a huge epoch count is valid, and would train for ever
  {
    name: 'Trainer.fit',
    args: () => [trainer(), dataset(), undefined, undefined, undefined],
    call: (tr, d, save, signal, onEpoch) => (tr as t.Trainer).fit({ train: d, epochs: 1, save, signal, onEpoch } as never),
    files: [2],
  },
  {
    name: 'Trainer.setOptimizer',
    args: () => [trainer(), { method: 'lbfgs', config: { maxIter: 2 } }, { keepState: true }],
    call: (tr, s, o) => (tr as t.Trainer).setOptimizer(s as never, o as never),
  },
  {
    name: 'Trainer schedule',
    args: () => ['cosine', 10, 2, 0.1, 'step'],
    call: (kind, total, warmup, warmupFactor, per) =>
      new t.Trainer({
        model: classifier(),
        criterion: new nn.ClassNLLCriterion(),
        classes: 3,
        schedule: { kind, total, warmup, warmupFactor, per },
      } as never),
  },
  {
    name: 'Trainer plateau schedule',
    args: () => ['testLoss', 0.5, 2, 1e-3],
    call: (metric, factor, patience, threshold) =>
      new t.Trainer({
        model: classifier(),
        criterion: new nn.ClassNLLCriterion(),
        classes: 3,
        schedule: { kind: 'plateau', metric, factor, patience, threshold },
      } as never),
  },
  {
    name: 'Trainer multistep schedule',
    args: () => [[2, 5], 0.1, 'epoch'],
    call: (milestones, gamma, per) =>
      new t.Trainer({
        model: classifier(),
        criterion: new nn.ClassNLLCriterion(),
        classes: 3,
        schedule: { kind: 'multistep', milestones, gamma, per },
      } as never),
  },
  {
    name: 'Trainer regression',
    args: () => ['regression', t.randn([6, 4], { dtype: 'float64' }), t.randn([6, 3], { dtype: 'float64' })],
    call: (task, x, y) =>
      new t.Trainer({ model: linear(), criterion: new nn.MSECriterion(), task } as never).trainEpoch({ inputs: x, targets: y } as never),
  },
  { name: 'Trainer.stepSchedule', args: () => [trainer(), { testLoss: 1 }], call: (tr, m) => (tr as t.Trainer).stepSchedule(m as never) },
  {
    name: 'Trainer.saveCheckpoint',
    args: () => [trainer(), checkpointFile],
    call: (tr, f) => (tr as t.Trainer).saveCheckpoint(f as string),
    files: [1],
  },
  {
    name: 'Trainer.loadCheckpoint',
    args: () => [trainer(), checkpointFile],
    call: (tr, f) => (tr as t.Trainer).loadCheckpoint(f as string),
    files: [1],
  },
];

/** Runs one call; returns the unexpected error's description, or null when it returned or threw a TorchError. */
function attempt(site: Site, args: unknown[]): string | null {
  try {
    t.tidy(() => {
      site.call(...args);
    });
    return null;
  } catch (e) {
    return problemOf(e);
  }
}

async function attemptAsync(site: Site, args: unknown[]): Promise<string | null> {
  try {
    await site.call(...args);
    return null;
  } catch (e) {
    return problemOf(e);
  }
}

/** Why a bad call's error falls short: not a TorchError, or no code from the documented set (INTERNAL is a bug). */
function problemOf(e: unknown): string | null {
  if (!(e instanceof TorchError)) return `${(e as Error)?.name}: ${(e as Error)?.message}`;
  if (!(t.ERROR_CODES as readonly string[]).includes(e.code) || e.code === 'INTERNAL')
    return `a TorchError with code ${e.code}: ${e.message}`;
  return null;
}

const ASYNC = new Set([
  'data.torch7Mnist',
  'Trainer.trainEpoch',
  'Trainer.test',
  'Trainer.fit',
  'Trainer regression',
  'distributed.init',
  'ProcessGroup.allreduce',
  'ProcessGroup.broadcast',
]);

test(`generated bad calls at ${SITES.length} public functions: each returns or throws a TorchError`, async () => {
  const failures: string[] = [];
  let cases = 0;
  const threads = t.getNumThreads();
  for (const site of SITES) {
    // the valid call itself works
    expect(await (ASYNC.has(site.name) ? attemptAsync(site, site.args()) : attempt(site, site.args()))).toBeNull();
    const arity = site.args().length;
    // a method's receiver (position 0) is the object itself, not an argument
    const first = /^(Tensor|Module|Sequential|Criterion|ConfusionMatrix|Trainer|ProcessGroup)\./.test(site.name) ? 1 : 0;
    for (let position = first; position < arity; position++) {
      for (const [label, make] of BAD) {
        const args = site.args();
        let value = make();
        if (site.files?.includes(position) && typeof value === 'string') value = path.join(dir, `file-${value}`);
        args[position] = value;
        cases += 1;
        const problem = ASYNC.has(site.name) ? await attemptAsync(site, args) : attempt(site, args);
        if (problem) failures.push(`${site.name} with argument ${position + 1} = ${label}: ${problem}`);
      }
    }
  }
  t.setNumThreads(threads);
  console.log(`fuzz: ${cases} generated bad calls at ${SITES.length} public functions, ${failures.length} not a TorchError`);
  if (process.env.FUZZ_REPORT) fs.writeFileSync(process.env.FUZZ_REPORT, failures.join('\n'));
  expect(failures).toEqual([]);
  expect(cases).toBeGreaterThan(3000);
});

// Generated damaged inputs for the functions that read files, folders and streams: every load of a
// damaged file throws a TorchError or gives back exactly what was saved; a dangling or looping link,
// a degenerate IDX set, an unwritable save folder and an abort at any moment are TorchErrors too.
test('generated damaged files, links, IDX sets, save folders and aborted streams: each a TorchError, never silently wrong', async () => {
  const failures: string[] = [];
  let cases = 0;
  const expectTorchError = async (what: string, run: () => unknown, intact?: (result: unknown) => boolean) => {
    cases += 1;
    try {
      const result = await run();
      if (intact && !intact(result)) failures.push(`${what}: loaded, with different values`);
    } catch (e) {
      if (!(e instanceof TorchError)) failures.push(`${what}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  };
  const params = (m: nn.Module) => (m.getParameters()[0].toArray() as number[]).join();

  // corrupt archives: bytes flipped across each file, and each file truncated
  const saved = classifier();
  const archives: [string, string, (f: string) => unknown, (r: unknown) => boolean][] = [
    ['nn.load', path.join(dir, 'damage.net'), (f) => nn.load(f), (r) => params(r as nn.Module) === params(saved)],
    [
      'nn.loadStateDict',
      path.join(dir, 'damage.pt'),
      (f) => {
        const m = classifier();
        nn.loadStateDict(m, f);
        return m;
      },
      (r) => params(r as nn.Module) === params(saved),
    ],
  ];
  nn.save(archives[0][1], saved);
  nn.saveStateDict(saved, archives[1][1]);
  const checkpointed = trainer();
  await checkpointed.trainEpoch(dataset());
  const checkpointParams = (checkpointed.parameters.toArray() as number[]).join();
  archives.push([
    'Trainer.loadCheckpoint',
    path.join(dir, 'damage.checkpoint'),
    (f) => {
      const tr = trainer();
      tr.loadCheckpoint(f);
      return tr;
    },
    (r) => ((r as t.Trainer).parameters.toArray() as number[]).join() === checkpointParams,
  ]);
  checkpointed.saveCheckpoint(archives[2][1]);
  for (const [name, file, load, intact] of archives) {
    const bytes = fs.readFileSync(file);
    for (let k = 0; k < 60; k++) {
      const damaged = Buffer.from(bytes);
      damaged[Math.floor((k * bytes.length) / 60)] ^= 1 << (k % 8);
      fs.writeFileSync(`${file}.bad`, damaged);
      await expectTorchError(
        `${name} with bit ${k % 8} of byte ${Math.floor((k * bytes.length) / 60)} flipped`,
        () => load(`${file}.bad`),
        intact,
      );
    }
    for (const fraction of [0, 0.1, 0.5, 0.9, 0.999]) {
      fs.writeFileSync(`${file}.bad`, bytes.subarray(0, Math.floor(fraction * bytes.length)));
      await expectTorchError(`${name} truncated to ${fraction}`, () => load(`${file}.bad`), intact);
    }
  }

  // links: dangling, looping, and to a folder, where a file is read
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling.net'));
  fs.symlinkSync(path.join(dir, 'loop-b'), path.join(dir, 'loop-a'));
  fs.symlinkSync(path.join(dir, 'loop-a'), path.join(dir, 'loop-b'));
  fs.symlinkSync(dir, path.join(dir, 'folder.net'));
  for (const link of ['dangling.net', 'loop-a', 'folder.net']) {
    await expectTorchError(`nn.load of the link ${link}`, () => nn.load(path.join(dir, link)));
    await expectTorchError(`nn.loadStateDict of the link ${link}`, () => nn.loadStateDict(classifier(), path.join(dir, link)));
    await expectTorchError(`loadCheckpoint of the link ${link}`, () => trainer().loadCheckpoint(path.join(dir, link)));
    await expectTorchError(`data.readIdxLabels of the link ${link}`, () => t.data.readIdxLabels(path.join(dir, link)));
  }
  const images = path.join(dir, 'images');
  fs.mkdirSync(path.join(images, 'a'), { recursive: true });
  for (const [i, target] of ['nowhere.png', '../../loop-a', '.'].entries()) {
    fs.symlinkSync(target, path.join(images, 'a', `link${i}.png`));
    await expectTorchError(`data.imageFolder with a link to ${target}`, () => t.data.imageFolder(images, { size: [4, 4] }));
    fs.rmSync(path.join(images, 'a', `link${i}.png`));
  }

  // degenerate IDX sets
  const header = (magic: number, ...sizes: number[]) =>
    Buffer.concat(
      [magic, ...sizes].map((v) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(v);
        return b;
      }),
    );
  const labels = (n: number) => Buffer.concat([header(0x801, n), Buffer.alloc(n, 1)]);
  const imageSets: [string, Buffer][] = [
    ['no images', header(0x803, 0, 2, 2)],
    ['0×0 images', header(0x803, 3, 0, 0)],
    ['0×5 images', header(0x803, 3, 0, 5)],
    ['constant pixels', Buffer.concat([header(0x803, 3, 2, 2), Buffer.alloc(12, 9)])],
    ['a truncated header', header(0x803, 3).subarray(0, 6)],
    ['a wrong magic', Buffer.concat([header(0x801, 3, 2, 2), Buffer.alloc(12, 9)])],
    ['a count beyond the data', Buffer.concat([header(0x803, 1000, 2, 2), Buffer.alloc(12, 9)])],
    ['a gzip bomb', require('zlib').gzipSync(Buffer.concat([header(0x803, 3, 2, 2), Buffer.alloc(64 << 20)]))],
    [
      'a truncated gzip file',
      require('zlib')
        .gzipSync(Buffer.concat([header(0x803, 3, 2, 2), Buffer.alloc(12, 9)]))
        .subarray(0, 20),
    ],
  ];
  for (const [what, bytes] of imageSets) {
    const set = fs.mkdtempSync(path.join(dir, 'idx-'));
    const gz = bytes[0] === 0x1f ? '.gz' : '';
    fs.writeFileSync(path.join(set, `train-images-idx3-ubyte${gz}`), bytes);
    fs.writeFileSync(path.join(set, 'train-labels-idx1-ubyte'), labels(3));
    fs.writeFileSync(path.join(set, 't10k-images-idx3-ubyte'), Buffer.concat([header(0x803, 1, 2, 2), Buffer.from([1, 2, 3, 4])]));
    fs.writeFileSync(path.join(set, 't10k-labels-idx1-ubyte'), labels(1));
    await expectTorchError(`data.idx with ${what}`, () => t.data.idx(set));
  }

  // save folders that cannot be made: fit must settle with a TorchError before training
  const aFile = path.join(dir, 'a-file');
  fs.writeFileSync(aFile, 'x');
  for (const save of [
    '/proc/nodetorch-fuzz',
    '/proc/self/nodetorch/run',
    '/sys/nodetorch-fuzz',
    '/dev/null/run',
    path.join(aFile, 'run'),
    path.join(aFile, 'deeper', 'run'),
  ]) {
    await expectTorchError(`Trainer.fit with save '${save}'`, () => trainer().fit({ train: dataset(), epochs: 1, save }));
  }

  // streamed passes aborted at every stage: before the first chunk, while one loads, while one trains
  const loading: Promise<unknown>[] = []; // awaited at the end: a load left running after an abort draws from the generator
  const streamed = (delay: number) => ({
    length: 24,
    chunkSize: 6,
    batch: (indices: number[]) => {
      const load = new Promise((resolve) => setTimeout(resolve, delay)).then(() => ({
        inputs: t.randn([indices.length, 4], { dtype: 'float64' }),
        targets: t.tensor(
          indices.map((i) => i % 3),
          { dtype: 'int64' },
        ),
      }));
      loading.push(load);
      return load;
    },
  });
  for (const delay of [0, 5, 30]) {
    for (const abortAfter of [-1, 0, 2, 10, 40]) {
      for (const phase of ['train', 'test'] as const) {
        const controller = new AbortController();
        if (abortAfter < 0) controller.abort();
        else setTimeout(() => controller.abort(), abortAfter);
        const tr = trainer();
        await expectTorchError(`Trainer ${phase} aborted after ${abortAfter} ms, chunks after ${delay} ms`, () =>
          phase === 'train'
            ? tr.trainEpoch(streamed(delay), { signal: controller.signal })
            : tr.test(streamed(delay), { signal: controller.signal }),
        );
      }
    }
  }

  await Promise.all(loading);
  console.log(
    `fuzz: ${cases} damaged files, links, IDX sets, save folders and aborted streams, ${failures.length} not a TorchError or silently wrong`,
  );
  expect(failures).toEqual([]);
  expect(cases).toBeGreaterThanOrEqual(250);
});
