import { checkArity, checkKeys, invalid } from '../validate';
import { Module } from './Module';

/** Elementwise hyperbolic tangent. */
export class Tanh extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.Tanh()');
    super('Tanh', []);
  }
}

/** Elementwise max(0, x) (Torch7's Threshold(0, 0)). */
export class ReLU extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.ReLU()');
    super('ReLU', []);
  }
}

/** Elementwise 1 / (1 + e^−x). */
export class Sigmoid extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.Sigmoid()');
    super('Sigmoid', []);
  }
}

/** x − log Σ exp x over the last dimension of a vector or an N×D batch. */
export class LogSoftMax extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.LogSoftMax()');
    super('LogSoftMax', []);
  }
}

/**
 * Softmax with an inverse temperature β, as in the report's section 1:
 * y_i = e^{−β x_i} / Σ_k e^{−β x_k}, over the last dimension. β defaults to −1, which is the plain
 * softmax e^{x_i} / Σ e^{x_k} (Torch7's nn.SoftMax). Jacobian: ∂y_i/∂x_i = −β y_i (1 − y_i) and
 * ∂y_i/∂x_j = β y_i y_j (i ≠ j); the report's diagonal term lacks the minus sign.
 */
export class SoftMax extends Module {
  readonly beta: number;
  constructor(options: { beta?: number } = {}) {
    checkArity(arguments, 1, 'nn.SoftMax([{ beta }])');
    checkKeys(options, ['beta'], 'SoftMax');
    const beta = options.beta ?? -1;
    if (typeof beta !== 'number' || !Number.isFinite(beta)) invalid('a finite number', 'SoftMax beta', beta);
    super('SoftMax', [{ beta }], { beta });
    this.beta = beta;
  }
}

/**
 * Torch7's Dropout (v2): in training mode each element is zeroed with probability p and the rest
 * scaled by 1/(1 − p); in evaluate mode it is the identity.
 */
export class Dropout extends Module {
  constructor(p = 0.5) {
    checkArity(arguments, 1, 'nn.Dropout([p])');
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) invalid('a probability in [0, 1)', 'Dropout p', p);
    super('Dropout', [p], { p });
  }
}
