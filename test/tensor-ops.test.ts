// The op table: each operator's values against hand computations (not against nodetorch), its
// results' forms (named results, lists, booleans), autograd through the dispatcher, errors that
// name the call, and the API reference's list generated from the table (docs/api/tensors.md).
import * as fs from 'fs';
import * as path from 'path';
import {
  FUNCTION_OPS,
  LINALG_OPS,
  TENSOR_OPS,
  Tensor,
  TorchError,
  einsum,
  empty,
  emptyLike,
  eye,
  fullLike,
  linalg,
  linspace,
  logspace,
  manualSeed,
  onesLike,
  randint,
  randLike,
  randnLike,
  stack,
  tensor,
  where,
  zerosLike,
} from '../lib';
import { opsMarkdown } from '../lib/ops/markdown';

const i64 = (v: number[] | number[][]) => tensor(v, { dtype: 'int64' });
const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const close = (t: Tensor, expected: number[] | number[][], digits = 10) =>
  [t.toArray() as number | number[]].flat(3).forEach((v, i) => expect(v).toBeCloseTo([expected].flat(3)[i] as number, digits));

describe('the op table', () => {
  const a = tensor([
    [1, 2],
    [3, 4],
  ]);

  test('indexing: gather, scatter, scatterAdd, maskedFill, maskedSelect, nonzero', () => {
    expect(
      a
        .gather(
          1,
          i64([
            [1, 0],
            [0, 0],
          ]),
        )
        .toArray(),
    ).toEqual([
      [2, 1],
      [3, 3],
    ]);
    expect(
      tensor([0, 0, 0, 0])
        .scatter(0, i64([3, 1]), tensor([5, 6]))
        .toArray(),
    ).toEqual([0, 6, 0, 5]);
    expect(
      tensor([0, 0, 0])
        .scatterAdd(0, i64([1, 1, 2]), tensor([1, 2, 3]))
        .toArray(),
    ).toEqual([0, 3, 3]);
    expect(a.maskedFill(a.gt(2), -1).toArray()).toEqual([
      [1, 2],
      [-1, -1],
    ]);
    expect(a.maskedSelect(a.gt(1)).toArray()).toEqual([2, 3, 4]);
    expect(tensor([0, 5, 0, 7]).nonzero().toArray()).toEqual([[1], [3]]);
  });

  test('shape: t, flatten, flip, roll, expand, repeat, split, chunk, tril, triu, diag', () => {
    expect(a.t().toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(
      tensor([[[1, 2]], [[3, 4]]])
        .flatten()
        .toArray(),
    ).toEqual([1, 2, 3, 4]);
    expect(tensor([[[1, 2]], [[3, 4]]]).flatten(1).shape).toEqual([2, 2]);
    expect(a.flip([0, 1]).toArray()).toEqual([
      [4, 3],
      [2, 1],
    ]);
    expect(tensor([1, 2, 3, 4]).roll([1]).toArray()).toEqual([4, 1, 2, 3]);
    expect(a.roll([1], [1]).toArray()).toEqual([
      [2, 1],
      [4, 3],
    ]);
    expect(
      tensor([[1], [2]])
        .expand([2, 3])
        .toArray(),
    ).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(tensor([1, 2]).repeat([2, 2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(
      tensor([1, 2, 3, 4, 5])
        .split(2)
        .map((p) => p.toArray()),
    ).toEqual([[1, 2], [3, 4], [5]]);
    expect(a.chunk(2, 1).map((p) => p.toArray())).toEqual([
      [[1], [3]],
      [[2], [4]],
    ]);
    expect(a.tril().toArray()).toEqual([
      [1, 0],
      [3, 4],
    ]);
    expect(a.triu(1).toArray()).toEqual([
      [0, 2],
      [0, 0],
    ]);
    expect(tensor([1, 2]).diag().toArray()).toEqual([
      [1, 0],
      [0, 2],
    ]);
    expect(a.diag().toArray()).toEqual([1, 4]);
  });

  test('elementwise: clamp, lerp, atan2, log1p, expm1, rsqrt, reciprocal, log2, log10, trunc, erf, isnan, isfinite', () => {
    expect(a.clamp(2, 3).toArray()).toEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(a.clamp(null, 2).toArray()).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(a.clamp(3).toArray()).toEqual([
      [3, 3],
      [3, 4],
    ]);
    expect(
      tensor([0, 10])
        .lerp(tensor([10, 20]), 0.25)
        .toArray(),
    ).toEqual([2.5, 12.5]);
    close(f64([1, -1]).atan2(f64([-1, -1])), [(3 * Math.PI) / 4, (-3 * Math.PI) / 4]);
    close(f64([1e-10, 1]).log1p(), [Math.log1p(1e-10), Math.log1p(1)], 20);
    close(f64([1e-10]).expm1(), [Math.expm1(1e-10)], 20);
    close(f64([4, 0.25]).rsqrt(), [0.5, 2]);
    close(f64([4, -0.5]).reciprocal(), [0.25, -2]);
    close(f64([8, 0.5]).log2(), [3, -1]);
    close(f64([1000]).log10(), [3]);
    expect(tensor([-1.7, 1.7]).trunc().toArray()).toEqual([-1, 1]);
    close(f64([0, 1]).erf(), [0, 0.8427007929497149], 12);
    expect(tensor([NaN, 1, Infinity]).isnan().toArray()).toEqual([true, false, false]);
    expect(tensor([NaN, 1, -Infinity]).isfinite().toArray()).toEqual([false, true, false]);
  });

  test('reductions and comparisons: cumsum, logsumexp, norm, sort, topk, trace, allclose, equal', () => {
    expect(tensor([1, 2, 3]).cumsum(0).toArray()).toEqual([1, 3, 6]);
    close(
      f64([
        [1000, 1000],
        [0, Math.log(3)],
      ]).logsumexp([1]),
      [1000 + Math.log(2), Math.log(4)],
      10,
    );
    expect(
      f64([
        [0, 0],
        [0, 1],
      ]).logsumexp([0, 1], true).shape,
    ).toEqual([1, 1]);
    close(f64([3, 4]).norm(), [5]);
    close(f64([3, -4]).norm(1), [7]);
    const sorted = tensor([[3, 1, 2]]).sort(1, true);
    expect(Object.keys(sorted)).toEqual(['values', 'indices']);
    expect(sorted.values.toArray()).toEqual([[3, 2, 1]]);
    expect(sorted.indices.toArray()).toEqual([[0, 2, 1]]);
    const top = tensor([5, 1, 9, 7]).topk(2);
    expect([top.values.toArray(), top.indices.toArray()]).toEqual([
      [9, 7],
      [2, 3],
    ]);
    expect(a.trace().item()).toBe(5);
    expect(a.allclose(a.add(1e-9))).toBe(true);
    expect(a.allclose(a.add(1))).toBe(false);
    expect(
      a.equal(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe(true);
  });

  test('products: bmm, outer, dot, einsum', () => {
    const b = tensor([
      [
        [1, 0],
        [0, 2],
      ],
    ]);
    expect(b.bmm(tensor([[[1], [1]]])).toArray()).toEqual([[[1], [2]]]);
    expect(
      tensor([1, 2])
        .outer(tensor([3, 4, 5]))
        .toArray(),
    ).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
    expect(
      tensor([1, 2, 3])
        .dot(tensor([4, 5, 6]))
        .item(),
    ).toBe(32);
    expect(einsum('ij,jk->ik', [a, a]).toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(einsum('ii', [a]).item()).toBe(5);
  });

  test('creation like another tensor, and empty', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int64' },
    );
    expect(zerosLike(x).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(zerosLike(x).dtype).toBe('int64');
    expect(onesLike(x, 'float64').toString()).toContain('dtype=float64');
    expect(onesLike(x, 'float64').toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(fullLike(x, 7).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect([emptyLike(x).shape, emptyLike(x).dtype]).toEqual([[2, 2], 'int64']);
    expect([empty([2, 3]).shape, empty([2, 3]).dtype, empty([4], 'int32').dtype]).toEqual([[2, 3], 'float32', 'int32']);
    manualSeed(3);
    const u = randLike(tensor([0, 0, 0, 0, 0, 0, 0, 0], { dtype: 'float64' })).toArray() as number[];
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(u).size).toBe(8);
    const n = randnLike(tensor(new Array(4000).fill(0))).toArray() as number[];
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean)).toBeLessThan(0.06); // 4000 draws: the mean's s.d. is 0.016
    expect(Math.abs(sd - 1)).toBeLessThan(0.05);
    expect(() => randLike(x)).toThrow("randLike: makes floating values, not int64; pass a dtype: randLike(t, 'float32')");
  });

  test('functions: eye, linspace, logspace, randint, stack, where', () => {
    expect(eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(eye(2, 'int64').dtype).toBe('int64');
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    close(logspace(0, 2, 3, 10, 'float64'), [1, 10, 100]);
    manualSeed(3);
    const r = randint(5, 8, [1000]);
    expect(r.dtype).toBe('int64');
    expect([r.min().item(), r.max().item()]).toEqual([5, 7]);
    manualSeed(3);
    expect(randint(5, 8, [1000]).toArray()).toEqual(r.toArray());
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(where(a.gt(2), a, tensor(0)).toArray()).toEqual([
      [0, 0],
      [3, 4],
    ]);
  });

  test('linalg.lstsq: an overdetermined system, solved as its normal equations would', () => {
    const A = f64([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    // consistent: the exact solution
    close(linalg.lstsq(A, f64([[1], [2], [3]])).solution, [[1], [2]]);
    // inconsistent: (AᵀA)⁻¹Aᵀb = (1/3)·[[2, −1], [−1, 2]]·[5, 6] = [4/3, 7/3]
    const { solution, rank } = linalg.lstsq(A, f64([[1], [2], [4]]));
    close(solution, [[4 / 3], [7 / 3]]);
    expect(rank.item()).toBe(2);
  });

  test('linalg: solve, inv, det, cholesky, qr, svd, eigh, norm (checked by their defining identities)', () => {
    const A = f64([
      [4, 1],
      [1, 3],
    ]);
    close(linalg.solve(A, f64([[1], [2]])), [[1 / 11], [7 / 11]]);
    close(linalg.inv(A), [
      [3 / 11, -1 / 11],
      [-1 / 11, 4 / 11],
    ]);
    expect(linalg.det(A).item()).toBeCloseTo(11, 12);
    const L = linalg.cholesky(A);
    close(L.matmul(L.t()), [
      [4, 1],
      [1, 3],
    ]);
    expect((L.toArray() as number[][])[0][1]).toBe(0);
    const { Q, R } = linalg.qr(A);
    close(Q.matmul(R), [
      [4, 1],
      [1, 3],
    ]);
    close(Q.t().matmul(Q), [
      [1, 0],
      [0, 1],
    ]);
    const { U, S, Vh } = linalg.svd(A);
    close(U.matmul(S.diag()).matmul(Vh), [
      [4, 1],
      [1, 3],
    ]);
    const { eigenvalues } = linalg.eigh(A);
    close(eigenvalues, [(7 - Math.sqrt(5)) / 2, (7 + Math.sqrt(5)) / 2]);
    close(linalg.norm(f64([3, 4])), [5]);
  });

  test('gradients flow through table operators', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    x.cumsum(0).mul(x.log1p()).sum().backward();
    // d/dx_i Σ_j c_j log1p(x_j) with c = cumsum(x): Σ_{j≥i} log1p(x_j) + c_i / (1 + x_i)
    const v = [1, 2, 3];
    const c = [1, 3, 6];
    close(
      x.grad!,
      v.map((_, i) => v.slice(i).reduce((s, xj) => s + Math.log1p(xj), 0) + c[i] / (1 + v[i])),
    );
  });

  test('errors name the call, what was wrong and the shapes', () => {
    expect(() => a.gather(5, i64([[0]]))).toThrow(
      /^gather: Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\) \(shapes \[2, 2\], \[1, 1\]\)/,
    );
    expect(() => a.bmm(a)).toThrow(/^bmm: .*3D.* \(shapes \[2, 2\], \[2, 2\]\)/);
    expect(() => a.gather(1.5 as never, i64([[0]]))).toThrow(/Expected an integer for gather dim but received 1\.5/);
    expect(() => a.gather(1, [0] as never)).toThrow(/Expected a Tensor for gather index/);
    expect(() => (a.gather as (...x: unknown[]) => Tensor)(1)).toThrow(/^gather: its argument 'index' is required/);
    expect(() => (a.flip as (...x: unknown[]) => Tensor)([0], 1)).toThrow(/^flip: takes at most 1 arguments \(dims\) but got 2/);
    expect(() => eye(2, 'float8' as never)).toThrow(/Expected one of 'float32', .* for eye dtype but received 'float8'/);
    expect(() => stack([])).toThrow(/Expected a non-empty array of Tensors for stack tensors/);
    expect(() =>
      linalg.cholesky(
        f64([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(TorchError);
    expect(() =>
      linalg.cholesky(
        f64([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/^linalg\.cholesky: /);
    expect(() => einsum('ij,jk', [a])).toThrow(/^einsum: /);
  });

  test("the list in docs/api/tensors.md is the table's", () => {
    const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'api', 'tensors.md'), 'utf8');
    const section = page.split('<!-- ops-table -->\n')[1]?.split('\n<!-- /ops-table -->')[0];
    expect(section).toBe(opsMarkdown());
    expect(Object.keys(TENSOR_OPS).length + Object.keys(FUNCTION_OPS).length + Object.keys(LINALG_OPS).length).toBe(91);
  });
});
