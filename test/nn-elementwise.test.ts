// The element-wise layers beyond the study (lib/nn/elementwise.ts), proven by PyTorch: the same
// outputs and gradients (input and weight) as PyTorch's module of the same kind, in float64, from
// test/python/layer_check.py; a finite-difference gradcheck; a save/load round trip; Torch7's
// defaults and PReLU's planes. ONNX export is checked in test/onnx-export.test.ts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, manualSeed, nn, rand, randn, tensor } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });
/** Positive inputs, for Sqrt and fractional powers. */
const positive = (shape: number[]) => rand(shape, { dtype: 'float64' }).add(0.1);

const CASES: [string, () => nn.Module, () => Tensor][] = [
  ['ELU()', () => new nn.ELU(), () => x64([2, 3, 4])],
  ['ELU(0.5)', () => new nn.ELU(0.5), () => x64([5, 6])],
  ['LeakyReLU()', () => new nn.LeakyReLU(), () => x64([4, 5])],
  ['LeakyReLU(0.2)', () => new nn.LeakyReLU(0.2), () => x64([2, 3, 4, 4])],
  ['PReLU()', () => new nn.PReLU(), () => x64([3, 7])],
  ['PReLU(3), a batch of images', () => new nn.PReLU(3), () => x64([2, 3, 4, 4])],
  ['PReLU(5), N×5', () => new nn.PReLU(5), () => x64([4, 5])],
  ['SoftPlus()', () => new nn.SoftPlus(), () => x64([4, 5]).mul(3)],
  ['SoftPlus(2, 1): beyond the threshold, x', () => new nn.SoftPlus(2, 1), () => x64([4, 5]).mul(2)],
  ['HardTanh()', () => new nn.HardTanh(), () => x64([4, 5]).mul(2)],
  ['HardTanh(-0.5, 2)', () => new nn.HardTanh(-0.5, 2), () => x64([4, 5]).mul(2)],
  ['GELU()', () => new nn.GELU(), () => x64([3, 6]).mul(2)],
  ['Abs()', () => new nn.Abs(), () => x64([3, 6])],
  ['Square()', () => new nn.Square(), () => x64([3, 6])],
  ['Sqrt()', () => new nn.Sqrt(), () => positive([3, 6])],
  ['Sqrt(0.5)', () => new nn.Sqrt(0.5), () => positive([3, 6])],
  ['Power(3)', () => new nn.Power(3), () => x64([3, 6])],
  ['Power(0.5)', () => new nn.Power(0.5), () => positive([3, 6])],
  ['MulConstant(-2.5)', () => new nn.MulConstant(-2.5), () => x64([3, 6])],
  ['AddConstant(1.5)', () => new nn.AddConstant(1.5), () => x64([3, 6])],
  ['Identity()', () => new nn.Identity(), () => x64([3, 6])],
];

const python = pythonWithTorch();
if (!python)
  console.warn('nn-elementwise: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('outputs and gradients equal PyTorch module of the same kind (float64, ≤ 1e-10)', () => {
  let results: { output: unknown; gradInput: unknown; gradWeight?: unknown }[];
  const ours: { output: number[]; gradInput: number[]; gradWeight?: number[] }[] = [];
  beforeAll(() => {
    manualSeed(8);
    const cases = CASES.map(([, make, input]) => {
      const module = make().double();
      const x = input();
      const weight = module.weight;
      if (weight) weight.copy(rand(weight.shape, { dtype: 'float64' }).mul(0.6).sub(0.1)); // a learnt-looking slope, not 0.25 everywhere
      const y = module.forward(x);
      const gradOutput = x64(y.shape);
      module.zeroGradParameters();
      const gradInput = module.backward(x, gradOutput);
      ours.push({
        output: y.toArray() as number[],
        gradInput: gradInput.toArray() as number[],
        gradWeight: module.gradWeight?.toArray() as number[] | undefined,
      });
      return {
        type: module.type,
        args: module.args,
        input: x.toArray(),
        gradOutput: gradOutput.toArray(),
        ...(weight ? { weight: module.weight!.toArray() } : {}),
      };
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-layers-'));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    runPython(python!, 'layer_check.py', [path.join(dir, 'cases.json'), path.join(dir, 'results.json')]);
    const parsed = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'));
    results = parsed.results;
    console.log(`nn-elementwise: compared with PyTorch ${parsed.torch}`);
  });

  test.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect(largest(ours[i].output, results[i].output)).toBeLessThanOrEqual(1e-10);
    expect(largest(ours[i].gradInput, results[i].gradInput)).toBeLessThanOrEqual(1e-10);
    expect(ours[i].gradWeight === undefined).toBe(results[i].gradWeight === undefined);
    if (ours[i].gradWeight) expect(largest(ours[i].gradWeight, results[i].gradWeight)).toBeLessThanOrEqual(1e-10);
  });
});

describe('gradcheck, save/load, defaults and planes', () => {
  test.each(CASES.map(([name], i) => [name, i] as const))('gradcheck: %s', (_name, i) => {
    manualSeed(9);
    const [, make, input] = CASES[i];
    const r = nn.gradcheck(make().double(), input().add(0.01)); // away from the kinks at 0
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test('a model of every layer saves and loads with the same outputs and weights', () => {
    manualSeed(10);
    const model = new nn.Sequential(
      ...CASES.filter(([name]) => !/PReLU\((3|5)\)/.test(name)).map(([, make]) => make()),
      new nn.PReLU(6),
    ).double();
    const x = positive([2, 6]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-layers-')), 'model.net');
    nn.save(file, model);
    const loaded = nn.load(file) as nn.Sequential;
    expect(loaded.forward(x).toArray()).toEqual(model.forward(x).toArray());
    expect(loaded.modules.map((m) => m.toString())).toEqual(model.modules.map((m) => m.toString()));
    expect(model.namedParameters().map(([name]) => name)).toEqual(['4.weight', '19.weight']);
  });

  test("Torch7's defaults, and PReLU's planes at dimension 0 of a single sample (as Torch7), 1 of a batch", () => {
    expect(new nn.LeakyReLU().args).toEqual([0.01]);
    expect(new nn.ELU().args).toEqual([1]);
    expect(new nn.SoftPlus().args).toEqual([1, 20]);
    expect(new nn.HardTanh().args).toEqual([-1, 1]);
    expect(new nn.PReLU(4).weight!.toArray()).toEqual([0.25, 0.25, 0.25, 0.25]);
    const prelu = new nn.PReLU(3).double();
    prelu.weight!.copy(tensor([0.1, 0.2, 0.3], { dtype: 'float64' }));
    const sample = x64([3, 2, 2]).sub(1);
    expect(prelu.forward(sample).toArray()).toEqual((prelu.forward(sample.unsqueeze(0)).index(0) as Tensor).toArray());
    expect(prelu.forward(tensor([-1, -1, -1], { dtype: 'float64' })).toArray()).toEqual([-0.1, -0.2, -0.3]);
    expect(() => prelu.forward(x64([2, 4, 2, 2]))).toThrow(/PReLU\(3\) expects 3 planes .* got shape \[2, 4, 2, 2\]/);
  });

  test('bad arguments are TorchErrors naming them', () => {
    expect(() => new nn.LeakyReLU('x' as never)).toThrow(/^Expected a finite number for LeakyReLU negval but received 'x'$/);
    expect(() => new nn.PReLU(-1)).toThrow(TorchError);
    expect(() => new nn.SoftPlus(0)).toThrow(/^Expected a non-zero number for SoftPlus beta but received 0$/);
    expect(() => new nn.HardTanh(1, 0)).toThrow(/HardTanh max/);
    expect(() => new nn.Sqrt(-1)).toThrow(/Sqrt b/);
    expect(() => new (nn.Power as unknown as new () => unknown)()).toThrow(/Power p/);
    expect(() => new (nn.Identity as unknown as new (a: number) => unknown)(1)).toThrow(/^nn.Identity\(\) takes at most 0 arguments/);
  });
});
