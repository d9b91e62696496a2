/**
 * The experiments of the report's section 2.0.4, run through the CLI (`nodetorch mnist`), with
 * stated epochs and sizes. Two profiles:
 *   cpu     size small (6000 train / 1000 test), 10–20 epochs: every experiment fits in about two
 *           hours on one CPU core; this is what experiments/cpu/ holds.
 *   report  size full, the report's epoch counts (switch points 5/7/15/30): for a GPU or many sessions.
 *
 *   npm run experiments -- --list [--profile report]
 *   npm run experiments -- rotation batch-size [--profile cpu] [--threads 1]   (or --all)
 *
 * Each run lives in experiments/<profile>/<experiment>/<run>/ (Torch7 logs, model, checkpoint,
 * time.txt) and resumes from its checkpoint, so long runs can span sessions. After every run the
 * results page experiments/<profile>/RESULTS.md (tables, run times) and each experiment's
 * accuracy.svg/png are rebuilt from all the logs present.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { readLog, runSeries, writeAccuracyFigure } from '../lib/plot';

type Profile = 'cpu' | 'report';
interface Run {
  label: string;
  args: string[];
}
interface Experiment {
  name: string;
  /** What the report found (or that it did not try). */
  report: string;
  epochs: number;
  runs: Run[];
}

const runs = <T>(values: T[], label: (v: T) => string, args: (v: T) => string[]): Run[] =>
  values.map((v) => ({ label: label(v), args: args(v) }));

function experiments(profile: Profile): Experiment[] {
  const cpu = profile === 'cpu';
  return [
    {
      name: 'rotation',
      report: 'rotation σ sweep; the report found σ = 0.2 best (99.57%)',
      epochs: cpu ? 15 : 30,
      runs: runs(
        [0, 0.131, 0.174, 0.2, 0.3, 0.349],
        (s) => `σ ${s}`,
        (s) => ['-rotate', String(s)],
      ),
    },
    {
      name: 'batch-size',
      report: 'batch size 1/32/64/128 at the default learning rate; the report saw ≈ 78/60/45% for 32/64/128',
      epochs: cpu ? 10 : 5,
      runs: runs(
        [1, 32, 64, 128],
        (b) => `batch ${b}`,
        (b) => ['-batchSize', String(b)],
      ),
    },
    {
      name: 'momentum-lr',
      report: 'momentum and learning rate; the report saw ≈ 30% for its momentum > 0 variants',
      epochs: cpu ? 10 : 5,
      runs: [
        { label: 'lr 1e-3', args: [] },
        { label: 'lr 1e-3 momentum 0.9', args: ['-momentum', '0.9'] },
        { label: 'lr 1e-2', args: ['-learningRate', '0.01'] },
        { label: 'lr 1e-2 momentum 0.5', args: ['-learningRate', '0.01', '-momentum', '0.5'] },
      ],
    },
    {
      name: 'noise',
      report: 'additive Gaussian noise (normalised units); compare with rotation σ 0',
      epochs: cpu ? 15 : 20,
      runs: runs(
        [0.1, 0.3],
        (s) => `noise ${s}`,
        (s) => ['-noise', String(s)],
      ),
    },
    {
      name: 'extra-conv',
      report: 'one more convolution stage; the report log shows at best 99.51% (full)',
      epochs: cpu ? 15 : 20,
      runs: [{ label: 'extraConv + rotation 0.174', args: ['-extraConv', '-rotate', '0.174'] }],
    },
    {
      name: 'dropout',
      report: 'dropout before the first Linear; the report log shows at best 99.53% at epoch 30 (full)',
      epochs: cpu ? 15 : 34,
      runs: [{ label: 'dropout 0.5 + rotation 0.174', args: ['-dropout', '0.5', '-rotate', '0.174'] }],
    },
    {
      name: 'asgd',
      report: 'ASGD (the report could not run it)',
      epochs: 10,
      runs: [{ label: 'ASGD', args: ['-optimization', 'ASGD'] }],
    },
    {
      name: 'cg',
      report: 'CG (not explored in the report)',
      epochs: cpu ? 10 : 5,
      runs: [{ label: 'CG, batch 128', args: ['-optimization', 'CG', '-batchSize', '128'] }],
    },
    {
      name: 'sgd-to-lbfgs',
      report: 'SGD switched to L-BFGS after epochs 5/7/15/30; the report: "on par" with SGD (99.2%)',
      epochs: cpu ? 15 : 40,
      runs: runs(
        cpu ? [5, 7, 10] : [5, 7, 15, 30],
        (e) => `switch at ${e}`,
        (e) => ['-switchAt', String(e), '-switchTo', 'LBFGS'],
      ),
    },
  ];
}

/** A run's folder name: 'σ 0.2' → 'sigma-0.2', 'CG, batch 128' → 'CG-batch-128'. */
const slug = (label: string) => label.replace(/σ/g, 'sigma').replace(/[^A-Za-z0-9.]+/g, '-');
const size = (profile: Profile) => (profile === 'cpu' ? 'small' : 'full');

function runOnce(dir: string, profile: Profile, e: Experiment, run: Run, threads: string[]): void {
  const checkpoint = path.join(dir, 'checkpoint');
  const logged = fs.existsSync(path.join(dir, 'test.log')) ? readLog(path.join(dir, 'test.log')).length : 0;
  if (logged >= e.epochs) return;
  // an unfinished run resumes from its checkpoint; without one (checkpoints are not committed) it
  // starts over, and the CLI truncates the logs
  const done = fs.existsSync(checkpoint) ? logged : 0;
  const args = [
    'mnist',
    '-size',
    size(profile),
    '-type',
    'float',
    '-quiet',
    ...threads,
    ...run.args,
    '-save',
    dir,
    '-epochs',
    String(e.epochs - done),
  ];
  if (done > 0) args.push('-resume', checkpoint);
  console.log(`==> ${e.name} / ${run.label}: ${e.epochs - done} epochs, size ${size(profile)}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'lib', 'cli', 'main.js'), ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${e.name} / ${run.label} failed with exit code ${r.status}`);
  fs.appendFileSync(
    path.join(dir, 'time.txt'),
    `${e.epochs - done} epochs in ${((Date.now() - started) / 1000).toFixed(0)} s (${threads.join(' ') || 'default threads'})\n`,
  );
}

/** Total seconds over the time.txt lines of a run ("N epochs in S s"). */
function runSeconds(dir: string): number {
  const file = path.join(dir, 'time.txt');
  if (!fs.existsSync(file)) return 0;
  return [...fs.readFileSync(file, 'utf8').matchAll(/in (\d+) s/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Rebuilds RESULTS.md and every figure from the logs present under root. */
async function writeResults(root: string, profile: Profile): Promise<void> {
  const lines = [
    `# Experiments (profile ${profile}: size ${size(profile)}, -type float, Torch7 defaults otherwise)`,
    '',
    'Made by `npm run experiments`; every number comes from the logs beside it. Test accuracy is on the',
    `${profile === 'cpu' ? '1000' : '10000'} test samples; run time is wall-clock on the machine that ran it.`,
  ];
  for (const e of experiments(profile)) {
    const done = e.runs
      .map((run) => ({ run, dir: path.join(root, e.name, slug(run.label)) }))
      .filter(({ dir }) => fs.existsSync(path.join(dir, 'test.log')));
    if (done.length === 0) continue;
    lines.push('', `## ${e.name}`, '', `${e.report}. ${e.epochs} epochs per run.`, '');
    lines.push(
      '| run | epochs | last test % | best test % (epoch) | last train % | run time |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const { run, dir } of done) {
      const test = readLog(path.join(dir, 'test.log'));
      const train = readLog(path.join(dir, 'train.log'));
      const best = Math.max(...test);
      const minutes = (runSeconds(dir) / 60).toFixed(1);
      lines.push(
        `| ${run.label} | ${test.length} | ${test[test.length - 1].toFixed(2)} | ${best.toFixed(2)} (${test.indexOf(best) + 1}) | ${train[train.length - 1].toFixed(2)} | ${minutes} min |`,
      );
    }
    const curves = done.flatMap(({ run, dir }) =>
      runSeries(dir, run.label)
        .filter((s) => s.split === 'test')
        .map(({ label, values }) => ({ label, values })),
    );
    await writeAccuracyFigure(path.join(root, e.name, 'accuracy'), curves, `${e.name}: test accuracy (size ${size(profile)})`);
    lines.push('', `![${e.name}](${e.name}/accuracy.png)`);
  }
  fs.writeFileSync(path.join(root, 'RESULTS.md.tmp'), `${lines.join('\n')}\n`);
  fs.renameSync(path.join(root, 'RESULTS.md.tmp'), path.join(root, 'RESULTS.md'));
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      list: { type: 'boolean' },
      all: { type: 'boolean' },
      profile: { type: 'string', default: 'cpu' },
      threads: { type: 'string' },
    },
    allowPositionals: true,
  });
  const profile = values.profile as Profile;
  if (profile !== 'cpu' && profile !== 'report') throw new Error(`--profile must be cpu or report, not '${profile}'`);
  const all = experiments(profile);
  if (values.list || (positionals.length === 0 && !values.all)) {
    for (const e of all) console.log(`${e.name.padEnd(14)} ${e.epochs} epochs, ${size(profile)}, ${e.runs.length} runs: ${e.report}`);
    return;
  }
  const unknown = positionals.filter((p) => !all.some((e) => e.name === p));
  if (unknown.length) throw new Error(`unknown experiment(s) ${unknown.join(', ')}; see --list`);
  const root = path.resolve(process.env.EXPERIMENTS_DIR || 'experiments', profile);
  const threads = values.threads ? ['-threads', values.threads] : [];
  for (const e of all.filter((x) => values.all || positionals.includes(x.name))) {
    for (const run of e.runs) {
      runOnce(path.join(root, e.name, slug(run.label)), profile, e, run, threads);
      await writeResults(root, profile);
    }
  }
  console.log(fs.readFileSync(path.join(root, 'RESULTS.md'), 'utf8'));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
