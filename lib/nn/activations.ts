import { Module } from './Module';

/** Elementwise hyperbolic tangent. */
export class Tanh extends Module {
  constructor() {
    super('Tanh', []);
  }
}

/** Elementwise max(0, x) (Torch7's Threshold(0, 0)). */
export class ReLU extends Module {
  constructor() {
    super('ReLU', []);
  }
}

/** Elementwise 1 / (1 + e^−x). */
export class Sigmoid extends Module {
  constructor() {
    super('Sigmoid', []);
  }
}

/** x − log Σ exp x over the last dimension of a vector or an N×D batch. */
export class LogSoftMax extends Module {
  constructor() {
    super('LogSoftMax', []);
  }
}
