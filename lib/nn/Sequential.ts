import { Tensor } from '../tensor';
import { Value } from './Module';
import { AnyModule, Container } from './Container';
import type { SummaryRow } from './summary';

/**
 * A chain of modules; forward and backward run the whole chain natively in LibTorch.
 *
 * @example const net = new nn.Sequential().add(new nn.Linear(4, 8)).add(new nn.Tanh()).add(new nn.Linear(8, 2));
 */
export class Sequential<Out extends Value = Tensor, In extends Value = Tensor> extends Container<Out, In> {
  /** `new nn.Sequential(a, b, c)` adds the modules in order, as PyTorch's; Torch7's form adds them with add(). */
  constructor(...modules: AnyModule[]) {
    super('Sequential', [], {}, modules);
  }

  /** @internal Its own row, then its modules' rows, each fed the previous output. */
  override describe(input: Value, depth: number): [SummaryRow[], Value] {
    const rows: SummaryRow[] = [];
    let x = input;
    for (const m of this.modules) {
      const [inner, output] = m.describe(x, depth + 1);
      rows.push(...inner);
      x = output;
    }
    return this.containerRows(depth, x, rows);
  }
}
