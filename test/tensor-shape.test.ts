import { arange, cat, tensor } from '../lib';

describe('views, indexing and concatenation', () => {
  const t = arange(12).view(3, 4);

  test('view and reshape, including -1', () => {
    expect(t.shape).toEqual([3, 4]);
    expect(t.view(2, -1).shape).toEqual([2, 6]);
    expect(t.reshape([4, 3]).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ]);
    expect(t.transpose(0, 1).shape).toEqual([4, 3]);
    expect(t.transpose(0, 1).reshape(12).toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(t.permute(1, 0).contiguous().view(-1).toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(t.unsqueeze(0).shape).toEqual([1, 3, 4]);
    expect(t.unsqueeze(0).squeeze().shape).toEqual([3, 4]);
  });

  test('stride() gives the memory steps, as PyTorch', () => {
    const t = arange(24).view(2, 3, 4);
    expect(t.stride()).toEqual([12, 4, 1]);
    expect(t.transpose(0, 2).stride()).toEqual([1, 4, 12]);
    expect(t.stride(-1)).toBe(1);
    expect(() => t.stride(3)).toThrow(/Expected an integer in \[-3, 2\] for stride\(dim\)/);
  });

  test('views share storage with their base', () => {
    const base = tensor([1, 2, 3, 4]);
    const v = base.view(2, 2);
    expect(v.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // a write through the view is seen in the base, and one through the base in the view
    v.index(1).fill(9);
    expect(base.toArray()).toEqual([1, 2, 9, 9]);
    base.index(0).fill(-1);
    expect(v.toArray()).toEqual([
      [-1, 2],
      [9, 9],
    ]);
    // clone is independent
    const copy = base.clone();
    copy.fill(0);
    expect(base.toArray()).toEqual([-1, 2, 9, 9]);
  });

  test('index selects, keeps and slices like Python', () => {
    expect(t.index(1).toArray()).toEqual([4, 5, 6, 7]);
    expect(t.index(-1).toArray()).toEqual([8, 9, 10, 11]);
    expect(t.index(null, 2).toArray()).toEqual([2, 6, 10]);
    expect(t.index([0, 2], [1, 3]).toArray()).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(t.index([0, null, 2]).toArray()).toEqual([
      [0, 1, 2, 3],
      [8, 9, 10, 11],
    ]);
    expect(t.index(null, [-2]).toArray()).toEqual([
      [2, 3],
      [6, 7],
      [10, 11],
    ]);
    expect(t.slice(1, 1, 3).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(t.index(1, 2).item()).toBe(6);
    expect(t.index(null, [null, null, 2]).toArray()).toEqual([
      [0, 2],
      [4, 6],
      [8, 10],
    ]); // null start and end type-check
  });

  test('index by an int64 vector or a bool mask, as PyTorch x[idx] and x[mask]', () => {
    const x = arange(12).view(3, 4);
    expect(x.index(tensor([2, 0], { dtype: 'int64' })).toArray()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
    ]);
    expect(x.index(null, tensor([3, 1], { dtype: 'int32' })).toArray()).toEqual([
      [3, 1],
      [7, 5],
      [11, 9],
    ]);
    // a mask of the whole shape keeps the true entries, flattened
    expect(x.index(x.gt(6)).toArray()).toEqual([7, 8, 9, 10, 11]);
    // a mask of the leading dim keeps rows
    expect(x.index(tensor([true, false, true])).toArray()).toEqual([
      [0, 1, 2, 3],
      [8, 9, 10, 11],
    ]);
    // after a number: row 1, its columns where true
    expect(x.index(1, tensor([false, true, true, false])).toArray()).toEqual([5, 6]);
    expect(() => x.index(tensor([true, false]))).toThrow(
      'index: a bool mask of shape [2] must match dimensions 0.. of the indexed shape [3, 4]',
    );
    expect(() => x.index(tensor([1.5]))).toThrow('index: a tensor index must be int64, int32 or bool, not float32');
    expect(() => x.index(tensor([[0]], { dtype: 'int64' }))).toThrow(
      'index: an integer tensor index must be a vector, not of shape [1, 1]',
    );
    expect(() => x.index(tensor([0], { dtype: 'int64' }), tensor([0], { dtype: 'int64' }))).toThrow('index: one tensor index at most');
    expect(() => x.index(tensor([5], { dtype: 'int64' }))).toThrow('indexSelect: indices range over [5, 5] but dimension 0 has size 3');
  });

  test('cat along each dimension', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4]]);
    expect(cat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(cat([a, b], 1).toArray()).toEqual([[1, 2, 3, 4]]);
  });

  test('dtype conversion', () => {
    const f = tensor([1.7, -1.7]);
    expect(f.to('int64').toArray()).toEqual([1, -1]);
    expect(f.double().dtype).toBe('float64');
    expect(f.to('cpu').device).toBe('cpu');
  });

  test('bad shapes and indices give clear errors', () => {
    expect(() => t.view(5, 5)).toThrow(/^view: cannot view a tensor of shape \[3, 4\] \(12 elements\) as \[5, 5\]/);
    expect(() => t.transpose(0, 1).view(12)).toThrow(/^view: cannot view a tensor of shape \[4, 3\]/);
    expect(() => t.view(-1, -1)).toThrow(/at most one -1/);
    expect(() => t.index(3)).toThrow(/index 3 is out of range for dimension 0 of size 3/);
    expect(() => t.index(0, 0, 0)).toThrow(/3 indices given for a tensor of shape \[3, 4\]/);
    expect(() => t.index([0, 2, 0])).toThrow(/Expected an integer >= 1 for step of index 0 but received 0/);
    expect(() => cat([tensor([1, 2]), tensor([[1]])])).toThrow(/^cat: cannot concatenate shapes \[2\], \[1, 1\] along dim 0/);
    expect(() => cat([])).toThrow(/Expected a non-empty array of Tensors/);
    expect(() => t.to('complex32' as never)).toThrow(
      /Expected a dtype \('float32'.*\) or a device \('cpu', 'cuda', 'cuda:N'\) for to\(target\) but received 'complex32'/,
    );
  });

  test('indexSelect gathers entries by a list of indices, in order, repeats and negatives included', () => {
    expect(t.indexSelect(0, [2, 0, -1]).toArray()).toEqual([
      [8, 9, 10, 11],
      [0, 1, 2, 3],
      [8, 9, 10, 11],
    ]);
    expect(t.indexSelect(1, tensor([3, 0], { dtype: 'int32' })).toArray()).toEqual([
      [3, 0],
      [7, 4],
      [11, 8],
    ]);
    expect(t.indexSelect(-1, [1]).shape).toEqual([3, 1]);
    expect(t.indexSelect(0, []).shape).toEqual([0, 4]);
    const picked = t.indexSelect(0, [0]);
    picked.fill(-1);
    expect(t.index(0, 0).item()).toBe(0); // a copy, not a view
    expect(() => t.indexSelect(0, [3])).toThrow(/^indexSelect: indices range over \[3, 3\] but dimension 0 has size 3/);
    expect(() => t.indexSelect(1, [-5])).toThrow(/indices range over \[-5, -5\] but dimension 1 has size 4/);
    expect(() => t.indexSelect(2, [0])).toThrow(/indexSelect dim/);
    expect(() => t.indexSelect(0, [0.5])).toThrow(/Expected an array of integer indices or an int64 Tensor for indexSelect indices/);
    expect(() => t.indexSelect(0, tensor([0]))).toThrow(/indices must be a vector of int64 or int32 but are float32/);
    expect(() => tensor(1).indexSelect(0, [0])).toThrow(/a 0-dimensional tensor has no dimension/);
  });
});
