// The tensor calls a PyTorch user types: in-place ops with a trailing underscore (autograd's rules
// enforced), softmax / logSoftmax / logSumExp over a dim, size(), tolist(), long(), int(), mm,
// retainGrad(), and the creation functions' options object. Expected values computed here in plain
// JavaScript.
import { Tensor, TorchError, eye, linspace, manualSeed, randn, tensor, zeros } from '../lib';

const f64 = (v: number[][] | number[]) => tensor(v, { dtype: 'float64' });

describe('in-place ops (PyTorch names)', () => {
  test('arithmetic with a tensor or a number, alpha, returning the same Tensor', () => {
    const x = f64([1, 2, 3]);
    expect(x.add_(f64([10, 20, 30]))).toBe(x);
    expect(x.toArray()).toEqual([11, 22, 33]);
    x.sub_(1)
      .mul_(2)
      .div_(f64([4, 2, 1]));
    expect(x.toArray()).toEqual([5, 21, 64]);
    x.add_(f64([1, 1, 1]), 3).sub_(2, 0.5);
    expect(x.toArray()).toEqual([7, 23, 66]);
    x.pow_(2).clamp_(50, 1000);
    expect(x.toArray()).toEqual([50, 529, 1000]);
    x.fill_(-4).abs_().sqrt_().neg_();
    expect(x.toArray()).toEqual([-2, -2, -2]);
    x.copy_(f64([0.4, 1.5, -2.6])).round_();
    expect(x.toArray()).toEqual([0, 2, -3]);
    x.exp_().log_().relu_();
    expect(x.toArray()).toEqual([0, 2, 0]);
    expect(x.zero_().toArray()).toEqual([0, 0, 0]);
    const ints = tensor([5, 7], { dtype: 'int64' });
    ints.add_(2);
    expect([ints.dtype, ints.toArray()]).toEqual(['int64', [7, 9]]);
  });

  test('normal_ and uniform_ draw from the seeded generator', () => {
    manualSeed(3);
    const a = zeros([1000], { dtype: 'float64' }).normal_(2, 0.5);
    manualSeed(3);
    const b = zeros([1000], { dtype: 'float64' }).normal_(2, 0.5);
    expect(a.toArray()).toEqual(b.toArray());
    expect(a.mean().item()).toBeCloseTo(2, 1);
    const u = zeros([1000], { dtype: 'float64' }).uniform_(-1, 3);
    expect(Math.min(...(u.toArray() as number[]))).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...(u.toArray() as number[]))).toBeLessThan(3);
  });

  test("autograd's rules: in place on a leaf that requires grad is an error; on others it is tracked", () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    expect(() => w.add_(1)).toThrow(/a leaf Variable that requires grad is being used in an in-place operation/);
    const y = w.mul(3);
    y.add_(1);
    y.sum().backward();
    expect(w.grad!.toArray()).toEqual([3, 3]);
    expect(() => f64([1]).add_('a' as never)).toThrow(/a Tensor or a number/);
  });
});

describe('softmax, logSoftmax, logSumExp over a dim; mm; size; tolist; long; int; retainGrad', () => {
  test('softmax and logSoftmax equal exp(x)/Σexp(x) along the dim', () => {
    const rows = [
      [1, 2, 3],
      [0, -1, 5],
    ];
    const x = f64(rows);
    const soft = rows.map((r) => r.map((v) => Math.exp(v) / r.reduce((s, u) => s + Math.exp(u), 0)));
    (x.softmax(1).toArray() as number[][]).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(soft[i][j], 14)));
    (x.logSoftmax(-1).toArray() as number[][]).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(Math.log(soft[i][j]), 14)));
    const cols = x.softmax(0).toArray() as number[][];
    expect(cols[0][2] + cols[1][2]).toBeCloseTo(1, 14);
    (x.logSumExp([1]).toArray() as number[]).forEach((v, i) =>
      expect(v).toBeCloseTo(Math.log(rows[i].reduce((s, u) => s + Math.exp(u), 0)), 14),
    );
  });

  test('mm is the matrix product; size(); tolist(); long(); int()', () => {
    const a = f64([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const b = f64([
      [1, 0, 2],
      [0, 1, 3],
    ]);
    expect(a.mm(b).toArray()).toEqual([
      [1, 2, 8],
      [3, 4, 18],
      [5, 6, 28],
    ]);
    expect(() => a.mm(f64([1, 2]))).toThrow(TorchError);
    expect(a.size()).toEqual([3, 2]);
    expect([a.size(0), a.size(-1)]).toEqual([3, 2]);
    expect(() => a.size(2)).toThrow(/size\(dim\)/);
    expect(a.tolist()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect([f64([2.7, -1.2]).long().dtype, f64([2.7, -1.2]).long().toArray()]).toEqual(['int64', [2, -1]]);
    expect(f64([2.7]).int().dtype).toBe('int32');
  });

  test('retainGrad keeps a non-leaf gradient', () => {
    const x = f64([1, 2, 3]);
    x.requiresGrad = true;
    const y = x.mul(2);
    y.retainGrad();
    y.square().sum().backward();
    expect(y.grad!.toArray()).toEqual([4, 8, 12]); // d(Σy²)/dy = 2y
  });
});

describe('creation functions take the same options object as tensor() and zeros()', () => {
  test('eye and linspace with { dtype, requiresGrad }, and still positionally', () => {
    const e = eye(2, { dtype: 'float64', requiresGrad: true });
    expect([e.dtype, e.requiresGrad, e.toArray()]).toEqual([
      'float64',
      true,
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    expect(eye(2, 'int64').dtype).toBe('int64');
    expect(linspace(0, 1, 3, { dtype: 'float64' }).toArray()).toEqual([0, 0.5, 1]);
    expect(() => eye(2, { dtype: 'float64', color: 'red' } as never)).toThrow(/Unknown option 'color'/);
    expect(() => eye(2, { requiresGrad: 'yes' } as never)).toThrow(/requiresGrad/);
  });

  test('to() names the dtypes and devices it takes', () => {
    const t: Tensor = randn([2]);
    expect(() => t.to('float8' as never)).toThrow(
      /Expected a dtype \('float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'\) or a device .* for to\(target\) but received 'float8'/,
    );
    expect(t.to('float16').dtype).toBe('float16');
  });
});
