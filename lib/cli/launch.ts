/**
 * `nodetorch mnist -nproc N [-nnodes M -nodeRank K -masterAddr A -masterPort P]`: starts N ranks of
 * the same command on this machine, as torchrun does, with torchrun's environment (RANK,
 * WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT). Rank 0 prints and writes the results; the
 * others print only their errors. Ctrl-C reaches every rank; when one fails, the others are
 * stopped and the launcher exits non-zero, naming it.
 */
import { ChildProcess, spawn } from 'child_process';
import * as os from 'os';
import { MnistCliOptions } from './options';
import { distEnv } from '../config';

/** Whether this process is one rank of a job (started by the launcher, or by torchrun). */
export function isRank(): boolean {
  return Number(distEnv('WORLD_SIZE') ?? '1') > 1 && distEnv('RANK') !== undefined;
}

/** Whether this command should start ranks rather than train. */
export function isLaunch(opt: MnistCliOptions): boolean {
  return !isRank() && (opt.nproc > 1 || opt.nnodes > 1);
}

/** Starts the ranks; resolves to the exit code (0 when every rank succeeded). */
export function launch(opt: MnistCliOptions, argv: string[]): Promise<number> {
  const worldSize = opt.nproc * opt.nnodes;
  // each rank computes with its share of the cores unless -threads says otherwise
  const threadsGiven = argv.some((a) => /^--?threads(=|$)/.test(a));
  const threads = threadsGiven ? [] : ['-threads', String(Math.max(1, Math.floor(os.availableParallelism() / opt.nproc)))];
  const env = {
    ...process.env,
    WORLD_SIZE: String(worldSize),
    MASTER_ADDR: opt.masterAddr ?? distEnv('MASTER_ADDR') ?? '127.0.0.1',
    MASTER_PORT: String(opt.masterPort ?? distEnv('MASTER_PORT') ?? 29500),
  };
  console.log(
    `==> starting ranks ${opt.nodeRank * opt.nproc}..${(opt.nodeRank + 1) * opt.nproc - 1} of ${worldSize} (rendezvous at ${env.MASTER_ADDR}:${env.MASTER_PORT})`,
  );
  const children: ChildProcess[] = [];
  let failed: { rank: number; code: number } | null = null;
  return new Promise((resolve) => {
    let running = opt.nproc;
    for (let local = 0; local < opt.nproc; local++) {
      const rank = opt.nodeRank * opt.nproc + local;
      const child = spawn(process.execPath, [process.argv[1], 'mnist', ...argv, ...threads], {
        env: { ...env, RANK: String(rank), LOCAL_RANK: String(local) },
        stdio: ['ignore', rank === 0 ? 'inherit' : 'ignore', 'pipe'],
        // its own process group: a terminal's Ctrl-C reaches the launcher only, which passes it on once
        detached: true,
      });
      child.stderr!.on('data', (d: Buffer) => process.stderr.write(String(d).replace(/^(?=.)/gm, `[rank ${rank}] `)));
      child.on('exit', (code, signal) => {
        running -= 1;
        if ((code !== 0 || signal) && !failed) {
          failed = { rank, code: code || 1 };
          console.error(
            `nodetorch: rank ${rank} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; stopping the other ranks`,
          );
          for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
        }
        if (running === 0) resolve(failed ? failed.code : 0);
      });
      children.push(child);
    }
    // Ctrl-C: every rank stops (each after its current minibatch)
    process.on('SIGINT', () => children.forEach((c) => c.exitCode === null && c.kill('SIGINT')));
  });
}
