import { tensor } from '../creation';
import { NativeCriterion, native } from '../native';
import { Tensor, asTensor } from '../tensor';

/**
 * Negative log-likelihood of log-probabilities: loss = −x[target], averaged over a batch
 * (Torch7's sizeAverage). Targets are 0-based class indices (Torch7 used 1..n): a number or
 * int64 tensor for one sample, an int64 vector of N for a batch.
 */
export class ClassNLLCriterion {
  /** @internal */
  readonly handle: NativeCriterion;
  readonly type = 'ClassNLLCriterion';
  /** The last loss computed by forward(). */
  output = 0;

  constructor() {
    this.handle = native().criterionCreate('ClassNLLCriterion', []);
  }

  /** The loss (a number). */
  forward(input: Tensor, target: Tensor | number): number {
    const t = targetTensor(target);
    this.output = native().criterionForward(this.handle, asTensor(input, 'forward(input)').handle, t.handle);
    if (typeof target === 'number') t.dispose();
    return this.output;
  }

  /** ∂loss/∂input. */
  backward(input: Tensor, target: Tensor | number): Tensor {
    const t = targetTensor(target);
    const g = new Tensor(native().criterionBackward(this.handle, asTensor(input, 'backward(input)').handle, t.handle));
    if (typeof target === 'number') t.dispose();
    return g;
  }
}

function targetTensor(target: Tensor | number): Tensor {
  if (typeof target === 'number') return tensor([target], { dtype: 'int64' });
  return asTensor(target, 'target');
}

/** Every criterion nodetorch has. */
export type Criterion = ClassNLLCriterion;
