/**
 * The Trainer's weight average (`ema`): an exponential moving average of the flat parameters,
 * updated inside the native loop after every optimizer step as PyTorch's
 * `AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))` (the first update copies the
 * parameters; then average ← average + (1 − decay)·(parameters − average)). Test passes, the models
 * fit saves and `nodetorch predict` on them use the average; training steps the parameters as
 * before. Only the parameters are averaged: running statistics (batch normalisation) stay the
 * model's own.
 */
import { TorchError } from '../errors';
import { keep } from '../memory';
import { NativeTensor } from '../native';
import { Tensor } from '../tensor';
import { invalid } from '../validate';

/** The average's progress, as checkpoints keep it. */
export interface AverageState {
  decay: number;
  /** Optimizer steps averaged so far (PyTorch's n_averaged); 0: the average holds nothing yet. */
  updates: number;
}

/** Reads the Trainer's `ema` option: a decay in (0, 1), or undefined (off). */
export function checkEmaDecay(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0 && value < 1))
    invalid('a decay between 0 and 1 (e.g. 0.999), exclusive', 'Trainer ema', value);
  return value;
}

export class WeightAverage {
  readonly decay: number;
  #average: Tensor | null = null;
  #updates = 0;

  constructor(decay: number) {
    this.decay = decay;
  }

  /** A copy of the average, or null before the first step. */
  copy(): Tensor | null {
    return this.#updates > 0 && this.#average ? this.#average.clone() : null;
  }

  /**
   * The runPass options for a pass over `params` (the Trainer's flat parameters): a training pass
   * updates the average, a test pass evaluates with it once it holds a step. A model moved by to()
   * since takes its average along.
   */
  passOptions(params: Tensor, train: boolean): { average?: NativeTensor; averageDecay?: number; averageUpdates?: number } {
    if (this.#average && this.#average.numel !== params.numel)
      throw new TorchError(`Trainer ema: the average holds ${this.#average.numel} values, the model ${params.numel} parameters`);
    if (this.#average && (this.#average.dtype !== params.dtype || this.#average.device !== params.device)) {
      const moved = keep(params.clone().copy(this.#average)); // copy_ converts
      this.#average.dispose();
      this.#average = moved;
    }
    if (!train) return this.#updates > 0 ? { average: this.#average!.handle } : {};
    this.#average ??= keep(params.clone()); // overwritten by the first update
    return { average: this.#average.handle, averageDecay: this.decay, averageUpdates: this.#updates };
  }

  /** After a training pass: the updates its steps made. */
  afterPass(updates: number | undefined): void {
    if (updates !== undefined) this.#updates = updates;
  }

  /** Runs `fn` with the average copied into `params` (the model evaluates with it), then restores them. */
  whileApplied<R>(params: Tensor, fn: () => R): R {
    if (this.#updates === 0 || !this.#average) return fn();
    const saved = params.clone();
    try {
      params.copy(this.#average);
      return fn();
    } finally {
      params.copy(saved);
      saved.dispose();
    }
  }

  /** For checkpoints: the state and the tensor, or undefined before the first step (nothing to keep). */
  save(): { state: AverageState; tensor: Tensor } | undefined {
    return this.#updates > 0 && this.#average ? { state: { decay: this.decay, updates: this.#updates }, tensor: this.#average } : undefined;
  }

  /** From a checkpoint: the saved average (validated by the caller) and its update count; none starts afresh. */
  restore(saved: { state: AverageState; tensor: Tensor } | undefined, params: Tensor): void {
    this.#average?.dispose();
    this.#average = null;
    this.#updates = 0;
    if (!saved) return;
    this.#average = keep(params.clone().copy(saved.tensor)); // on the model's device, in its dtype (and out of any tidy())
    this.#updates = saved.state.updates;
  }
}
