// kill -9 at random moments of a real training run (the CLI on MNIST), then -resume from its
// checkpoint, again and again: after every kill each file in the run's folder loads; the finished
// run's logs and last model equal those of a run never interrupted, and no temporary file is left.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nn } from '../lib';
import { native } from '../lib/native';

const MNIST_DIR = process.env.MNIST_DIR || path.resolve(__dirname, '..', '..', 'shared', 'data', 'mnist');
const CLI = path.resolve(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
const EPOCHS = 6;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-crash-'));
const common = ['mnist', '-size', 'small', '-model', 'linear', '-type', 'float', '-batchSize', '1', '-threads', '1', '-quiet'];

/** Runs the CLI; kills it with SIGKILL after `killAfterMs` unless it finished. Resolves to its exit code, or null when killed. */
function run(args: string[], killAfterMs?: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...common, ...args], { env: { ...process.env, MNIST_DIR }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal !== 'SIGKILL') reject(new Error(`the CLI exited with ${code}: ${stderr}`));
      else resolve(signal === 'SIGKILL' ? null : code);
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
  expect(await run(['-epochs', String(EPOCHS), '-save', straight])).toBe(0);

  const crashed = path.join(root, 'crashed');
  const checkpoint = path.join(crashed, 'checkpoint');
  let kills = 0;
  let seed = 12345; // a fixed pseudo-random sequence of kill times (LCG)
  const nextDelay = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 200 + (seed % 2300);
  };
  for (let attempt = 0; ; attempt++) {
    const done = fs.existsSync(checkpoint) ? checkpointEpoch(checkpoint) : 0;
    if (done === EPOCHS) break;
    const args = ['-epochs', String(EPOCHS - done), '-save', crashed, ...(done > 0 ? ['-resume', checkpoint] : [])];
    // after 20 kills the run is let finish
    const code = await run(args, attempt < 20 ? nextDelay() : undefined);
    if (code === null) {
      kills += 1;
      checkFolder(crashed);
    }
  }
  console.log(`crash test: ${kills} kills survived, resumed each time from the checkpoint`);
  expect(kills).toBeGreaterThanOrEqual(10);
  for (const log of ['train.log', 'test.log']) {
    expect(fs.readFileSync(path.join(crashed, log), 'utf8')).toBe(fs.readFileSync(path.join(straight, log), 'utf8'));
  }
  expect(parameters(path.join(crashed, `model.net.${EPOCHS}`))).toEqual(parameters(path.join(straight, `model.net.${EPOCHS}`)));
  expect(fs.readdirSync(crashed).filter((n) => n.includes('.tmp-'))).toEqual([]);
}, 600_000);
