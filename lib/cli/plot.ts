/**
 * `nodetorch plot DIR… [-output figure] [-title TEXT] [-label NAME…]`: the report's figures,
 * overlaying the train/test accuracy of several results folders. Curves are named after the folders,
 * or after the -label options, one per folder in order.
 */
import { TorchError } from '../errors';
import { runSeries, writeAccuracyFigure } from '../plot';
import { parseTorch7Args } from './options';

export const PLOT_HELP = `Usage: nodetorch plot DIR… [-output figure] [-title TEXT] [-label NAME…]

Overlays the accuracy per epoch of results folders (their train.log and test.log) as the report's
figures: one colour per folder, dashed train and solid test curves; writes FIGURE.svg and FIGURE.png.
  -output   the figure's path without extension [accuracy]
  -title    the figure's title [Accuracy per epoch]
  -label    a name for each folder, in order (default: the folders' names)`;

export async function runPlot(argv: string[]): Promise<void> {
  const parsed = parseTorch7Args(
    argv,
    { output: { type: 'string' }, title: { type: 'string' }, label: { type: 'string', multiple: true } },
    "Run 'nodetorch plot -help' for the options.",
    true,
  );
  const values = parsed.values as { output?: string; title?: string; label?: string[] };
  const dirs = parsed.positionals;
  if (dirs.length === 0) throw new TorchError('plot needs at least one results folder (holding train.log / test.log)');
  const labels = values.label ?? [];
  if (labels.length > 0 && labels.length !== dirs.length) {
    throw new TorchError(`plot got ${labels.length} -label for ${dirs.length} folders; give one per folder, in order, or none`);
  }
  const series = dirs.flatMap((dir, i) => runSeries(dir, labels[i]));
  const files = await writeAccuracyFigure(values.output ?? 'accuracy', series, values.title ?? 'Accuracy per epoch');
  console.log(`==> wrote ${files.svg} and ${files.png}`);
}
