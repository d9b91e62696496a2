// A module written in TypeScript around one Linear layer, for tests that check a TypeScript module's
// forward (run on the JavaScript thread) behaves as the same layers built natively.
import { nn, Tensor } from '../../lib';

export class LinearInTypeScript extends nn.Module {
  readonly linear: nn.Linear;
  readonly before: (x: Tensor) => Tensor;
  /** forward(x) = linear(before(x)). */
  constructor(inputs: number, outputs: number, before: (x: Tensor) => Tensor = (x) => x) {
    super();
    this.linear = this.register('linear', new nn.Linear(inputs, outputs));
    this.before = before;
  }
  override forward(x: Tensor): Tensor {
    return this.linear.forward(this.before(x));
  }
}
