/**
 * What a pass reports, by task: a confusion matrix and accuracy for classification; MAE and RMSE
 * for regression. Built from the native pass's counts.
 */
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

/** Turns the native counts into a result, freeing them. */
export function passResult(r: NativePassResult, task: Task, classNames: string[], classes: number): PassResult {
  const figures: PassFigures = { loss: r.loss, samples: r.samples, steps: r.steps, seconds: r.seconds, msPerSample: (1000 * r.seconds) / Math.max(1, r.samples) };
  if (task === 'regression') {
    const errors = new Tensor(r.errors!);
    const [absolute, squared, count] = errors.toArray() as number[];
    errors.dispose();
    return { task, ...figures, mae: absolute / Math.max(1, count), rmse: Math.sqrt(squared / Math.max(1, count)) };
  }
  const counts = new Tensor(r.confusion!);
  const confusion = new ConfusionMatrix(classNames.length > 0 ? classNames : classes);
  confusion.addCounts(counts.toArray() as number[][]);
  counts.dispose();
  return { task, ...figures, confusion, accuracy: confusion.totalValid };
}
