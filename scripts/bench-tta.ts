/**
 * npm run bench -- --tta: time to accuracy of the fast MNIST recipe. Runs `nodetorch mnist -recipe
 * fast` (the command a user types) and PyTorch's same recipe (bench/tta_recipe.py: same model, data,
 * optimizer, schedule, augmentation, batch, precision, channels_last, jemalloc preloaded where
 * installed), one after the other for each seed, and reports the wall time from the process's
 * start (loading included) to the end of the first epoch whose full-test-set accuracy reaches
 * 99.0%, 99.4% and 99.57%, and the final accuracy. The final accuracy is counted here from each
 * run's predictions.csv (`nodetorch predict` for nodetorch) against the test labels read from the
 * IDX file, not taken from either program's own report.
 *
 *   npm run bench -- --tta [--seeds 1,2,3] [--pytorchSeeds 1] [--epochs N] [--threads 2] [--json out.json]
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { libtorchVersion } from '../lib';
import { locateMnist } from '../lib/data/mnist';
import { cpuHasNativeBf16, MnistRecipe, mnistRecipe } from '../lib/models/recipes';
import { writeFileAtomic } from '../lib/util/atomic';

const root = path.resolve(__dirname, '..', '..');
export const TTA_THRESHOLDS = [0.99, 0.994, 0.9957];

export interface TtaOptions {
  seeds: number[];
  /** The seeds PyTorch runs (default all of `seeds`): its epochs take longer where it lacks nodetorch's speed. */
  pytorchSeeds?: number[];
  epochs?: number;
  threads: number;
  json?: string;
  python?: string;
  jemalloc?: string;
}

interface Epoch {
  epoch: number;
  accuracy: number;
  seconds: number;
}
interface Run {
  contender: string;
  seed: number;
  epochs: Epoch[];
  seconds: number;
  /** Counted from predictions.csv against the test labels. */
  finalAccuracy: number;
}

/** Runs `command`, timing each stdout line that `parse` turns into an epoch's accuracy. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, parse: (line: string) => Omit<Epoch, 'seconds'> | undefined) {
  return new Promise<{ epochs: Epoch[]; seconds: number }>((resolve, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const epochs: Epoch[] = [];
    let pending = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const e = parse(line);
        if (e) epochs.push({ ...e, seconds: elapsed() });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ epochs, seconds: elapsed() }) : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr}`)),
    );
  });
}

/** The test labels, read from the IDX file here (not by either contender). */
function testLabels(dir: string): Uint8Array {
  const plain = path.join(dir, 't10k-labels-idx1-ubyte');
  const bytes = fs.existsSync(plain) ? fs.readFileSync(plain) : zlib.gunzipSync(fs.readFileSync(plain + '.gz'));
  if (bytes.readUInt32BE(0) !== 0x801 || bytes.readUInt32BE(4) !== 10000) throw new Error(`${plain}: not the MNIST test labels`);
  return bytes.subarray(8);
}

/** Accuracy of a predictions.csv (Id,Prediction; classes digit + 1) against the labels. */
function csvAccuracy(file: string, labels: Uint8Array): number {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  if (rows.length !== labels.length) throw new Error(`${file}: ${rows.length} predictions for ${labels.length} labels`);
  let correct = 0;
  for (const row of rows) {
    const [id, prediction] = row.split(',').map(Number);
    if (prediction - 1 === labels[id - 1]) correct++;
  }
  return correct / labels.length;
}

async function runNodetorch(seed: number, o: TtaOptions, dir: string, labels: Uint8Array): Promise<Run> {
  const save = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-tta-'));
  const cli = path.join(root, 'dist', 'lib', 'cli', 'main.js');
  const args = [
    cli,
    'mnist',
    '-recipe',
    'fast',
    '-seed',
    String(seed),
    '-threads',
    String(o.threads),
    '-data',
    dir,
    '-save',
    save,
    '-quiet',
  ];
  if (o.epochs) args.push('-epochs', String(o.epochs));
  const { epochs, seconds } = await timed(process.execPath, args, process.env, (line) => {
    const m = /^==> epoch (\d+): train accuracy [\d.]+%, test accuracy ([\d.]+)%/.exec(line);
    return m ? { epoch: Number(m[1]), accuracy: Number(m[2]) / 100 } : undefined;
  });
  const csv = path.join(save, 'predictions.csv');
  const predict = spawnSync(
    process.execPath,
    [cli, 'predict', '-model', path.join(save, `model.net.${epochs.length}`), '-output', csv, '-data', dir, '-quiet'],
    { encoding: 'utf8' },
  );
  if (predict.status !== 0) throw new Error(`nodetorch predict failed:\n${predict.stderr}`);
  const run = { contender: 'nodetorch', seed, epochs, seconds, finalAccuracy: csvAccuracy(csv, labels) };
  fs.rmSync(save, { recursive: true, force: true });
  return run;
}

async function runPyTorch(seed: number, o: TtaOptions, dir: string, labels: Uint8Array, epochs: number, recipe: MnistRecipe): Promise<Run> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pytorch-tta-'));
  const csv = path.join(out, 'predictions.csv');
  const script = path.join(root, 'bench', 'tta_recipe.py');
  const env = { ...process.env, ...(o.jemalloc ? { LD_PRELOAD: o.jemalloc } : {}) };
  const result = await timed(
    o.python!,
    [script, dir, String(seed), String(epochs), String(o.threads), recipe.precision, csv, recipe.model.pooling, String(recipe.ema)],
    env,
    (line) => {
      if (!line.startsWith('{')) return undefined;
      const j = JSON.parse(line) as { epoch: number; accuracy: number };
      return { epoch: j.epoch, accuracy: j.accuracy };
    },
  );
  const run = { contender: 'PyTorch', seed, ...result, finalAccuracy: csvAccuracy(csv, labels) };
  fs.rmSync(out, { recursive: true, force: true });
  return run;
}

const firstReach = (r: Run, threshold: number) => r.epochs.find((e) => e.accuracy >= threshold - 1e-9);
const pct = (x: number) => (100 * x).toFixed(2);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runTta(o: TtaOptions): Promise<void> {
  const dir = await locateMnist();
  const labels = testLabels(dir);
  const recipe = mnistRecipe('fast');
  const epochs = o.epochs ?? recipe.epochs;
  const runs: Run[] = [];
  for (const seed of o.seeds) {
    // interleaved per seed, so that a slow spell of the machine hits both
    runs.push(await runNodetorch(seed, o, dir, labels));
    process.stderr.write(
      `nodetorch, seed ${seed}: ${pct(runs[runs.length - 1].finalAccuracy)}% in ${runs[runs.length - 1].seconds.toFixed(0)} s\n`,
    );
    if (o.python && (o.pytorchSeeds ?? o.seeds).includes(seed)) {
      runs.push(await runPyTorch(seed, o, dir, labels, epochs, recipe));
      process.stderr.write(
        `PyTorch, seed ${seed}: ${pct(runs[runs.length - 1].finalAccuracy)}% in ${runs[runs.length - 1].seconds.toFixed(0)} s\n`,
      );
    }
  }
  const torch = o.python ? spawnSync(o.python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim() : null;
  console.log(
    `Time to accuracy, recipe 'fast' (${recipe.model.pooling === 'lp' ? 'L2-pooling' : 'max-pooling'} convnet, ${epochs} epochs, ${recipe.precision}${cpuHasNativeBf16() ? '' : ', no native bf16'}, channels-last, ${o.threads} threads): ` +
      `nodetorch on LibTorch ${libtorchVersion()}${torch ? `, PyTorch ${torch}${o.jemalloc ? ' with jemalloc' : ''}` : ''}; ` +
      `seeds ${o.seeds.join(', ')}${o.pytorchSeeds ? ` (PyTorch: ${o.pytorchSeeds.join(', ')})` : ''}; wall time from the process's start, loading included`,
  );
  if (!o.python) console.log('(no Python with torch found: the PyTorch row is left out; set BENCH_PYTHON)');
  const heads = TTA_THRESHOLDS.map((t) => `to ${pct(t)}% (median s, reached)`);
  console.log(`| contender | ${heads.join(' | ')} | final accuracy: mean (min–max) | total s (median) |`);
  console.log(`| --- | ${heads.map(() => '---:').join(' | ')} | ---: | ---: |`);
  for (const contender of [...new Set(runs.map((r) => r.contender))]) {
    const mine = runs.filter((r) => r.contender === contender);
    const cells = TTA_THRESHOLDS.map((t) => {
      const reached = mine.map((r) => firstReach(r, t)).filter((e): e is Epoch => e !== undefined);
      return reached.length === 0
        ? `– (0/${mine.length})`
        : `${median(reached.map((e) => e.seconds)).toFixed(0)} (${reached.length}/${mine.length})`;
    });
    const finals = mine.map((r) => r.finalAccuracy);
    console.log(
      `| ${contender} | ${cells.join(' | ')} | ${pct(mean(finals))} (${pct(Math.min(...finals))}–${pct(Math.max(...finals))}) | ${median(mine.map((r) => r.seconds)).toFixed(0)} |`,
    );
  }
  console.log('\nPer run: test accuracy after each epoch (%), and the seconds at its end');
  for (const r of runs)
    console.log(
      `  ${r.contender}, seed ${r.seed}: ${r.epochs.map((e) => `${pct(e.accuracy)}@${e.seconds.toFixed(0)}`).join(' ')}; predictions.csv ${pct(r.finalAccuracy)}%`,
    );
  if (o.json)
    writeFileAtomic(
      o.json,
      JSON.stringify(
        {
          meta: {
            date: new Date().toISOString(),
            libtorch: libtorchVersion(),
            pytorch: torch,
            epochs,
            threads: o.threads,
            cpus: os.cpus().length,
          },
          runs,
        },
        null,
        1,
      ) + '\n',
    );
}
