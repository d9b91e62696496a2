// kill -9 at random moments of a real training run (the CLI on MNIST), then -resume from its
// checkpoint, again and again: after every kill each file in the run's folder loads; the finished
// run's logs and last model equal those of a run never interrupted, and no temporary file is left.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nn } from '../lib';
import { native } from '../lib/native';
import { CHILD_TIMEOUT_MS, MNIST_DIR } from './helpers/common';

const CLI = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const EPOCHS = 6;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-crash-'));
const common = ['mnist', '-size', 'small', '-model', 'linear', '-type', 'float', '-batchSize', '1', '-threads', '1', '-quiet'];

/** When to kill a run: a time after its start, or a time after it writes its next checkpoint. */
type Kill = { afterMs: number } | { afterCheckpointMs: number };

/** The time a file was last written (0: there is none). */
const writtenAt = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;

/**
 * Runs the CLI; kills it with SIGKILL as `kill` says unless it finished. Resolves to its exit code
 * (null when killed) and the times (ms after its start) at which a new `checkpoint` appeared.
 */
function run(args: string[], checkpoint: string, kill?: Kill): Promise<{ code: number | null; checkpoints: number[] }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(process.execPath, [CLI, ...common, ...args], {
      timeout: CHILD_TIMEOUT_MS,
      env: { ...process.env, MNIST_DIR },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const checkpoints: number[] = [];
    let last = writtenAt(checkpoint);
    let timer = kill && 'afterMs' in kill ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : undefined;
    const look = () => {
      const written = writtenAt(checkpoint);
      if (written === last) return;
      last = written;
      checkpoints.push(Date.now() - start);
      if (kill && 'afterCheckpointMs' in kill && checkpoints.length === 1)
        timer = setTimeout(() => child.kill('SIGKILL'), kill.afterCheckpointMs);
    };
    const poll = setInterval(look, 5);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      look(); // a checkpoint written just before the exit
      clearTimeout(timer);
      clearInterval(poll);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`the CLI exited with ${code}: ${stderr}`));
      else resolve({ code: signal === 'SIGKILL' ? null : code, checkpoints });
    });
  });
}

/** The epoch a checkpoint holds, read from its description. */
function checkpointEpoch(file: string): number {
  return JSON.parse(native().decodeArchive(fs.readFileSync(file)).json).epoch;
}

/** Every model and checkpoint in the folder loads (a kill may come at any moment of a write). */
function checkFolder(dir: string): void {
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, name);
    if (name.startsWith('model.net.') && !name.includes('.tmp-')) nn.load(file);
    if (name === 'checkpoint') expect(checkpointEpoch(file)).toBeGreaterThanOrEqual(1);
  }
}

const parameters = (file: string) => {
  const [flat] = nn.load(file).getParameters();
  return Array.from(flat.data() as Float32Array) as number[];
};

test(`a run killed at random moments and resumed each time ends exactly as a run never interrupted (${EPOCHS} epochs)`, async () => {
  const straight = path.join(root, 'straight');
  const { code, checkpoints: times } = await run(['-epochs', String(EPOCHS), '-save', straight], path.join(straight, 'checkpoint'));
  expect({ code, checkpoints: times.length }).toEqual({ code: 0, checkpoints: EPOCHS });
  // Kill moments follow this machine's pace: `first` is when a run's first checkpoint appears
  // (start-up, loading and one epoch; the quickest seen so far, as the machine's load changes),
  // `epoch` the time of one more.
  let first = times[0];
  const epoch = (times[EPOCHS - 1] - times[0]) / (EPOCHS - 1);

  const crashed = path.join(root, 'crashed');
  const checkpoint = path.join(crashed, 'checkpoint');
  let seed = 12345; // a fixed pseudo-random sequence (LCG) of fractions in [0, 1)
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  // For each epoch: two kills at random moments before the attempt's first checkpoint is due
  // (start-up, loading, the epoch, the checkpoint's write), then one at a random moment of the epoch
  // after its first checkpoint, so that the run advances an epoch.
  const plan = (attempt: number): Kill | undefined =>
    attempt >= 3 * EPOCHS
      ? undefined
      : attempt % 3 < 2
        ? { afterMs: 0.9 * first * random() }
        : { afterCheckpointMs: 0.5 * epoch * random() };
  let kills = 0;
  let resumedKills = 0;
  for (let attempt = 0; ; attempt++) {
    const done = fs.existsSync(checkpoint) ? checkpointEpoch(checkpoint) : 0;
    if (done === EPOCHS) break;
    expect(attempt).toBeLessThanOrEqual(3 * EPOCHS); // after the planned kills the run is let finish
    const args = ['-epochs', String(EPOCHS - done), '-save', crashed, ...(done > 0 ? ['-resume', checkpoint] : [])];
    const { code, checkpoints } = await run(args, checkpoint, plan(attempt));
    if (checkpoints.length > 0) first = Math.min(first, checkpoints[0]);
    if (code === null) {
      kills += 1;
      if (done > 0) resumedKills += 1;
      checkFolder(crashed);
    }
  }
  console.log(
    `crash test: ${kills} kills survived, ${resumedKills} of them of runs resumed from a checkpoint; first checkpoint after ${times[0]} ms (quickest ${first} ms), an epoch ${epoch.toFixed(0)} ms`,
  );
  // Planned: 3 kills an epoch. Each kill lets a run advance an epoch at most (unless the machine
  // got twice as fast), so at least EPOCHS − 1 runs were killed even if every kill came late.
  expect(kills).toBeGreaterThanOrEqual(EPOCHS - 1);
  expect(resumedKills).toBeGreaterThanOrEqual(EPOCHS - 2);
  for (const log of ['train.log', 'test.log']) {
    expect(fs.readFileSync(path.join(crashed, log), 'utf8')).toBe(fs.readFileSync(path.join(straight, log), 'utf8'));
  }
  expect(parameters(path.join(crashed, `model.net.${EPOCHS}`))).toEqual(parameters(path.join(straight, `model.net.${EPOCHS}`)));
  expect(fs.readdirSync(crashed).filter((n) => n.includes('.tmp-'))).toEqual([]);
}, 600_000);
