/**
 * What Trainer.fit({ tensorboard }) writes: after each epoch its figures as scalars (train/loss,
 * train/accuracy or train/mae and train/rmse, the same for test, learningRate, samplesPerSecond),
 * each step's loss and learning rate (step/loss, step/learningRate, recorded by the native loop)
 * and the confusion matrix as an image; at the end the hyper-parameters with the final metrics.
 */
import { SummaryWriter, confusionImage } from './tensorboard';
import type { PassResult } from './results';

interface Epoch {
  epoch: number;
  learningRate: number | null;
  train: PassResult;
  test?: PassResult;
}

export class EpochBoard {
  readonly writer: SummaryWriter;
  constructor(dir: string) {
    this.writer = new SummaryWriter(dir);
  }

  /** One epoch's figures at its number, and its steps' losses and rates from step stepsBefore + 1. */
  epoch(result: Epoch, stepsBefore: number): void {
    const w = this.writer;
    const step = result.epoch;
    result.train.stepLosses?.forEach((loss, k) => Number.isFinite(loss) && w.addScalar('step/loss', loss, stepsBefore + k + 1));
    result.train.stepLearningRates?.forEach((rate, k) => w.addScalar('step/learningRate', rate, stepsBefore + k + 1));
    for (const [phase, r] of [
      ['train', result.train],
      ['test', result.test],
    ] as const) {
      if (!r) continue;
      w.addScalar(`${phase}/loss`, r.loss, step);
      if (r.task === 'classification') w.addScalar(`${phase}/accuracy`, r.accuracy, step);
      else {
        w.addScalar(`${phase}/mae`, r.mae, step);
        w.addScalar(`${phase}/rmse`, r.rmse, step);
      }
    }
    if (result.learningRate !== null) w.addScalar('learningRate', result.learningRate, step);
    w.addScalar('train/samplesPerSecond', 1000 / result.train.msPerSample, step);
    const shown = result.test ?? result.train;
    if (shown.task === 'classification')
      w.addImage(`${result.test ? 'test' : 'train'}/confusion`, confusionImage(shown.confusion.mat), step);
    w.flush();
  }

  /** The hyper-parameters, and as metrics the scalars logged (their last values are the run's). */
  close(hparams: Record<string, number | string | boolean>, results: Epoch[]): void {
    const last = results[results.length - 1];
    if (last) {
      const metrics: Record<string, null> = { 'train/loss': null };
      if (last.test) metrics['test/loss'] = null;
      if (last.train.task === 'classification') metrics['train/accuracy'] = null;
      if (last.test?.task === 'classification') metrics['test/accuracy'] = null;
      this.writer.addHparams(hparams, metrics);
    }
    this.writer.close();
  }
}
