/**
 * `nodetorch plot DIR… [-output figure] [-title TEXT]`: the report's figures, overlaying the
 * train/test accuracy of several results folders.
 */
import { parseArgs } from 'util';
import { TorchError } from '../errors';
import { runSeries, writeAccuracyFigure } from '../plot';
import { normaliseArgs } from './options';

export async function runPlot(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: normaliseArgs(argv), options: { output: { type: 'string' }, title: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new TorchError(`${(e as Error).message.replace(/'--/g, "'-").split('\n')[0]}. Usage: nodetorch plot DIR… [-output figure] [-title TEXT]`);
  }
  if (parsed.positionals.length === 0) throw new TorchError('plot needs at least one results folder (holding train.log / test.log)');
  const series = parsed.positionals.flatMap((dir) => runSeries(dir));
  const files = await writeAccuracyFigure(parsed.values.output ?? 'accuracy', series, parsed.values.title ?? 'Accuracy per epoch');
  console.log(`==> wrote ${files.svg} and ${files.png}`);
}
