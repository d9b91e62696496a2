/**
 * Element-wise layers beyond the study, with Torch7's names, argument order and defaults (its
 * nn/*.lua); GELU is PyTorch's (Torch7 had none). Each works on any shape, a single sample or a
 * batch, and matches the PyTorch module of the same kind (test/nn-elementwise.test.ts).
 */
import { checkArity, checkInteger, checkNumber, invalid } from '../validate';
import { Module } from './Module';

/** Torch7's ELU(alpha = 1): x where x > 0, else α(eᕽ − 1). */
export class ELU extends Module {
  constructor(alpha = 1) {
    checkArity(arguments, 1, 'nn.ELU([alpha])');
    super('ELU', [checkNumber(alpha, 'ELU alpha')], { alpha });
  }
}

/** Torch7's LeakyReLU(negval = 1/100): x where x > 0, else negval·x. */
export class LeakyReLU extends Module {
  constructor(negval = 1 / 100) {
    checkArity(arguments, 1, 'nn.LeakyReLU([negval])');
    super('LeakyReLU', [checkNumber(negval, 'LeakyReLU negval')], { negval });
  }
}

/**
 * Torch7's PReLU(nOutputPlane = 0): x where x > 0, else w·x, with w learnt and initialised to 0.25:
 * one w for all when nOutputPlane is 0, else one per plane. Planes are dimension 0 of a single
 * sample (a vector or C×H×W) and dimension 1 of a batch, as Torch7 (PyTorch's PReLU takes
 * dimension 1 of any input of two dimensions or more). Its parameter is `weight`.
 */
export class PReLU extends Module {
  constructor(nOutputPlane = 0) {
    checkArity(arguments, 1, 'nn.PReLU([nOutputPlane])');
    super('PReLU', [checkInteger(nOutputPlane, 'PReLU nOutputPlane', 0)], { nOutputPlane });
  }
}

/** Torch7's SoftPlus(beta = 1, threshold = 20): log(1 + e^{βx}) / β, and x where βx > threshold. */
export class SoftPlus extends Module {
  constructor(beta = 1, threshold = 20) {
    checkArity(arguments, 2, 'nn.SoftPlus([beta, threshold])');
    if (checkNumber(beta, 'SoftPlus beta') === 0) invalid('a non-zero number', 'SoftPlus beta', beta);
    super('SoftPlus', [beta, checkNumber(threshold, 'SoftPlus threshold')], { beta, threshold });
  }
}

/** Torch7's HardTanh(min = −1, max = 1): x clipped to [min, max]. */
export class HardTanh extends Module {
  constructor(min = -1, max = 1) {
    checkArity(arguments, 2, 'nn.HardTanh([min, max])');
    checkNumber(min, 'HardTanh min');
    checkNumber(max, `HardTanh max (at least min, ${min})`, { min });
    super('HardTanh', [min, max], { min, max });
  }
}

/** PyTorch's GELU: x·Φ(x), Φ the standard normal distribution function (the exact form, with erf). */
export class GELU extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.GELU()');
    super('GELU', []);
  }
}

/** Torch7's Abs: |x|. */
export class Abs extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.Abs()');
    super('Abs', []);
  }
}

/** Torch7's Square: x². */
export class Square extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.Square()');
    super('Square', []);
  }
}

/** Torch7's Sqrt(b = 0): √(x + b). */
export class Sqrt extends Module {
  constructor(b = 0) {
    checkArity(arguments, 1, 'nn.Sqrt([b])');
    super('Sqrt', [checkNumber(b, 'Sqrt b', { min: 0 })], { eps: b });
  }
}

/** Torch7's Power(p): xᵖ. */
export class Power extends Module {
  constructor(p: number) {
    checkArity(arguments, 1, 'nn.Power(p)');
    super('Power', [checkNumber(p, 'Power p')], { power: p });
  }
}

/** Torch7's MulConstant(scalar): scalar·x. */
export class MulConstant extends Module {
  constructor(scalar: number) {
    checkArity(arguments, 1, 'nn.MulConstant(scalar)');
    super('MulConstant', [checkNumber(scalar, 'MulConstant scalar')], { scalar });
  }
}

/** Torch7's AddConstant(scalar): x + scalar. */
export class AddConstant extends Module {
  constructor(scalar: number) {
    checkArity(arguments, 1, 'nn.AddConstant(scalar)');
    super('AddConstant', [checkNumber(scalar, 'AddConstant scalar')], { scalar });
  }
}

/** Torch7's Identity: its input, unchanged (a placeholder, and the shortcut of a residual block). */
export class Identity extends Module {
  constructor() {
    checkArity(arguments, 0, 'nn.Identity()');
    super('Identity', []);
  }
}
