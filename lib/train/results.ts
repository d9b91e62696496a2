/**
 * What a pass reports, by task: a confusion matrix and accuracy for classification; MAE and RMSE
 * for regression. Built from the native pass's counts.
 */
import type { PassProfile } from './profile';
import { NativePassResult } from '../native';
import { Tensor } from '../tensor';
import { ConfusionMatrix } from './ConfusionMatrix';

/** What the Trainer learns: class indices (confusion matrix, accuracy) or real values (MAE, RMSE). */
export type Task = 'classification' | 'regression';

interface PassFigures {
  /** Mean loss per sample (Torch7's sizeAverage loss, averaged over the minibatches' samples). */
  loss: number;
  samples: number;
  /** Optimizer steps taken (training passes). */
  steps: number;
  seconds: number;
  /** Milliseconds per sample (Torch7's "time to learn 1 sample"). */
  msPerSample: number;
  /** Training passes: each step's loss (its minibatch's mean loss, before the step). */
  stepLosses?: number[];
  /** Training passes: each step's learning rate (schedule included), for optimizers that have one. */
  stepLearningRates?: number[];
  /** Training passes with precision 'fp16': steps skipped because the scaled gradients overflowed. */
  skippedSteps?: number;
  /** With the pass option `profile`: where the pass's time went, per LibTorch operator. */
  profile?: PassProfile;
}

export interface ClassificationResult extends PassFigures {
  task: 'classification';
  confusion: ConfusionMatrix;
  /** Global accuracy (Torch7's totalValid), 0..1. */
  accuracy: number;
}

export interface RegressionResult extends PassFigures {
  task: 'regression';
  /** Mean absolute error over every target value. */
  mae: number;
  /** Root mean squared error over every target value. */
  rmse: number;
}

export type PassResult = ClassificationResult | RegressionResult;
export type PassResultOf<T extends Task> = T extends 'regression' ? RegressionResult : ClassificationResult;

/** What a native pass counted, read into numbers: chunks of a streamed pass add up. */
export interface PassCounts {
  /** Σ loss × samples (the mean loss times the samples it covers). */
  lossSum: number;
  samples: number;
  steps: number;
  seconds: number;
  /** Classification: classes×classes counts (rows: targets, columns: predictions). */
  confusion?: number[][];
  /** Regression: Σ|error|, Σerror², element count. */
  errors?: number[];
  /** Each step's loss and learning-rate factor, in order. */
  stepLosses: number[];
  stepRates: number[];
  /** precision 'fp16': steps skipped for overflow. */
  skippedSteps?: number;
}

/** Reads a native pass's result into numbers, freeing its tensors. */
export function readCounts(r: NativePassResult): PassCounts {
  const counts: PassCounts = {
    lossSum: r.loss * r.samples,
    samples: r.samples,
    steps: r.steps,
    seconds: r.seconds,
    stepLosses: Array.from(r.stepLosses),
    stepRates: Array.from(r.stepRates),
  };
  if (r.skippedSteps !== undefined) counts.skippedSteps = r.skippedSteps;
  for (const key of ['confusion', 'errors'] as const) {
    if (!r[key]) continue;
    const t = new Tensor(r[key]!);
    (counts as unknown as Record<string, unknown>)[key] = t.toArray();
    t.dispose();
  }
  return counts;
}

/** The sum of two passes' counts (a streamed pass's chunks). */
export function addCounts(a: PassCounts, b: PassCounts): PassCounts {
  const sum: PassCounts = {
    lossSum: a.lossSum + b.lossSum,
    samples: a.samples + b.samples,
    steps: a.steps + b.steps,
    seconds: a.seconds + b.seconds,
    stepLosses: [...a.stepLosses, ...b.stepLosses],
    stepRates: [...a.stepRates, ...b.stepRates],
  };
  const confusion =
    a.confusion && b.confusion ? a.confusion.map((row, i) => row.map((v, j) => v + b.confusion![i][j])) : (a.confusion ?? b.confusion);
  if (a.skippedSteps !== undefined || b.skippedSteps !== undefined) sum.skippedSteps = (a.skippedSteps ?? 0) + (b.skippedSteps ?? 0);
  const errors = a.errors && b.errors ? a.errors.map((v, i) => v + b.errors![i]) : (a.errors ?? b.errors);
  if (confusion) sum.confusion = confusion;
  if (errors) sum.errors = errors;
  return sum;
}

/** Turns pass counts into a result. */
export function passResult(c: PassCounts, task: Task, classNames: string[], classes: number): PassResult {
  const figures: PassFigures = {
    loss: c.lossSum / Math.max(1, c.samples),
    samples: c.samples,
    steps: c.steps,
    seconds: c.seconds,
    msPerSample: (1000 * c.seconds) / Math.max(1, c.samples),
  };
  if (c.steps > 0) figures.stepLosses = c.stepLosses;
  if (c.skippedSteps !== undefined) figures.skippedSteps = c.skippedSteps;
  if (task === 'regression') {
    // a pass aborted before its first chunk counted nothing
    const [absolute, squared, count] = c.errors ?? [0, 0, 0];
    return { task, ...figures, mae: absolute / Math.max(1, count), rmse: Math.sqrt(squared / Math.max(1, count)) };
  }
  const confusion = new ConfusionMatrix(classNames.length > 0 ? classNames : classes);
  if (c.confusion) confusion.addCounts(c.confusion);
  return { task, ...figures, confusion, accuracy: confusion.totalValid };
}
