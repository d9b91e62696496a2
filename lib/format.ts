/**
 * Printing tensors as PyTorch does: nested brackets aligned, floats with 4 decimals (scientific
 * when magnitudes call for it, `1.` for whole numbers), and beyond 1000 elements only the first and
 * last 3 entries of each dimension around `...`; then the shape, dtype and device.
 */
import type { Tensor } from './tensor';

/** Elements above which a tensor prints summarised (PyTorch's threshold). */
export const PRINT_THRESHOLD = 1000;
const EDGE = 3;

type Nested = number | boolean | string | Nested[];

/** The values to print: all of them, or each dimension's edges with '...' between. */
function values(t: Tensor, summarise: boolean): Nested {
  if (t.ndim === 0) return t.item();
  const size = t.shape[0];
  if (!summarise || size <= 2 * EDGE) {
    if (!summarise) return t.toArray() as Nested;
    return Array.from({ length: size }, (_, i) => withRow(t, i, (row) => values(row, summarise)));
  }
  const head = Array.from({ length: EDGE }, (_, i) => withRow(t, i, (row) => values(row, summarise)));
  const tail = Array.from({ length: EDGE }, (_, i) => withRow(t, size - EDGE + i, (row) => values(row, summarise)));
  return [...head, '...', ...tail];
}

function withRow<T>(t: Tensor, i: number, fn: (row: Tensor) => T): T {
  const row = t.index(i);
  try {
    return fn(row);
  } finally {
    row.dispose();
  }
}

/** One number's text, in the style the whole tensor uses. */
function formatter(numbers: number[], floating: boolean): (v: number) => string {
  if (!floating) return (v) => String(v);
  const finite = numbers.filter(Number.isFinite);
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const largest = Math.max(0, ...magnitudes);
  const smallest = Math.min(Infinity, ...magnitudes);
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (finite.every(Number.isInteger) && largest < 1e8) return (v) => (Number.isFinite(v) ? `${v}.` : special(v));
  if (largest >= 1e8 || smallest < 1e-4 || largest / smallest > 1000)
    return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

/** The tensor's text: `tensor([[1., 2.], [3., 4.]], shape=[2, 2], dtype=float32, device=cpu)`. */
export function formatTensor(t: Tensor): string {
  const summarise = t.numel > PRINT_THRESHOLD;
  const nested = values(t, summarise);
  const leaves = [nested].flat(Infinity as 1) as (number | boolean | string)[];
  const floating = t.dtype === 'float32' || t.dtype === 'float64';
  const format = formatter(
    leaves.filter((v): v is number => typeof v === 'number'),
    floating,
  );
  const text = (v: number | boolean | string) => (typeof v === 'number' ? format(v) : String(v));
  const width = Math.max(0, ...leaves.map((v) => text(v).length));
  const prefix = 'tensor(';
  const render = (v: Nested, depth: number): string => {
    if (!Array.isArray(v)) return text(v).padStart(v === '...' ? 0 : width);
    const inner = v.map((x) => render(x, depth + 1));
    const innermost = v.every((x) => !Array.isArray(x));
    const separator = innermost ? ', ' : `,${'\n'.repeat(Math.max(1, t.ndim - depth - 1))}${' '.repeat(prefix.length + depth + 1)}`;
    return `[${inner.join(separator)}]`;
  };
  const grad = t.requiresGrad ? ', requiresGrad=true' : '';
  return `${prefix}${render(nested, 0)}, shape=[${t.shape.join(', ')}], dtype=${t.dtype}, device=${t.device}${grad})`;
}
