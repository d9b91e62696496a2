/**
 * Callbacks of Trainer.fit, as objects (Keras' and Lightning's habit): each may implement any of
 * the hooks and may end training cleanly with trainer.stop(reason), after which fit returns the
 * epochs run so far with `stopped` saying why. EarlyStopping is one.
 */
import { TorchError } from '../errors';
import type { Tensor } from '../tensor';
import { checkBoolean, checkKeys, checkNumber, checkOneOf, invalid } from '../validate';
import type { PlateauMetric } from './schedule';

/** What fit measured after an epoch, by name (the test metrics need a test set). */
export type EpochMetric = PlateauMetric;
export const EPOCH_METRICS: readonly EpochMetric[] = ['testLoss', 'testAccuracy', 'trainLoss', 'trainAccuracy'];

/** The part of a Trainer that callbacks use. */
export interface TrainerControl {
  readonly epoch: number;
  readonly model: { namedState(): [string, Tensor][] };
  /** Ends fit after the current epoch (fit returns normally, its `stopped` giving the reason). */
  stop(reason: string): void;
}

/** The figures of one finished epoch a callback receives. */
export interface EpochEnd {
  epoch: number;
  learningRate: number | null;
  metrics: Partial<Record<EpochMetric, number>>;
}

/** One training step, as a per-batch callback sees it. */
export interface BatchEnd {
  epoch: number;
  /** Steps taken by this Trainer so far, this one included. */
  step: number;
  /** This step's minibatch loss. */
  loss: number;
  /** Samples of the epoch done, and in all. */
  done: number;
  total: number;
}

export interface Callback {
  /** Before the first epoch of a fit. */
  onTrainBegin?(trainer: TrainerControl): void | Promise<void>;
  /**
   * After each training step. The native loop does not wait for it (it runs on the event loop
   * while the next minibatches train); trainer.stop() from here ends the pass at its next batch,
   * and fit returns with that partial epoch last.
   */
  onBatchEnd?(batch: BatchEnd, trainer: TrainerControl): void;
  /** After each epoch (its test pass included). */
  onEpochEnd?(end: EpochEnd, trainer: TrainerControl): void | Promise<void>;
  /** After the last epoch, or after a stop (also when stopped by a callback). */
  onTrainEnd?(trainer: TrainerControl): void | Promise<void>;
}

export function checkCallbacks(callbacks: unknown): Callback[] {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks)) invalid('an array of callback objects', 'Trainer.fit callbacks', callbacks);
  callbacks.forEach((c, i) => {
    if (typeof c !== 'object' || c === null)
      invalid('an object with onTrainBegin, onBatchEnd, onEpochEnd or onTrainEnd methods', `Trainer.fit callbacks[${i}]`, c);
    for (const hook of ['onTrainBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const) {
      const f = (c as Record<string, unknown>)[hook];
      if (f !== undefined && typeof f !== 'function') invalid('a function', `Trainer.fit callbacks[${i}].${hook}`, f);
    }
    if (!['onTrainBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'].some((h) => typeof (c as Record<string, unknown>)[h] === 'function')) {
      throw new TorchError(`Trainer.fit callbacks[${i}] has none of onTrainBegin, onBatchEnd, onEpochEnd, onTrainEnd`);
    }
  });
  return callbacks as Callback[];
}

/** Whether `value` improves on `best` by more than minDelta (accuracies rise, losses fall). */
export function improves(metric: EpochMetric, value: number, best: number | null, minDelta = 0): boolean {
  if (best === null) return true;
  return metric.endsWith('Accuracy') ? value > best + minDelta : value < best - minDelta;
}

export interface EarlyStoppingOptions {
  /** The metric to follow (default 'testLoss'). */
  monitor?: EpochMetric;
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** An improvement smaller than this does not count (default 0). */
  minDelta?: number;
  /** Put back the parameters and buffers of the best epoch when training ends (default false). */
  restoreBest?: boolean;
}

/**
 * Stops training when `monitor` has not improved by more than `minDelta` for `patience` epochs
 * (Keras' EarlyStopping), optionally restoring the best epoch's weights.
 *
 * @example await trainer.fit({ train, test, epochs: 100, callbacks: [new EarlyStopping({ monitor: 'testAccuracy', patience: 5 })] })
 */
export class EarlyStopping implements Callback {
  readonly monitor: EpochMetric;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best: number | null = null;
  bestEpoch = 0;
  #bad = 0;
  #saved: Map<string, Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    checkKeys(options, ['monitor', 'patience', 'minDelta', 'restoreBest'], 'EarlyStopping');
    this.monitor = checkOneOf(options.monitor ?? 'testLoss', EPOCH_METRICS, 'EarlyStopping monitor');
    this.patience = checkNumber(options.patience ?? 3, 'EarlyStopping patience', { min: 0 });
    if (!Number.isInteger(this.patience)) invalid('a whole number of epochs', 'EarlyStopping patience', options.patience);
    this.minDelta = checkNumber(options.minDelta ?? 0, 'EarlyStopping minDelta', { min: 0 });
    this.restoreBest = checkBoolean(options.restoreBest ?? false, 'EarlyStopping restoreBest');
  }

  onTrainBegin(): void {
    this.best = null;
    this.bestEpoch = 0;
    this.#bad = 0;
    this.#release();
  }

  onEpochEnd(end: EpochEnd, trainer: TrainerControl): void {
    const value = end.metrics[this.monitor];
    if (value === undefined)
      throw new TorchError(`EarlyStopping follows ${this.monitor}, which epoch ${end.epoch} did not measure (no test set?)`);
    if (improves(this.monitor, value, this.best, this.minDelta)) {
      [this.best, this.bestEpoch, this.#bad] = [value, end.epoch, 0];
      if (this.restoreBest) {
        this.#release();
        this.#saved = new Map(trainer.model.namedState().map(([name, t]) => [name, keepClone(t)]));
      }
      return;
    }
    this.#bad += 1;
    if (this.#bad > this.patience) {
      trainer.stop(
        `${this.monitor} has not improved by more than ${this.minDelta} for ${this.#bad} epochs (best ${this.best} at epoch ${this.bestEpoch})`,
      );
    }
  }

  onTrainEnd(trainer: TrainerControl): void {
    if (!this.#saved) return;
    for (const [name, t] of trainer.model.namedState()) {
      const saved = this.#saved.get(name);
      if (saved) t.copy(saved);
      t.dispose();
    }
    this.#release();
  }

  #release(): void {
    this.#saved?.forEach((t) => t.dispose());
    this.#saved = null;
  }
}

/** A copy of t that outlives the state's views (disposing the view it came from). */
function keepClone(t: Tensor): Tensor {
  const c = t.clone();
  t.dispose();
  return c;
}
