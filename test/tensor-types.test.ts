// Typings that need no casts: item(), data() and toArray() are typed by the tensor's dtype where it
// is known (factories with a dtype, to()/float()/double(), reductions, comparisons, argmax…). The
// lines marked @ts-expect-error must NOT compile: ts-jest type-checks this file, so a typing that
// loosens or breaks fails the run.
import { arange, nn, ones, rand, randn, randperm, tensor, Tensor, zeros } from '../lib';
import type { DType, FloatDType, NumericDType } from '../lib';

describe('typed by dtype', () => {
  test('item() is a number for numeric tensors and a boolean for bool tensors', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    const total: number = x.sum().item();
    const mean: number = x.mean().item();
    const largest: number = x.max().item();
    const argmax: number = x.argmax().item();
    const anyLarge: boolean = x.gt(3).index(1, 1).item();
    expect([total, mean, largest, argmax, anyLarge]).toEqual([10, 2.5, 4, 3, true]);
    // @ts-expect-error a numeric tensor's item() is not a boolean
    const wrong: boolean = x.sum().item();
    expect(typeof wrong).toBe('number');
    const flags = tensor([true, false]);
    const first: boolean = flags.index(0).item();
    expect(first).toBe(true);
  });

  test('data() is the typed array of the dtype; toArray() numbers (int64 included) or booleans', () => {
    const f32: Float32Array = zeros([2]).to('float32').data();
    const f64: Float64Array = ones([2], { dtype: 'float64' }).data();
    const i64: BigInt64Array = randperm(3).data();
    const i32: Int32Array = tensor([1, 2], { dtype: 'int32' }).data();
    const u8: Uint8Array = tensor([true]).data();
    expect([f32, f64, i64, i32, u8].map((a) => a.constructor.name)).toEqual([
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'Int32Array',
      'Uint8Array',
    ]);
    // an indices result reads as numbers, without Number() on every element
    const { indices } = tensor([
      [1, 5],
      [7, 2],
    ]).max(1);
    const where: number[] = indices.toArray() as number[];
    expect(where).toEqual([1, 0]);
    const classes: number = randn([4, 10]).argmax(1).index(0).item();
    expect(Number.isInteger(classes)).toBe(true);
    // @ts-expect-error int64 data is a BigInt64Array, not a Float64Array
    const notFloat: Float64Array = randperm(3).data();
    expect(notFloat.constructor.name).toBe('BigInt64Array');
  });

  test('dtypes follow conversions, factories, shape ops and arithmetic', () => {
    const d: Tensor<'float64'> = rand([2, 3]).double();
    const f: Tensor<'float32'> = d.float();
    const v: Tensor<'float64'> = d.view(3, 2).transpose(0, 1).index(0).clone();
    const sum: Tensor<NumericDType> = arange(5).add(1).mul(2);
    const bools: Tensor<'bool'> = sum.ge(4);
    const r: Tensor<FloatDType> = randn([2]);
    const any: Tensor<DType> = new nn.Linear(2, 2).forward(randn([1, 2], { dtype: 'float64' }));
    expect([d.dtype, f.dtype, v.dtype, bools.dtype, r.dtype]).toEqual(['float64', 'float32', 'float64', 'bool', 'float32']);
    expect(any.shape).toEqual([1, 2]);
    // a tensor of unknown dtype: item() is number | boolean, so a number needs a check
    const unknown: Tensor = any.index(0, 0);
    const value = unknown.item();
    // @ts-expect-error number | boolean is not a number
    const asNumber: number = value;
    expect(typeof asNumber).toBe('number');
  });
});
