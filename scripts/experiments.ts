/**
 * The experiments of the report's section 2.0.4, one entry each, run through the CLI with stated
 * epochs and sizes; results (logs, figures) land in experiments/<name>/ and a markdown table in
 * experiments/RESULTS.md.
 *
 *   node dist/scripts/experiments.js --list
 *   node dist/scripts/experiments.js batch-size momentum   (or --all)
 *
 * Runs resume from experiments/<name>/checkpoint when present, so long runs can span sessions.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readLog, runSeries, writeAccuracyFigure } from '../lib/plot';

interface Run {
  label: string;
  args: string[];
}
interface Experiment {
  name: string;
  report: string;
  epochs: number;
  size: 'small' | 'full';
  runs: Run[];
}

const base = ['-type', 'float', '-quiet'];
const EXPERIMENTS: Experiment[] = [
  {
    name: 'batch-size',
    report: 'batch size 1/32/64/128 with the defaults (report: ≈ 78/60/45% for 32/64/128)',
    epochs: 5,
    size: 'full',
    runs: [1, 32, 64, 128].map((b) => ({ label: `batch ${b}`, args: ['-batchSize', String(b)] })),
  },
  {
    name: 'momentum-lr',
    report: 'momentum and learning rate (report: momentum > 0 variants ≈ 30%)',
    epochs: 5,
    size: 'full',
    runs: [
      { label: 'lr 1e-3', args: [] },
      { label: 'lr 1e-3 momentum 0.9', args: ['-momentum', '0.9'] },
      { label: 'lr 1e-2', args: ['-learningRate', '0.01'] },
      { label: 'lr 1e-2 momentum 0.5', args: ['-learningRate', '0.01', '-momentum', '0.5'] },
    ],
  },
  {
    name: 'sgd-to-lbfgs',
    report: 'SGD switched to L-BFGS after epochs 5/7/15/30 (report: "on par")',
    epochs: 40,
    size: 'full',
    runs: [5, 7, 15, 30].map((e) => ({ label: `switch at ${e}`, args: ['-switchAt', String(e), '-switchTo', 'LBFGS'] })),
  },
  {
    name: 'rotation',
    report: 'rotation σ sweep (report: 0.2 best, 99.57%)',
    epochs: 30,
    size: 'full',
    runs: [0, 0.131, 0.174, 0.2, 0.3, 0.349].map((s) => ({ label: `σ ${s}`, args: ['-rotate', String(s)] })),
  },
  { name: 'noise', report: 'Gaussian noise', epochs: 20, size: 'full', runs: [0.1, 0.3].map((s) => ({ label: `noise ${s}`, args: ['-noise', String(s)] })) },
  { name: 'extra-conv', report: 'extra convolution layer (report log: max 99.51%)', epochs: 20, size: 'full', runs: [{ label: 'extraConv + rotation 0.174', args: ['-extraConv', '-rotate', '0.174'] }] },
  { name: 'dropout', report: 'dropout (report log: max 99.53% at epoch 30)', epochs: 34, size: 'full', runs: [{ label: 'dropout 0.5 + rotation 0.174', args: ['-dropout', '0.5', '-rotate', '0.174'] }] },
  { name: 'asgd', report: 'ASGD (not explored in the report: "exceptions")', epochs: 10, size: 'full', runs: [{ label: 'ASGD', args: ['-optimization', 'ASGD'] }] },
  { name: 'cg', report: 'CG (not explored in the report)', epochs: 5, size: 'full', runs: [{ label: 'CG, batch 128', args: ['-optimization', 'CG', '-batchSize', '128'] }] },
];

async function runExperiment(root: string, e: Experiment): Promise<string[]> {
  const rows: string[] = [];
  const dirs: string[] = [];
  for (const run of e.runs) {
    const dir = path.join(root, e.name, run.label.replace(/[^A-Za-z0-9.]+/g, '-'));
    dirs.push(dir);
    const done = fs.existsSync(path.join(dir, 'test.log')) ? readLog(path.join(dir, 'test.log')).length : 0;
    const checkpoint = path.join(dir, 'checkpoint');
    if (done < e.epochs) {
      const args = ['mnist', '-size', e.size, ...base, ...run.args, '-save', dir, '-epochs', String(e.epochs - done)];
      if (done > 0 && fs.existsSync(checkpoint)) args.push('-resume', checkpoint);
      const started = Date.now();
      const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'lib', 'cli', 'main.js'), ...args], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${e.name} / ${run.label} failed with exit code ${r.status}`);
      fs.appendFileSync(path.join(dir, 'time.txt'), `${e.epochs - done} epochs in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
    const test = readLog(path.join(dir, 'test.log'));
    const best = Math.max(...test);
    rows.push(`| ${e.name} | ${run.label} | ${e.size} | ${test.length} | ${test[test.length - 1].toFixed(2)} | ${best.toFixed(2)} (epoch ${test.indexOf(best) + 1}) |`);
  }
  await writeAccuracyFigure(path.join(root, e.name, 'accuracy'), dirs.flatMap((d) => runSeries(d).filter((s) => s.label.endsWith('(test)'))), e.report);
  return rows;
}

async function main(argv: string[]) {
  const root = path.resolve(process.env.EXPERIMENTS_DIR || 'experiments');
  if (argv.includes('--list') || argv.length === 0) {
    for (const e of EXPERIMENTS) console.log(`${e.name.padEnd(14)} ${e.epochs} epochs, ${e.size}, ${e.runs.length} runs: ${e.report}`);
    return;
  }
  const chosen = argv.includes('--all') ? EXPERIMENTS : EXPERIMENTS.filter((e) => argv.includes(e.name));
  if (chosen.length === 0) throw new Error(`unknown experiment(s) ${argv.join(', ')}; see --list`);
  const rows: string[] = [];
  for (const e of chosen) rows.push(...(await runExperiment(root, e)));
  const table = ['| experiment | run | size | epochs | last test % | best test % |', '| --- | --- | --- | ---: | ---: | ---: |', ...rows].join('\n');
  fs.mkdirSync(root, { recursive: true });
  fs.appendFileSync(path.join(root, 'RESULTS.md'), `\n${table}\n`);
  console.log(table);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
