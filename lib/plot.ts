/**
 * plot: accuracy-per-epoch figures like the report's, from Torch7 Logger files, drawn with
 * Vega-Lite (SVG) and rendered to PNG with resvg. One run or several runs overlaid.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TorchError } from './errors';
import { makeFolder, writeFileAtomic } from './util/atomic';

/** One curve: a label, one value per epoch (percent), and the set it measures when it is one run's train or test curve. */
export interface Series {
  label: string;
  values: number[];
  split?: 'train' | 'test';
}

/** Reads a Torch7 Logger file (train.log / test.log): the first column's values. */
export function readLog(file: string): number[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TorchError(`Cannot read log '${file}': ${(e as Error).message}`, { code: 'IO' });
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  return lines.slice(1).map((line, i) => {
    const v = Number(line.split('\t')[0]);
    if (!Number.isFinite(v)) throw new TorchError(`Log '${file}' line ${i + 2} is not a number: '${line}'`, { code: 'CORRUPT_FILE' });
    return v;
  });
}

/** The train and test accuracy series of one results folder (label: the folder's name unless given). */
export function runSeries(dir: string, label = path.basename(path.resolve(dir))): Series[] {
  const out: Series[] = [];
  for (const [split, file] of [
    ['train', 'train.log'],
    ['test', 'test.log'],
  ] as const) {
    const f = path.join(dir, file);
    if (fs.existsSync(f)) out.push({ label, split, values: readLog(f) });
  }
  if (out.length === 0) throw new TorchError(`No train.log or test.log in '${dir}'`);
  return out;
}

/** An SVG line chart of accuracy (%) per epoch. */
export async function accuracySvg(series: Series[], title = 'Accuracy per epoch'): Promise<string> {
  // vega and vega-lite load lazily: only plotting needs them
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vega = require('vega');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vl = require('vega-lite');
  const values = series.flatMap((s) => s.values.map((accuracy, i) => ({ epoch: i + 1, accuracy, run: s.label, set: s.split ?? '' })));
  const runs = [...new Set(series.map((s) => s.label))];
  const splits = series.some((s) => s.split);
  // one epoch per run draws no line: say so, and draw the points large enough to read
  const single = series.every((s) => s.values.length <= 1);
  const epochs = Math.max(1, ...series.map((s) => s.values.length));
  const setLegend = { labelLimit: 0, symbolStrokeColor: '#555', symbolFillColor: '#555', symbolStrokeWidth: 1.5, symbolSize: 120 };
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: single ? { text: title, subtitle: 'one epoch per run: points, no lines' } : title,
    width: 560,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: single ? { size: 80, filled: true } : true },
    encoding: {
      // whole epochs only: every epoch up to 20, else Vega's round ticks
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        axis: { format: 'd', ...(epochs <= 20 ? { values: Array.from({ length: epochs }, (_, i) => i + 1) } : { tickMinStep: 1 }) },
      },
      y: { field: 'accuracy', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
      // legend in the order the series were given, not alphabetical ('batch 1, 32, 64, 128'); labels never cut
      color: { field: 'run', type: 'nominal', title: null, sort: runs, legend: { labelLimit: 0 } },
      // a run's train and test curves: one colour, dashed for train, solid for test
      // (the shapes' legend names them: square points and a dashed line for train, round and solid for test)
      ...(splits
        ? {
            strokeDash: { field: 'set', type: 'nominal', sort: ['test', 'train'], legend: null },
            shape: { field: 'set', type: 'nominal', title: null, sort: ['test', 'train'], legend: setLegend },
          }
        : {}),
    },
    config: { font: 'DejaVu Sans' },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg: string = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes `<base>.svg` and `<base>.png` (atomically) and returns their paths. */
export async function writeAccuracyFigure(base: string, series: Series[], title?: string): Promise<{ svg: string; png: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js');
  const svg = await accuracySvg(series, title);
  makeFolder(path.dirname(path.resolve(base)));
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}
