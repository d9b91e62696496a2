// The closure form of one epoch, as Torch7's 4_train.lua wrote it: for each minibatch in order, a
// feval that forwards and backwards the model and returns its gradient (optionally changed by
// `adjust`, e.g. clipped), handed to optim[method]. Tests compare the native loop with it.
import { Tensor, nn, optim } from '../../lib';
import type { Value } from '../../lib/nn/Module';

export function closureEpoch(
  model: nn.Module<Value, Value>,
  criterion: nn.Criterion,
  data: { inputs: Tensor; targets: Tensor },
  batchSize: number,
  method: string,
  config: object,
  adjust?: (grad: Tensor) => void,
): Tensor | undefined {
  const [params, grads] = model.getParameters();
  const state = {};
  let average: Tensor | undefined;
  const n = data.inputs.shape[0];
  for (let start = 0; start < n; start += batchSize) {
    const x = data.inputs.slice(0, start, Math.min(start + batchSize, n));
    const y = data.targets.slice(0, start, Math.min(start + batchSize, n));
    const feval: optim.Feval = (w) => {
      if (w !== params) params.copy(w);
      grads.zero();
      const out = model.forward(x);
      const f = criterion.forward(out as Tensor, y);
      model.backward(x, criterion.backward(out as Tensor, y));
      adjust?.(grads);
      return [f, grads];
    };
    if (method === 'asgd') average = optim.asgd(feval, params, { ...config }, state)[2];
    else (optim[method as 'sgd'] as (f: optim.Feval, x: Tensor, c: object, s: object) => unknown)(feval, params, { ...config }, state);
  }
  return average;
}
