import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed, nn, randn, tensor, Tensor, zeros } from '../lib';
import { withTool } from './helpers/common';
import { pythonWithTorch, runPython } from './helpers/python';

const flat = (t: Tensor) => (t.toArray() as number[]).flat(Infinity as 1) as number[];

describe('spatial modules of the default convnet', () => {
  test('gaussian1D(7) is the study normkernel', () => {
    const g = nn.gaussian1D(7);
    [0.230066, 0.52045, 0.849366, 1, 0.849366, 0.52045, 0.230066].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
  });

  test('SpatialLPPooling: sqrt of the sum of squares per window; gradient 0 where the output is 0', () => {
    const x = tensor(
      [
        [
          [3, 4, 0, 0],
          [0, 0, 0, 0],
          [1, 1, 2, 2],
          [1, 1, 2, 2],
        ],
      ],
      { dtype: 'float64' },
    );
    const lp = new nn.SpatialLPPooling(1, 2, 2, 2, 2, 2);
    expect(lp.forward(x).toArray()).toEqual([
      [
        [5, 0],
        [2, 4],
      ],
    ]);
    const g = lp.backward(
      x,
      tensor(
        [
          [
            [1, 1],
            [1, 1],
          ],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(flat(g).every(Number.isFinite)).toBe(true);
    expect(flat(g).slice(2, 4)).toEqual([0, 0]); // the all-zero window
    expect(flat(g)[0]).toBeCloseTo(3 / 5, 12); // x/y
  });

  test('SpatialAveragePooling divides by kW·kH', () => {
    const x = tensor(
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(new nn.SpatialAveragePooling(2, 2, 1, 1).forward(x).toArray()).toEqual([[[3, 4]]]);
  });

  // x_c − Σ K·x / Σ K over the window's in-image part, all planes: the definition, written out.
  function directNormalization(xv: number[][][], k: number[]): number[][][] {
    const [C, H, W] = [xv.length, xv[0].length, xv[0][0].length];
    const p = (k.length - 1) / 2;
    const y = xv.map((plane) => plane.map((row) => row.slice()));
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        let sum = 0;
        let weight = 0;
        for (let c = 0; c < C; c++) {
          for (let u = 0; u < k.length; u++) {
            for (let v = 0; v < k.length; v++) {
              const r = i + u - p;
              const s = j + v - p;
              if (r < 0 || r >= H || s < 0 || s >= W) continue;
              sum += k[u] * k[v] * xv[c][r][s];
              weight += k[u] * k[v];
            }
          }
        }
        for (let c = 0; c < C; c++) y[c][i][j] = xv[c][i][j] - sum / weight;
      }
    }
    return y;
  }

  test('SpatialSubtractiveNormalization equals the direct formula, border correction included', () => {
    manualSeed(2);
    const k = nn.gaussian1D(5);
    const x = randn([3, 6, 7], { dtype: 'float64' });
    const expected = directNormalization(x.toArray() as number[][][], k).flat(2);
    flat(new nn.SpatialSubtractiveNormalization(3, k).forward(x)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  test('SpatialSubtractiveNormalization keeps its border correction per input size and dtype (sizes and dtypes in turn)', () => {
    manualSeed(3);
    const k = nn.gaussian1D(5);
    const norm = new nn.SpatialSubtractiveNormalization(2, k);
    for (const [H, W, dtype] of [
      [6, 7, 'float64'],
      [4, 9, 'float64'],
      [4, 9, 'float32'],
      [6, 7, 'float64'],
    ] as const) {
      const x = randn([2, H, W], { dtype });
      const expected = directNormalization(x.toArray() as number[][][], k).flat(2);
      const y = norm.forward(x);
      expect(y.dtype).toBe(dtype);
      const worst = Math.max(...flat(y).map((v, i) => Math.abs(v - expected[i])));
      expect(worst).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
    }
  });

  test('SpatialSubtractiveNormalization: constant input → zero output; batch equals per sample', () => {
    const norm = new nn.SpatialSubtractiveNormalization(2, nn.gaussian1D(7));
    const constant = zeros([2, 5, 5], { dtype: 'float64' }).add(3);
    flat(norm.forward(constant)).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    const batch = randn([3, 2, 5, 5], { dtype: 'float64' });
    const whole = norm.forward(batch);
    for (let n = 0; n < 3; n++) {
      const one = flat(norm.forward(batch.index(n)));
      flat(whole.index(n)).forEach((v, i) => expect(v).toBeCloseTo(one[i], 12));
    }
  });

  test('SpatialZeroPadding pads and crops', () => {
    const x = tensor(
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(new nn.SpatialZeroPadding(1, 0, 0, 1).forward(x).toArray()).toEqual([
      [
        [0, 1, 2],
        [0, 3, 4],
        [0, 0, 0],
      ],
    ]);
    expect(new nn.SpatialZeroPadding(-1, 0, 0, 0).forward(x).toArray()).toEqual([[[2], [4]]]);
    // Torch7: pad_b = pad_b or self.pad_l, so (1, 0, 0) pads the bottom by the LEFT pad, 1
    expect(new nn.SpatialZeroPadding(1, 0, 0).forward(x).toArray()).toEqual([
      [
        [0, 1, 2],
        [0, 3, 4],
        [0, 0, 0],
      ],
    ]);
    expect(new nn.SpatialZeroPadding(2, 0, 1).args).toEqual([2, 0, 1, 2]);
  });

  test('Dropout: scales kept values by 1/(1−p) in training, identity in evaluate', () => {
    manualSeed(1);
    const d = new nn.Dropout(0.25).double();
    const x = zeros([10000], { dtype: 'float64' }).add(1);
    const y = flat(d.forward(x));
    const kept = y.filter((v) => v !== 0);
    kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.75, 12));
    expect(kept.length / y.length).toBeGreaterThan(0.73);
    expect(kept.length / y.length).toBeLessThan(0.77);
    d.evaluate();
    expect(flat(d.forward(x)).every((v) => v === 1)).toBe(true);
  });

  test('Sequential.evaluate() switches Dropout inside it off', () => {
    const seq = new nn.Sequential().add(new nn.Dropout(0.9)).evaluate();
    expect(flat(seq.forward(zeros([50]).add(1))).every((v) => v === 1)).toBe(true);
  });

  test('bad arguments give clear errors', () => {
    expect(() => new nn.SpatialLPPooling(4, 3, 2, 2)).toThrow(/Expected an integer in \[2, 2\] for SpatialLPPooling pnorm but received 3/);
    expect(() => new nn.SpatialLPPooling(4, 2, 2, 2).forward(zeros([3, 4, 4]))).toThrow(
      /SpatialLPPooling expects 4 planes, got shape \[3, 4, 4\]/,
    );
    expect(() => new nn.SpatialAveragePooling(5, 5).forward(zeros([1, 3, 3]))).toThrow(/window 5×5 is larger than the input \[1, 3, 3\]/);
    expect(() => new nn.SpatialSubtractiveNormalization(2, [1, 1])).toThrow(/needs odd kernel sizes, got 1×2/);
    expect(() => new nn.SpatialSubtractiveNormalization(2, [[1, 2], [3]] as never)).toThrow(/rectangular array of finite numbers/);
    expect(() => new nn.SpatialSubtractiveNormalization(2).forward(zeros([3, 9, 9]))).toThrow(/expects 2 planes/);
    expect(() => new nn.SpatialSubtractiveNormalization(2).forward(zeros([9, 9]))).toThrow(
      /expects C×H×W or N×C×H×W input, got shape \[9, 9\]/,
    );
    expect(() => new nn.Dropout(1)).toThrow(/Expected a probability in \[0, 1\) for Dropout p but received 1/);
    expect(() => new nn.SpatialZeroPadding(-3).forward(zeros([1, 2, 2]))).toThrow(/would crop the input/);
  });

  test('every module survives nn.save / nn.load with identical outputs', () => {
    const os = require('os');
    const path = require('path');
    const fs = require('fs');
    manualSeed(9);
    const net = new nn.Sequential()
      .add(new nn.SpatialZeroPadding(1))
      .add(new nn.SpatialConvolutionMM(2, 4, 3, 3))
      .add(new nn.ReLU())
      .add(new nn.SpatialLPPooling(4, 2, 2, 2))
      .add(new nn.SpatialSubtractiveNormalization(4, nn.gaussian1D(3)))
      .add(new nn.SpatialAveragePooling(2, 2, 1, 1))
      .add(
        new nn.SpatialSubtractiveNormalization(4, [
          [1, 1, 1],
          [1, 2, 1],
          [1, 1, 1],
        ]),
      )
      .add(new nn.SpatialMaxPooling(2, 2))
      .add(new nn.Reshape(4))
      .add(new nn.Dropout(0.3))
      .add(new nn.Linear(4, 6))
      .add(new nn.Sigmoid())
      .add(new nn.View(6))
      .add(new nn.Tanh())
      .add(new nn.SoftMax({ beta: 2 }))
      .add(new nn.LogSoftMax())
      .evaluate();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-all-')), 'all.net');
    nn.save(file, net);
    const back = nn.load(file).evaluate();
    const x = randn([3, 2, 6, 6], { dtype: 'float64' });
    const out = net.forward(x).toArray() as number[][];
    expect(back.forward(x).toArray()).toEqual(out);
    expect((back as nn.Sequential).modules.map((m) => m.type)).toEqual(net.modules.map((m) => m.type));
    // a real output: finite log-probabilities that differ between samples
    expect(out.flat().every(Number.isFinite)).toBe(true);
    expect(out[0]).not.toEqual(out[1]);
  });
});

// SpatialLPPooling runs as one fused kernel each way on the CPU (native/engine/lp_pool.cc), NCHW
// or channels-last: its values and gradients against PyTorch's lp_pool2d, in both layouts and bf16.
const python = pythonWithTorch();
withTool('Python with torch', python).describe("SpatialLPPooling against PyTorch's lp_pool2d", () => {
  // [Torch7's arguments, input shape]: windows that tile, that overlap, that leave a border (floor
  // mode), one sample without a batch dimension
  const cases: [number[], number[]][] = [
    [
      [3, 2, 2, 2, 2, 2],
      [2, 3, 6, 8],
    ],
    [
      [3, 2, 3, 3, 2, 2],
      [2, 3, 7, 9],
    ],
    [
      [3, 2, 2, 3, 1, 2],
      [2, 3, 7, 5],
    ],
    [
      [3, 2, 2, 2, 2, 2],
      [3, 5, 7],
    ],
  ];
  let results: { output: number[]; gradInput: number[] }[];
  const inputs: Tensor[] = [];
  const gradOutputs: Tensor[] = [];
  beforeAll(() => {
    manualSeed(12);
    const written = cases.map(([args, shape]) => {
      const lp = new nn.SpatialLPPooling(...(args as [number, number, number, number, number, number])).double();
      const x = randn(shape, { dtype: 'float64' });
      const g = randn(lp.forward(x).shape, { dtype: 'float64' });
      inputs.push(x);
      gradOutputs.push(g);
      return { type: 'SpatialLPPooling', args, input: x.toArray(), gradOutput: g.toArray() };
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-lppool-'));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(written));
    runPython(python!, 'layer_check.py', [path.join(dir, 'cases.json'), path.join(dir, 'results.json')]);
    results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results.map(
      (r: { output: unknown; gradInput: unknown }) => ({
        output: (r.output as number[]).flat(3),
        gradInput: (r.gradInput as number[]).flat(3),
      }),
    );
    fs.rmSync(dir, { recursive: true });
  });
  const largest = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  const lpOf = (i: number) => new nn.SpatialLPPooling(...(cases[i][0] as [number, number, number, number, number, number]));

  test.each(cases.map(([args, shape], i) => [args.join(', '), shape.join('×'), i] as const))(
    'SpatialLPPooling(%s) on %s, float64: output and input gradient ≤ 1e-12',
    (_args, _shape, i) => {
      const lp = lpOf(i).double();
      expect(largest(flat(lp.forward(inputs[i])), results[i].output)).toBeLessThanOrEqual(1e-12);
      expect(largest(flat(lp.backward(inputs[i], gradOutputs[i])), results[i].gradInput)).toBeLessThanOrEqual(1e-12);
    },
  );

  test('channels-last input (a channels-last convolution before it) gives the same values and gradients', () => {
    manualSeed(13);
    const model = () =>
      new nn.Sequential()
        .add(new nn.SpatialConvolutionMM(2, 8, 3, 3))
        .add(new nn.SpatialLPPooling(8, 2, 3, 3, 2, 2))
        .float();
    manualSeed(13);
    const nchw = model();
    manualSeed(13);
    const nhwc = model().to({ memoryFormat: 'channelsLast' });
    const x = randn([3, 2, 11, 11]);
    const y = nchw.forward(x);
    const g = randn(y.shape);
    expect(largest(flat(nhwc.forward(x)), flat(y))).toBeLessThan(1e-5);
    const convolved = nhwc.get<nn.Module<Tensor, Tensor>>(1).forward(x);
    expect(convolved.stride()[1]).toBe(1); // the pooling's input is NHWC
    expect(nhwc.get<nn.Module<Tensor, Tensor>>(2).forward(convolved).stride()[1]).toBe(1); // and so is its output
    expect(largest(flat(nhwc.backward(x, g)), flat(nchw.backward(x, g)))).toBeLessThan(1e-5);
    expect(largest(flat(nhwc.get(1).gradWeight!), flat(nchw.get(1).gradWeight!))).toBeLessThan(1e-4);
  });

  test('bfloat16: the float64 values within bf16 rounding', () => {
    const lp = lpOf(0).bfloat16();
    const x = inputs[0].to('bfloat16');
    const y = flat(lp.forward(x).to('float64'));
    y.forEach((v, k) => expect(Math.abs(v - results[0].output[k])).toBeLessThanOrEqual(0.01 * Math.abs(results[0].output[k]) + 1e-3));
    const gx = flat(lp.backward(x, gradOutputs[0].to('bfloat16')).to('float64'));
    gx.forEach((v, k) =>
      expect(Math.abs(v - results[0].gradInput[k])).toBeLessThanOrEqual(0.02 * Math.abs(results[0].gradInput[k]) + 1e-2),
    );
  });
});

describe('criteria', () => {
  const out = tensor(
    [
      [0.2, -0.5, 0.9],
      [-1, 0.3, 0.4],
    ],
    { dtype: 'float64' },
  );
  const target = tensor([2, 0], { dtype: 'int64' });

  test('MSECriterion: Σ(x − t)², ÷ nElement with sizeAverage; class targets become ±1', () => {
    const t = tensor(
      [
        [0, 0, 1],
        [1, 0, 0],
      ],
      { dtype: 'float64' },
    );
    const sq = [0.04, 0.25, 0.01, 4, 0.09, 0.16].reduce((a, b) => a + b, 0);
    expect(new nn.MSECriterion().forward(out, t)).toBeCloseTo(sq / 6, 12);
    expect(new nn.MSECriterion(false).forward(out, t)).toBeCloseTo(sq, 12);
    expect(flat(new nn.MSECriterion(false).backward(out, t))).toEqual(flat(out.sub(t).mul(2)));
    const pm = [
      [-1, -1, 1],
      [1, -1, -1],
    ];
    const expected = flat(out).reduce((s, v, i) => s + (v - pm[Math.floor(i / 3)][i % 3]) ** 2, 0);
    expect(new nn.MSECriterion(false).forward(out, target)).toBeCloseTo(expected, 12);
    expect(() => new nn.MSECriterion().forward(out, tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      /target shape \[3\] does not match the input shape \[2, 3\]/,
    );
  });

  test('MultiMarginCriterion: (1/dim) Σ_{i≠y} max(0, margin − x_y + x_i)^p, batch mean', () => {
    const loss = (row: number[], y: number, p = 1, margin = 1) =>
      row.reduce((s, v, i) => (i === y ? s : s + Math.max(0, margin - row[y] + v) ** p), 0) / row.length;
    const rows = out.toArray() as number[][];
    expect(new nn.MultiMarginCriterion().forward(out, target)).toBeCloseTo((loss(rows[0], 2) + loss(rows[1], 0)) / 2, 12);
    expect(new nn.MultiMarginCriterion({ p: 2, margin: 0.5 }).forward(out, target)).toBeCloseTo(
      (loss(rows[0], 2, 2, 0.5) + loss(rows[1], 0, 2, 0.5)) / 2,
      12,
    );
    expect(new nn.MultiMarginCriterion().forward(out.index(0), 2)).toBeCloseTo(loss(rows[0], 2), 12);
    expect(() => new nn.MultiMarginCriterion({ p: 3 })).toThrow(
      /Expected an integer in \[1, 2\] for MultiMarginCriterion p but received 3/,
    );
    expect(() => new nn.MultiMarginCriterion().forward(out, tensor([5, 0], { dtype: 'int64' }))).toThrow(
      /targets must be class indices in \[0, 2\]/,
    );
  });
});
