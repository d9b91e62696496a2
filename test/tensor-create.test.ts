import { NestedArray, Tensor, arange, full, manualSeed, ones, rand, randn, randperm, tensor, zeros, TorchError } from '../lib';

describe('tensor creation', () => {
  test('nested arrays give shape, float32 by default and values back', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.device).toBe('cpu');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(t.data() as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('scalars, booleans and every dtype round-trip', () => {
    expect(tensor(3.5).shape).toEqual([]);
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    const longs = tensor([1, -2], { dtype: 'int64' }).data();
    expect(longs.constructor.name).toBe('BigInt64Array');
    expect(Array.from(longs as BigInt64Array, String)).toEqual(['1', '-2']);
    expect(Array.from(tensor([1, -2], { dtype: 'int32' }).data() as ArrayLike<number>)).toEqual([1, -2]);
    expect(Array.from(tensor([0, 255], { dtype: 'uint8' }).data() as ArrayLike<number>)).toEqual([0, 255]);
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
    expect(tensor([0.1]).item()).toBeCloseTo(0.1, 7);
    expect(tensor([0.1]).item()).not.toBe(0.1); // float32 rounding is real
  });

  test('typed arrays keep their own dtype or convert', () => {
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([7])).dtype).toBe('uint8');
    expect(tensor(new BigInt64Array([5n])).dtype).toBe('int64');
    const c = tensor(new Uint8Array([1, 2, 3]), { dtype: 'float32' });
    expect(c.dtype).toBe('float32');
    expect(c.toArray()).toEqual([1, 2, 3]);
  });

  test('filled tensors and ranges', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3], { dtype: 'int64' }).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7, { dtype: 'float64' }).toArray()).toEqual([7, 7]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int64');
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(1, 2, 0.25).dtype).toBe('float32');
    expect(zeros([0, 3]).shape).toEqual([0, 3]);
  });

  test('manualSeed makes rand/randn reproducible and their statistics are right', () => {
    manualSeed(42);
    const a = rand([1000]).toArray() as number[];
    manualSeed(42);
    const b = rand([1000]).toArray() as number[];
    expect(a).toEqual(b);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    manualSeed(1);
    const n = randn([20000], { dtype: 'float64' });
    expect(n.mean().item()).toBeCloseTo(0, 1);
    expect(n.std().item()).toBeCloseTo(1, 1);
  });

  test('bad values give TorchErrors naming what was expected', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/rectangular nested array/);
    // nesting: each element is read once (reading the first twice per level took 2^depth steps),
    // and more levels than a tensor may have dimensions are refused
    const nested = (depth: number): NestedArray => (depth === 0 ? 7 : [nested(depth - 1)]);
    const deep = tensor(nested(40));
    expect([deep.shape.length, deep.sum().item()]).toEqual([40, 7]);
    expect(() => tensor(nested(100))).toThrow(
      /Expected at most 64 levels of nested arrays for values but values(\[0\]){64} is nested deeper/,
    );
    expect(() => tensor(['a' as unknown as number])).toThrow(
      /Expected a number, boolean or nested array of them for values\[0\] but received 'a'/,
    );
    expect(() => tensor([1.5], { dtype: 'int64' })).toThrow(/Expected integers .* for a int64 tensor but value 0 is 1.5/);
    expect(() => tensor([256], { dtype: 'uint8' })).toThrow(/\[0, 255\]/);
    expect(() => tensor([1], { dtype: 'float8' as never })).toThrow(
      /Expected one of 'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool' for dtype but received 'float8'/,
    );
    expect(() => tensor([1], { device: 'tpu' as never })).toThrow(/Expected 'cpu', 'cuda' or 'cuda:N' for device but received 'tpu'/);
    expect(() => tensor([1], { dtyp: 'float32' } as never)).toThrow(/Unknown option 'dtyp'/);
    expect(() => zeros([2, -1])).toThrow(/Expected an integer >= 0 for shape\[1\] but received -1/);
    expect(() => rand([2], { dtype: 'int64' as never })).toThrow(
      "Expected a floating dtype ('float32', 'float64', 'float16', 'bfloat16') for rand dtype but received 'int64'",
    );
    expect(() => arange(0, 5, 0)).toThrow(/non-zero step/);
    expect(() => tensor(new Int16Array(2) as never)).toThrow(/Expected a Float32Array.* but received a Int16Array/);
    expect(() => manualSeed(-1)).toThrow(TorchError);
  });

  test('randperm: a permutation of 0..n-1, int64 by default, reproducible from the seed', () => {
    manualSeed(5);
    const a = randperm(50).toArray() as number[];
    manualSeed(5);
    const b = randperm(50);
    expect(b.dtype).toBe('int64');
    expect(b.toArray()).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(a).not.toEqual([...Array(50).keys()]);
    expect(randperm(0).shape).toEqual([0]);
    expect(randperm(4, { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => randperm(-1)).toThrow(/Expected a non-negative integer for randperm n but received -1/);
    expect(() => randperm(2.5)).toThrow(TorchError);
    expect(() => randperm(3, { dtype: 'bool' as never })).toThrow(/Expected a numeric dtype for randperm dtype/);
  });
});
