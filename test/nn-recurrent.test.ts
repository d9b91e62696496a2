// LSTM and GRU (lib/nn/recurrent.ts, native/engine/nn_recurrent.cc), proven by PyTorch's LSTM and GRU with
// the same weights (their parameter names are PyTorch's): outputs and the gradients of the input and
// of every parameter (float64, ≤ 1e-10, test/python/layer_check.py); and a character-level language
// model on real text (this project's API reference: docs/api/tensors.md, then docs/api/nn.md) trained
// by the Trainer with sequence targets.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, nn, randn, tensor } from '../lib';
import { pythonWithTorch, runPython } from './helpers/python';
import { largest } from './helpers/compare';
import { withTool } from './helpers/common';

const x64 = (shape: number[]) => randn(shape, { dtype: 'float64' });

const CASES: [string, () => nn.Module, () => Tensor][] = [
  ['LSTM(3, 4): T×N×F', () => new nn.LSTM(3, 4), () => x64([5, 2, 3])],
  [
    'LSTM(3, 4, { numLayers: 2, batchFirst, bidirectional })',
    () => new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true }),
    () => x64([2, 5, 3]),
  ],
  ['LSTM(2, 3): one sequence', () => new nn.LSTM(2, 3), () => x64([6, 2])],
  ['GRU(3, 5)', () => new nn.GRU(3, 5), () => x64([4, 3, 3])],
  ['GRU(3, 2, { numLayers: 3, batchFirst })', () => new nn.GRU(3, 2, { numLayers: 3, batchFirst: true }), () => x64([2, 4, 3])],
];

const python = pythonWithTorch();
if (!python)
  console.warn('nn-recurrent: the PyTorch comparison is SKIPPED: no Python with torch here (set NODETORCH_TEST_PYTHON); CI installs one');

withTool('Python with torch', python).describe('equal to PyTorch LSTM and GRU (float64, ≤ 1e-10)', () => {
  const ours: { output: unknown; gradInput: unknown; grads: Record<string, unknown> }[] = [];
  let theirs: { output: unknown; gradInput: unknown; gradParameters: Record<string, unknown> }[];
  beforeAll(() => {
    manualSeed(90);
    const cases = CASES.map(([, make, input]) => {
      const module = make().double();
      const x = input();
      const y = module.forward(x);
      const gradOutput = x64(y.shape);
      module.zeroGradParameters();
      const gradInput = module.backward(x, gradOutput);
      const [, grads] = module.parameters();
      const named = module.namedParameters();
      ours.push({
        output: y.toArray(),
        gradInput: gradInput.toArray(),
        grads: Object.fromEntries(named.map(([n], k) => [n, grads[k].toArray()])),
      });
      return {
        type: module.type,
        args: module.args,
        input: x.toArray(),
        gradOutput: gradOutput.toArray(),
        params: Object.fromEntries(named.map(([n, t]) => [n, t.toArray()])),
      };
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-recurrent-'));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    runPython(python!, 'layer_check.py', [path.join(dir, 'cases.json'), path.join(dir, 'results.json')]);
    theirs = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results;
  });
  test.each(CASES.map(([name], i) => [name, i] as const))('%s', (_name, i) => {
    expect(largest(ours[i].output, theirs[i].output)).toBeLessThanOrEqual(1e-10);
    expect(largest(ours[i].gradInput, theirs[i].gradInput)).toBeLessThanOrEqual(1e-10);
    expect(Object.keys(ours[i].grads).sort()).toEqual(Object.keys(theirs[i].gradParameters).sort());
    for (const name of Object.keys(ours[i].grads))
      expect(largest(ours[i].grads[name], theirs[i].gradParameters[name])).toBeLessThanOrEqual(1e-10);
  });
});

describe('recurrent layers in use', () => {
  test.each([
    ['LSTM(3, 4, { numLayers: 2, bidirectional })', () => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }), [5, 2, 3]],
    ['GRU(3, 4, { batchFirst })', () => new nn.GRU(3, 4, { batchFirst: true }), [2, 5, 3]],
  ] as const)('gradcheck: %s (input and every weight)', (_name, make, shape) => {
    manualSeed(96);
    const r = nn.gradcheck(make().double(), randn([...shape], { dtype: 'float64' }));
    expect(r.scale).toBeGreaterThan(0);
    expect(r.maxError).toBeLessThan(1e-6 * Math.max(1, r.scale));
  });

  test("PyTorch's parameter names and shapes; final states; save/load; errors", () => {
    manualSeed(91);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }).double();
    expect(lstm.namedParameters().map(([name, t]) => `${name} [${t.shape.join(', ')}]`)).toEqual([
      'weight_ih_l0 [16, 3]',
      'weight_hh_l0 [16, 4]',
      'bias_ih_l0 [16]',
      'bias_hh_l0 [16]',
      'weight_ih_l0_reverse [16, 3]',
      'weight_hh_l0_reverse [16, 4]',
      'bias_ih_l0_reverse [16]',
      'bias_hh_l0_reverse [16]',
      'weight_ih_l1 [16, 8]',
      'weight_hh_l1 [16, 4]',
      'bias_ih_l1 [16]',
      'bias_hh_l1 [16]',
      'weight_ih_l1_reverse [16, 8]',
      'weight_hh_l1_reverse [16, 4]',
      'bias_ih_l1_reverse [16]',
      'bias_hh_l1_reverse [16]',
    ]);
    expect(() => lstm.finalState()).toThrow(/no forward to read the states of yet/);
    const x = x64([5, 2, 3]);
    const y = lstm.forward(x);
    expect(y.shape).toEqual([5, 2, 8]);
    const { h, c } = lstm.finalState();
    expect(h.shape).toEqual([4, 2, 4]);
    expect(c!.shape).toEqual([4, 2, 4]);
    // the top layer's forward direction ends where the output's last step begins
    expect((h.index(2) as Tensor).toArray()).toEqual((y.index(4).index(null, [0, 4]) as Tensor).toArray());
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-recurrent-')), 'lstm.net');
    nn.save(file, lstm);
    expect(nn.load(file).forward(x).toArray()).toEqual(y.toArray());
    expect(() => lstm.forward(x64([5, 2, 4]))).toThrow(/LSTM\(3, 4\) expects T×N×3 \(or T×3\) input, got shape \[5, 2, 4\]/);
    expect(() => new nn.GRU(3, 4, { layers: 2 } as never)).toThrow(TorchError);
  });

  test('a character-level LSTM language model on real text (docs/api/tensors.md and nn.md) trains with sequence targets', async () => {
    manualSeed(92);
    // The tensor and nn pages of the API reference, one after the other: more than 24,000 characters.
    const text = ['tensors.md', 'nn.md']
      .map((f) => fs.readFileSync(path.join(__dirname, '..', 'docs', 'api', f), 'utf8'))
      .join('\n')
      .slice(0, 24000);
    const chars = [...new Set(text)].sort();
    const code = new Map(chars.map((ch, i) => [ch, i]));
    const T = 32;
    const n = Math.floor((text.length - 1) / T);
    const ids = [...text].map((ch) => code.get(ch)!);
    const inputs = tensor(
      Array.from({ length: n }, (_, s) => ids.slice(s * T, s * T + T)),
      { dtype: 'int64' },
    );
    const targets = tensor(
      Array.from({ length: n }, (_, s) => ids.slice(s * T + 1, s * T + T + 1)),
      { dtype: 'int64' },
    ); // the next character at every step
    const V = chars.length;
    const model = new nn.Sequential(
      new nn.LookupTable(V, 32),
      new nn.LSTM(32, 96, { batchFirst: true }),
      new nn.Linear(96, V),
      new nn.View(-1, V),
      new nn.LogSoftMax(),
    ).float();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 16,
      optimizer: { method: 'adam', config: { learningRate: 0.01 } },
    });
    expect(trainer.task).toBe('classification');
    const losses: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) losses.push((await trainer.trainEpoch({ inputs, targets })).loss);
    console.log(
      `nn-recurrent: char-level LSTM on ${text.length} characters of docs/api/tensors.md and nn.md (${V} symbols, ${n} sequences of ${T}): loss per epoch ${losses.map((l) => l.toFixed(3)).join(', ')} (uniform: ${Math.log(V).toFixed(3)} nats)`,
    );
    expect(trainer.classes).toBe(V);
    expect(losses[3]).toBeLessThan(0.6 * Math.log(V));
    expect(losses[3]).toBeLessThan(losses[0]);
  });
});
