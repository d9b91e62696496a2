import { arange, tensor, TorchError } from '../lib';

const close = (actual: unknown, expected: number[] | number[][], digits = 5) => {
  const a = (actual as number[]).flat() as number[];
  const e = expected.flat() as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(e[i], digits));
};

describe('tensor math', () => {
  const a = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'float64' },
  );
  const b = tensor(
    [
      [5, 6],
      [7, 8],
    ],
    { dtype: 'float64' },
  );

  test('elementwise arithmetic with tensors, numbers and broadcasting', () => {
    expect(a.add(b).toArray()).toEqual([
      [6, 8],
      [10, 12],
    ]);
    expect(a.sub(1).toArray()).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(a.mul(b).toArray()).toEqual([
      [5, 12],
      [21, 32],
    ]);
    expect(b.div(a).toArray()).toEqual([
      [5, 3],
      [7 / 3, 2],
    ]);
    expect(a.pow(2).toArray()).toEqual([
      [1, 4],
      [9, 16],
    ]);
    expect(a.add(tensor([10, 20], { dtype: 'float64' })).toArray()).toEqual([
      [11, 22],
      [13, 24],
    ]);
    expect(a.maximum(2.5).toArray()).toEqual([
      [2.5, 2.5],
      [3, 4],
    ]);
    expect(a.minimum(b.sub(4)).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  test('unary functions match Math', () => {
    const x = tensor([-1.5, 0, 0.5, 2], { dtype: 'float64' });
    close(x.exp().toArray(), [-1.5, 0, 0.5, 2].map(Math.exp), 12);
    close(x.tanh().toArray(), [-1.5, 0, 0.5, 2].map(Math.tanh), 12);
    close(
      x.sigmoid().toArray(),
      [-1.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v))),
      12,
    );
    expect(x.relu().toArray()).toEqual([0, 0, 0.5, 2]);
    expect(x.abs().toArray()).toEqual([1.5, 0, 0.5, 2]);
    expect(x.neg().toArray()).toEqual([1.5, -0, -0.5, -2]);
    expect(x.square().toArray()).toEqual([2.25, 0, 0.25, 4]);
    expect(x.sign().toArray()).toEqual([-1, 0, 1, 1]);
    expect(x.floor().toArray()).toEqual([-2, 0, 0, 2]);
    close(tensor([4, 9]).sqrt().toArray(), [2, 3]);
    close(tensor([1, Math.E]).log().toArray(), [0, 1]);
  });

  test('comparisons give bool tensors', () => {
    const c = a.gt(2);
    expect(c.dtype).toBe('bool');
    expect(c.toArray()).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(a.eq(b.sub(4)).toArray()).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(a.le(2).logicalNot().toArray()).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  test('matmul against a hand-computed product', () => {
    expect(a.matmul(b).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(a.matmul(tensor([1, 1], { dtype: 'float64' })).toArray()).toEqual([3, 7]);
  });

  test('reductions over all elements and along a dimension', () => {
    expect(a.sum().item()).toBe(10);
    expect(a.sum(0).toArray()).toEqual([4, 6]);
    expect(a.sum(1, true).toArray()).toEqual([[3], [7]]);
    expect(a.mean().item()).toBe(2.5);
    expect(a.max().item()).toBe(4);
    // along a dim, as PyTorch: the values and where they are
    expect(a.max(1).values.toArray()).toEqual([2, 4]);
    expect(a.max(1).indices.toArray()).toEqual([1, 1]);
    expect(a.min(0).values.toArray()).toEqual([1, 2]);
    expect(a.min(0, true).indices.shape).toEqual([1, 2]);
    // over a list of dims
    expect(a.sum([0, 1]).item()).toBe(10);
    expect(a.sum([-1], true).toArray()).toEqual([[3], [7]]);
    expect(a.mean([0, 1]).item()).toBe(2.5);
    expect(a.var([0, 1]).item()).toBeCloseTo(5 / 3, 12);
    expect(() => a.sum([0, 0])).toThrow('sum: dims [0, 0] repeat a dimension');
    // prod over dims, one after the other (LibTorch's prod takes one): 2×3×2 values 1..12
    const c = arange(1, 13).view(2, 3, 2);
    expect(c.prod([0, 2]).toArray()).toEqual([1 * 2 * 7 * 8, 3 * 4 * 9 * 10, 5 * 6 * 11 * 12]);
    expect(c.prod([2, -3], true).shape).toEqual([1, 3, 1]);
    expect(c.prod([1]).toArray()).toEqual(c.prod(1).toArray());
    expect(() => c.prod([1, -2])).toThrow('prod: dims [1, -2] repeat a dimension');
    expect(() => a.sum([2])).toThrow(/Expected an integer in \[-2, 1\] for sum\(dim\[0\]\) but received 2/);
    expect(() => a.max(2)).toThrow(/max\(dim\)/);
    expect(a.argmax().item()).toBe(3);
    expect(a.argmax(1).toArray()).toEqual([1, 1]);
    expect(a.prod().item()).toBe(24);
    // unbiased, like Torch7: var([1,2,3,4]) = 5/3
    expect(a.var().item()).toBeCloseTo(5 / 3, 12);
    expect(a.std().item()).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  test('errors name the operation and both shapes', () => {
    // one path for every operator (the op table's): its name, LibTorch's reason, the operands' shapes
    expect(() => a.matmul(tensor([[1, 2, 3]], { dtype: 'float64' }))).toThrow(
      /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x2 and 1x3\) \(shapes \[2, 2\], \[1, 3\]\)$/,
    );
    expect(() => a.add(tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
      /^add: The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton dimension 1 \(shapes \[2, 2\], \[3\]\)$/,
    );
    expect(() => a.sum(5)).toThrow(/^Expected an integer in \[-2, 1\] for sum\(dim\) but received 5$/);
    expect(() => a.add('x' as never)).toThrow(/^Expected a Tensor or a number for add other but received 'x'$/);
    expect(() => tensor([1, 2], { dtype: 'int64' }).mean()).toThrow(TorchError);
    expect(() => a.item()).toThrow(/item\(\) needs a tensor with exactly one element, got shape \[2, 2\]/);
  });
});
