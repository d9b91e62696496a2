/**
 * gradcheck: compares a backward pass with central finite differences in float64, as torch/nn's
 * Jacobian tests do, for a module (its input and every parameter), a criterion (its input) or a
 * function built from tensor operations (through autograd).
 */
import { tensor } from '../creation';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { native } from '../native';
import { Tensor, checkTensor } from '../tensor';
import { checkKeys, checkNumber, invalid } from '../validate';
import { Criterion } from './criteria';
import { Module } from './Module';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** The gradient flowing into the output (default: fixed pseudo-random values in [−1, 1]). */
  gradOutput?: Tensor;
  /** Target, required for a criterion. */
  target?: Tensor | number;
  /** Reseeds the generator before every forward, so stochastic modules (Dropout) repeat their draws. */
  seed?: number;
}

export interface GradcheckResult {
  /** max |analytic − numerical| over the input's gradient. */
  input: number;
  /** The same for each parameter tensor, in parameters() order. */
  params: number[];
  /** The largest of all errors. */
  maxError: number;
  /** The largest |analytic gradient| seen, for scale. */
  scale: number;
}

function pseudoRandom(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float64Array.from({ length: n }, (_, i) => Math.sin(12.9898 * (i + 1)) * 0.999);
  return tensor(values, { dtype: 'float64' })
    .view(shape.length ? shape : [1])
    .reshape(shape);
}

/**
 * Checks a module's, a criterion's or a function's gradients. Modules and inputs must be float64
 * (call double()).
 *
 * @example expect(nn.gradcheck(new nn.Tanh(), randn([5], { dtype: 'float64' })).maxError).toBeLessThan(1e-7)
 */
export function gradcheck(
  subject: Module | Criterion | ((x: Tensor) => Tensor),
  input: Tensor,
  options: GradcheckOptions = {},
): GradcheckResult {
  checkKeys(options, ['eps', 'gradOutput', 'target', 'seed'], 'gradcheck');
  const eps = checkNumber(options.eps ?? 1e-6, 'gradcheck eps', { min: Number.MIN_VALUE });
  checkTensor(input, 'gradcheck input');
  if (input.dtype !== 'float64')
    throw new TorchError(`gradcheck needs a float64 input (got ${input.dtype}); call double() first`, { code: 'DTYPE_MISMATCH' });
  if (subject instanceof Module) {
    if (subject.dtype !== 'float64')
      throw new TorchError(`gradcheck needs float64 parameters (got ${subject.dtype}); call double() first`, { code: 'DTYPE_MISMATCH' });
    const out = subject.forward(input);
    const gradOutput = options.gradOutput ?? pseudoRandom(out.shape);
    const r = native().gradcheckModule(
      subject.handle,
      input.handle,
      checkTensor(gradOutput, 'gradOutput').handle,
      eps,
      options.seed ?? null,
    );
    return summarise(r.input, r.params);
  }
  if (subject instanceof Criterion) {
    if (options.target === undefined) throw new TorchError('gradcheck of a criterion needs options.target');
    const target =
      typeof options.target === 'number' ? tensor([options.target], { dtype: 'int64' }) : checkTensor(options.target, 'target');
    return summarise(native().gradcheckCriterion(subject.handle, input.handle, target.handle, eps).input, []);
  }
  if (typeof subject !== 'function') invalid('an nn module, a criterion or a function', 'gradcheck subject', subject);
  return summarise(checkFunction(subject, input, eps, options.gradOutput), []);
}

interface Check {
  maxError: number;
  maxAnalytic: number;
}

function summarise(input: Check, params: Check[]): GradcheckResult {
  const all = [input, ...params];
  return {
    input: input.maxError,
    params: params.map((p) => p.maxError),
    maxError: Math.max(...all.map((c) => c.maxError)),
    scale: Math.max(...all.map((c) => c.maxAnalytic)),
  };
}

function checkFunction(fn: (x: Tensor) => Tensor, input: Tensor, eps: number, gradOutputOption?: Tensor): Check {
  const x = input.detach().clone();
  x.requiresGrad = true;
  const out = checkTensor(fn(x), 'the result of the gradcheck function');
  const gradOutput = gradOutputOption ?? pseudoRandom(out.shape);
  out.backward(gradOutput);
  // the one finite-difference loop (native/nn_gradcheck.cc) perturbs `probe` in place
  const probe = input.detach().clone().contiguous();
  return native().gradcheckCompare(probe.handle, x.grad!.handle, eps, () => tidy(() => fn(probe).mul(gradOutput).sum().item() as number));
}
