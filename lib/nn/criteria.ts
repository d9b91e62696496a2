/**
 * Torch7's criteria. Classification targets are 0-based class indices (Torch7 used 1..n): a
 * number or an int64 tensor for one sample, an int64 vector of N for a batch. The element-wise
 * criteria (MSE, Abs, SmoothL1, BCE) take real targets with as many elements as the input; MSE
 * also takes class indices (Torch7's ±1 encoding).
 */
import { tensor } from '../creation';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { NativeCriterion, NativeTensor, native } from '../native';
import { Value, fromNative, nativeValue } from './Module';
import { Tensor, checkTensor } from '../tensor';
import { checkBoolean, checkInteger, checkNumber, checkKeys, invalid, checkArity } from '../validate';

export abstract class Criterion {
  /** @internal */
  readonly handle: NativeCriterion;
  /** The last loss computed by forward(). */
  output = 0;
  /** Whether a number target is a real value (element-wise criteria) rather than a class index. */
  protected readonly realTargets: boolean = false;
  /** Whether targets are class indices only: a floating target tensor must then hold whole numbers. */
  protected readonly classTargets: boolean = false;

  /** `options` name the constructor's values for the native criterion, validated and complete. */
  protected constructor(
    readonly type: string,
    options: Record<string, number | boolean | number[]> = {},
  ) {
    this.handle = native().criterionCreate(type, options);
  }

  /** The loss (a number). The input is a tensor, or for the pair criteria a table {x1, x2}. */
  forward(input: Value, target: Tensor | number): number {
    const handles = nativeValue(input, 'forward(input)') as NativeTensor;
    return this.#withTarget(target, (t) => {
      this.output = native().criterionForward(this.handle, handles, t.handle);
      return this.output;
    });
  }

  /**
   * The loss as a 0-d tensor on the autograd graph of `input` (PyTorch's `criterion(output,
   * target)`): `criterion.loss(model.forward(x), y).backward()` fills the model's gradients.
   */
  loss(input: Value, target: Tensor | number): Tensor<'float32' | 'float64'> {
    const handles = nativeValue(input, 'loss(input)') as NativeTensor;
    return this.#withTarget(
      target,
      (t) => new Tensor(native().criterionLoss(this.handle, handles, t.handle)) as Tensor<'float32' | 'float64'>,
    );
  }

  /** ∂loss/∂input, shaped like the input (a table for a table). */
  backward(input: Tensor, target: Tensor | number): Tensor;
  backward(input: Value[], target: Tensor | number): Value[];
  backward(input: Value, target: Tensor | number): Value {
    const handles = nativeValue(input, 'backward(input)') as NativeTensor;
    return this.#withTarget(target, (t) => fromNative(native().criterionBackward(this.handle, handles, t.handle)));
  }

  #withTarget<T>(target: Tensor | number, fn: (t: Tensor) => T): T {
    if (typeof target !== 'number') {
      checkTensor(target, 'target');
      if (this.classTargets) checkWholeTargets(this.type, target);
      return fn(target);
    }
    const t = this.realTargets
      ? tensor([checkNumber(target, 'target')], { dtype: 'float64' })
      : tensor([checkInteger(target, 'target class index', 0)], { dtype: 'int64' });
    try {
      return fn(t);
    } finally {
      t.dispose();
    }
  }
}

/**
 * Class indices in a floating tensor (Torch7's targets were often DoubleTensors) are accepted when
 * whole; 1.7 would otherwise be truncated to class 1 by the conversion to int64.
 */
function checkWholeTargets(type: string, target: Tensor): void {
  if (target.dtype !== 'float32' && target.dtype !== 'float64') return;
  tidy(() => {
    const fractional = target.ne(target.floor()); // NaN is never equal to its floor
    const count = fractional.sum().item() as number;
    if (count === 0) return;
    const first = fractional.reshape([-1]).float().argmax().item() as number;
    throw new TorchError(
      `${type}: targets must be whole class indices (0-based) but ${count} are not (target ${first} is ${target
        .reshape([-1])
        .slice(0, first, first + 1)
        .item()})`,
    );
  });
}

/** Negative log-likelihood of log-probabilities: loss = −x[target], averaged over a batch. */
export class ClassNLLCriterion extends Criterion {
  protected override readonly classTargets: boolean = true;
  constructor() {
    checkArity(arguments, 0, 'nn.ClassNLLCriterion()');
    super('ClassNLLCriterion');
  }
}

/** An element-wise criterion: a sum of per-element terms, divided by the element count when sizeAverage (Torch7's default). */
abstract class ElementwiseCriterion extends Criterion {
  readonly sizeAverage: boolean;
  protected override readonly realTargets: boolean = true;
  protected constructor(type: string, sizeAverage: boolean) {
    super(type, { sizeAverage: checkBoolean(sizeAverage, `${type} sizeAverage`) });
    this.sizeAverage = sizeAverage;
  }
}

/**
 * loss = Σ (x − t)², divided by the number of elements when sizeAverage (default true). Class
 * index targets (int64) become Torch7's MNIST encoding for -loss mse: +1 at the class, −1 elsewhere.
 */
export class MSECriterion extends ElementwiseCriterion {
  /** A number target stays a class index here, as before the other element-wise criteria. */
  protected override readonly realTargets: boolean = false;
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.MSECriterion([sizeAverage])');
    super('MSECriterion', sizeAverage);
  }
}

/** Torch7's AbsCriterion (L1): loss = Σ |x − t|, divided by the number of elements when sizeAverage (default true). */
export class AbsCriterion extends ElementwiseCriterion {
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.AbsCriterion([sizeAverage])');
    super('AbsCriterion', sizeAverage);
  }
}

/** Torch7's SmoothL1Criterion (Huber, δ = 1): Σ ½d² where |d| < 1, else |d| − ½; divided by the element count when sizeAverage. */
export class SmoothL1Criterion extends ElementwiseCriterion {
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.SmoothL1Criterion([sizeAverage])');
    super('SmoothL1Criterion', sizeAverage);
  }
}

/**
 * Torch7's BCECriterion: −Σ [t·log(x + ε) + (1 − t)·log(1 − x + ε)], ε = 1e-12, divided by the element
 * count when sizeAverage; inputs are probabilities (end the model with Sigmoid), targets in [0, 1].
 */
export class BCECriterion extends ElementwiseCriterion {
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.BCECriterion([sizeAverage])');
    super('BCECriterion', sizeAverage);
  }
}

export interface MultiMarginOptions {
  /** 1 (default) or 2. */
  p?: number;
  /** Default 1. */
  margin?: number;
  /** Per-class weights, multiplying the loss of samples of that class. */
  weights?: number[];
  /** Average over a batch (default true). */
  sizeAverage?: boolean;
}

/** loss = (1/dim) Σ_{i≠y} w_y · max(0, margin − x[y] + x[i])^p (Torch7's normalisation by dim). */
export class MultiMarginCriterion extends Criterion {
  protected override readonly classTargets: boolean = true;
  constructor(options: MultiMarginOptions = {}) {
    checkArity(arguments, 1, 'nn.MultiMarginCriterion([{ p, margin, weights, sizeAverage }])');
    if (typeof options !== 'object' || options === null) invalid('an options object', 'MultiMarginCriterion', options);
    checkKeys(options, ['p', 'margin', 'weights', 'sizeAverage'], 'MultiMarginCriterion');
    const p = checkInteger(options.p ?? 1, 'MultiMarginCriterion p', 1, 2);
    const margin = checkNumber(options.margin ?? 1, 'MultiMarginCriterion margin');
    const weights = options.weights ?? [];
    if (!Array.isArray(weights)) invalid('an array of numbers', 'MultiMarginCriterion weights', weights);
    weights.forEach((w, i) => checkNumber(w, `MultiMarginCriterion weights[${i}]`));
    super('MultiMarginCriterion', {
      p,
      margin,
      sizeAverage: checkBoolean(options.sizeAverage ?? true, 'MultiMarginCriterion sizeAverage'),
      weights,
    });
  }
}

/**
 * Torch7's CrossEntropyCriterion([weights]): LogSoftMax then ClassNLLCriterion on raw scores, with
 * optional per-class weights (then a weighted mean over the batch, Σ w[t]·loss / Σ w[t]).
 */
export class CrossEntropyCriterion extends Criterion {
  protected override readonly classTargets: boolean = true;
  constructor(weights: number[] = []) {
    checkArity(arguments, 1, 'nn.CrossEntropyCriterion([weights])');
    if (!Array.isArray(weights)) invalid('an array of class weights', 'CrossEntropyCriterion weights', weights);
    weights.forEach((w, i) => checkNumber(w, `CrossEntropyCriterion weights[${i}]`, { min: 0 }));
    super('CrossEntropyCriterion', { weights });
  }
}

/** PyTorch's BCEWithLogitsLoss (Torch7 had none): BCECriterion on sigmoid(x), computed stably from the scores x; targets in [0, 1]. */
export class BCEWithLogitsCriterion extends ElementwiseCriterion {
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.BCEWithLogitsCriterion([sizeAverage])');
    super('BCEWithLogitsCriterion', sizeAverage);
  }
}

/** Torch7's DistKLDivCriterion: Σ t·(log t − x) for log-probabilities x and probabilities t (0 where t is 0), ÷ elements when sizeAverage. */
export class DistKLDivCriterion extends ElementwiseCriterion {
  constructor(sizeAverage = true) {
    checkArity(arguments, 1, 'nn.DistKLDivCriterion([sizeAverage])');
    super('DistKLDivCriterion', sizeAverage);
  }
}

/** Torch7's HingeEmbeddingCriterion(margin = 1): targets ±1; x where t = 1, max(0, margin − x) where t = −1; averaged. */
export class HingeEmbeddingCriterion extends Criterion {
  protected override readonly realTargets: boolean = true;
  constructor(margin = 1) {
    checkArity(arguments, 1, 'nn.HingeEmbeddingCriterion([margin])');
    super('HingeEmbeddingCriterion', { margin: checkNumber(margin, 'HingeEmbeddingCriterion margin'), sizeAverage: true });
  }
}

/** Torch7's MarginRankingCriterion(margin = 0): input {x1, x2}, targets ±1; max(0, −y·(x1 − x2) + margin), averaged. */
export class MarginRankingCriterion extends Criterion {
  protected override readonly realTargets: boolean = true;
  constructor(margin = 0) {
    checkArity(arguments, 1, 'nn.MarginRankingCriterion([margin])');
    super('MarginRankingCriterion', { margin: checkNumber(margin, 'MarginRankingCriterion margin'), sizeAverage: true });
  }
}

/** Torch7's CosineEmbeddingCriterion(margin = 0): input {x1, x2} (rows), targets ±1; 1 − cos where y = 1, max(0, cos − margin) where y = −1; averaged. */
export class CosineEmbeddingCriterion extends Criterion {
  protected override readonly realTargets: boolean = true;
  constructor(margin = 0) {
    checkArity(arguments, 1, 'nn.CosineEmbeddingCriterion([margin])');
    super('CosineEmbeddingCriterion', {
      margin: checkNumber(margin, 'CosineEmbeddingCriterion margin', { min: -1, max: 1 }),
      sizeAverage: true,
    });
  }
}
