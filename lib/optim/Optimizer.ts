/**
 * The object form of the optimizers, for PyTorch's loop beside Torch7's closure form:
 *
 * ```ts
 * const optimizer = new optim.Optimizer(model, { method: 'adam', config: { learningRate: 1e-3 } });
 * optimizer.zeroGrad();
 * criterion.loss(model.forward(x), y).backward();
 * optimizer.step();
 * ```
 *
 * It runs the same native method as optim.adam(...) and the Trainer, over the model's flat
 * parameter vector (model.getParameters(), which every parameter then views). Methods that evaluate
 * the function several times per step (lbfgs, cg) need the closure: `step(() => { zeroGrad();
 * const loss = …; loss.backward(); return loss; })`, as PyTorch's LBFGS.
 */
import { TorchError } from '../errors';
import { keep } from '../memory';
import type { Module, Value } from '../nn/Module';
import { Tensor } from '../tensor';
import { checkArity, checkKeys, invalid } from '../validate';
import { MethodState, asgd, adadelta, adagrad, adam, adamax, adamw, cg, lbfgs, nag, rmsprop, rprop, sgd } from './closure';
import { OptimConfigs, OptimMethodName, checkMethod, completeConfig } from './configs';

const METHODS = { sgd, lbfgs, asgd, cg, adagrad, adadelta, adam, adamax, adamw, rmsprop, rprop, nag };
/** How many times `method` evaluates the function per step, where it may be more than once. */
function evaluationsPerStep(method: OptimMethodName, config: Record<string, unknown>): string | undefined {
  if (method === 'lbfgs' || method === 'cg') return 'several times';
  // Torch7's rprop evaluates niter times (default 1)
  if (method === 'rprop' && (config.niter as number) > 1) return `${config.niter as number} times (niter)`;
  return undefined;
}

export type OptimizerOptions = { [M in OptimMethodName]: { method: M; config?: OptimConfigs[M] } }[OptimMethodName];

export class Optimizer {
  readonly method: OptimMethodName;
  /** The method's config (learningRate, momentum…); change it between steps as a schedule would. */
  config: Record<string, unknown>;
  /** Torch7's state table: counters and buffers (momentum, moments…), filled by the native method. */
  readonly state: MethodState = {};
  #params: Tensor;
  #grads: Tensor;
  readonly #model: Module<Value, Value>;

  constructor(model: Module<Value, Value>, options: OptimizerOptions) {
    checkArity(arguments, 2, 'new optim.Optimizer(model, { method, config })');
    if (typeof model !== 'object' || model === null || typeof (model as Module<Value, Value>).getParameters !== 'function')
      invalid('an nn module', 'Optimizer model', model);
    if (typeof options !== 'object' || options === null) invalid('{ method, config }', 'Optimizer options', options);
    checkKeys(options, ['method', 'config'], 'Optimizer options');
    this.method = checkMethod(options.method);
    const config = options.config ?? {};
    if (typeof config !== 'object' || config === null || Array.isArray(config)) invalid('a config object', 'Optimizer config', config);
    this.config = { ...config };
    completeConfig(this.method, this.config); // a bad key or value is an error now, not at the first step
    this.#model = model;
    // held for the Optimizer's life: out of any tidy() it is made in
    [this.#params, this.#grads] = model.getParameters().map(keep) as [Tensor, Tensor];
  }

  /** Sets every parameter's gradient to zero (PyTorch's zero_grad, Torch7's zeroGradParameters). */
  zeroGrad(): void {
    this.#model.zeroGradParameters();
  }

  /**
   * One step of the method from the gradients backward() left in the parameters; or, given a
   * closure (which zeroes the gradients, computes the loss, calls backward and returns the loss),
   * as many evaluations as the method needs. Returns the loss the step began from (the closure's),
   * or undefined without a closure.
   */
  step(closure?: () => Tensor | number): number | undefined {
    if (closure !== undefined && typeof closure !== 'function') invalid('a function () => loss', 'Optimizer.step closure', closure);
    const evaluations = closure ? undefined : evaluationsPerStep(this.method, this.config);
    if (evaluations) {
      throw new TorchError(
        `Optimizer.step: ${this.method} evaluates the loss ${evaluations} per step; pass a closure that zeroes the gradients, computes the loss, calls backward() and returns it`,
      );
    }
    // model.to(), setParameters or a getParameters() inside re-pointed the parameters: follow them
    [this.#params, this.#grads] = this.#model.currentFlat(this.#params, this.#grads, 'Optimizer').map(keep) as [Tensor, Tensor];
    let first: number | undefined;
    const feval = (): [number, Tensor] => {
      let loss = 0;
      if (closure) {
        const value = closure();
        loss = value instanceof Tensor ? (value.item() as number) : value;
        if (typeof loss !== 'number') invalid('a loss (a number or a 0-d tensor)', 'the Optimizer.step closure result', value);
        first ??= loss;
      }
      return [loss, this.#grads];
    };
    (METHODS[this.method] as (f: typeof feval, x: Tensor, config: object, state: MethodState) => unknown)(
      feval,
      this.#params,
      this.config,
      this.state,
    );
    return first;
  }
}
