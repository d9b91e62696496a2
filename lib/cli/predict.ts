/**
 * `nodetorch predict`: result.lua from Node. Loads a saved model, predicts the MNIST test set
 * (normalised with the training statistics) and writes predictions.csv as the Kaggle submission
 * of the study: header `Id,Prediction`, ids 1..10000, predictions Torch7's class index 1..10
 * (digit + 1). Prints the accuracy.
 */
import { noGrad } from '../autograd';
import { mnist } from '../data/mnist';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { load } from '../nn/serialize';
import { writeFileAtomic } from '../util/atomic';
import { parseTorch7Args } from './options';
import { progressReporter } from './progress';

export const PREDICT_HELP = `Usage: nodetorch predict -model FILE [-output predictions.csv] [-data DIR] [-quiet]

Writes predictions.csv for the MNIST test set from a saved model, as result.lua: Id,Prediction with
ids 1..10000 and Torch7's class indices 1..10 (digit + 1); prints the accuracy.
  -model    a model file written by training, e.g. results/model.net.1 (required)
  -output   the CSV file to write [predictions.csv]
  -data     folder with the MNIST IDX files (default: MNIST_DIR, cache, download)
  -quiet    no progress bar`;

export interface PredictOptions {
  model: string;
  output: string;
  data?: string;
  quiet?: boolean;
}

export function parsePredictOptions(argv: string[]): PredictOptions {
  const parsed = parseTorch7Args(
    argv,
    { model: { type: 'string' }, output: { type: 'string' }, data: { type: 'string' }, quiet: { type: 'boolean' } },
    "Run 'nodetorch predict -help' for the options.",
  );
  const values = parsed.values as { model?: string; output?: string; data?: string; quiet?: boolean };
  if (!values.model) throw new TorchError('-model FILE is required (a model.net.<epoch> written by training)');
  return {
    model: values.model,
    output: values.output ?? 'predictions.csv',
    ...(values.data ? { data: values.data } : {}),
    quiet: values.quiet === true,
  };
}

export async function runPredict(opt: PredictOptions): Promise<{ accuracy: number }> {
  const model = load(opt.model).evaluate();
  const { test } = await mnist({ dir: opt.data, size: 'full' });
  const progress = progressReporter(opt.quiet === true);
  const predicted: number[] = [];
  try {
    for (let start = 0; start < test.size; start += 500) {
      tidy(() =>
        noGrad(() => {
          const batch = test.inputs
            .index([start, start + 500])
            .to(model.dtype)
            .to(model.device);
          predicted.push(...(model.forward(batch).argmax(1).cpu().toArray() as number[]));
        }),
      );
      progress.update('predict', predicted.length, test.size);
      await new Promise((resolve) => setImmediate(resolve)); // lets the bar draw and Ctrl-C stop the command
    }
  } finally {
    progress.stop();
  }
  const labels = test.targets.toArray() as number[];
  const correct = predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0);
  const lines = ['Id,Prediction', ...predicted.map((p, i) => `${i + 1},${p + 1}`)];
  writeFileAtomic(opt.output, lines.join('\n') + '\n');
  const accuracy = correct / test.size;
  console.log(`==> wrote ${test.size} predictions to ${opt.output} (classes 1..10 = digit + 1, as result.lua)`);
  console.log(`total accuracy is ${accuracy}`);
  return { accuracy };
}
