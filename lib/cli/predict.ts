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

export interface PredictOptions {
  model: string;
  output: string;
  data?: string;
}

export function parsePredictOptions(argv: string[]): PredictOptions {
  const parsed = parseTorch7Args(
    argv,
    { model: { type: 'string' }, output: { type: 'string' }, data: { type: 'string' } },
    'Usage: nodetorch predict -model FILE [-output predictions.csv] [-data DIR]',
  );
  const values = parsed.values as { model?: string; output?: string; data?: string };
  if (!values.model) throw new TorchError('-model FILE is required (a model.net.<epoch> written by training)');
  return { model: values.model, output: values.output ?? 'predictions.csv', ...(values.data ? { data: values.data } : {}) };
}

export async function runPredict(opt: PredictOptions): Promise<{ accuracy: number }> {
  const model = load(opt.model).evaluate();
  const { test } = await mnist({ dir: opt.data, size: 'full' });
  const predicted = tidy(() =>
    noGrad(() => {
      const parts: number[] = [];
      for (let start = 0; start < test.size; start += 500) {
        const batch = test.inputs.index([start, start + 500]).to(model.dtype).to(model.device);
        parts.push(...(model.forward(batch).argmax(1).cpu().toArray() as number[]));
      }
      return parts;
    }),
  );
  const labels = test.targets.toArray() as number[];
  const correct = predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0);
  const lines = ['Id,Prediction', ...predicted.map((p, i) => `${i + 1},${p + 1}`)];
  writeFileAtomic(opt.output, lines.join('\n') + '\n');
  const accuracy = correct / test.size;
  console.log(`==> wrote ${test.size} predictions to ${opt.output} (classes 1..10 = digit + 1, as result.lua)`);
  console.log(`total accuracy is ${accuracy}`);
  return { accuracy };
}
