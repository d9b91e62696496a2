// Comparing nodetorch's values with a reference's (PyTorch's JSON): tensors and tables as JSON,
// flattened to numbers, and the largest absolute difference between two of them.
import { Tensor } from '../../lib';
import type { Value } from '../../lib/nn/Module';

/** A value as JSON: a tensor's nested arrays, a table as { table: [...] } (as the Python scripts write them). */
export const toJson = (v: Value): unknown => (v instanceof Tensor ? v.toArray() : { table: v.map(toJson) });

/** Every number of nested arrays and { table } objects, depth first. */
export const flat = (v: unknown): number[] =>
  Array.isArray(v) ? v.flatMap(flat) : typeof v === 'object' && v !== null ? flat((v as { table: unknown[] }).table) : [v as number];

/** The largest |a − b| over two values of the same size (asserted). */
export function largest(a: unknown, b: unknown): number {
  const [p, q] = [flat(a), flat(b)];
  expect(p.length).toBe(q.length);
  return Math.max(0, ...p.map((v, i) => Math.abs(v - q[i])));
}
