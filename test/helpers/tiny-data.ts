// A tiny classification set (12 samples of 4 float64 features, 3 classes) for tests of the
// Trainer's bookkeeping (schedules, weight averages), where the data's meaning does not matter.
import { tensor, Tensor } from '../../lib';

export const values = (t: Tensor) => t.toArray() as number[];

export function tinyClassification(n = 12) {
  const inputs = tensor(
    Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 0.7)),
    { dtype: 'float64' },
  ).view(n, 4);
  const targets = tensor(
    Array.from({ length: n }, (_, i) => i % 3),
    { dtype: 'int64' },
  );
  return { inputs, targets };
}
