/**
 * npm run bench:dist: does a second process pay on this machine? For each global batch size, the
 * convnet of `npm run bench` trained by one process with all the cores (batch B) against N ranks
 * with cores/N threads each and batch B/N per rank (the same global batch, so the same steps),
 * interleaved and repeated (median and min–max of --runs). Also the time of one gradient-sized
 * allreduce (310,347 float32 values, 1.24 MB) between the ranks on this machine.
 *
 *   npm run bench:dist -- [--batch 32,128] [--ranks 2] [--runs 3] [--samples 6000]
 */
import { spawn, spawnSync } from 'child_process';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

const root = path.resolve(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '32,128' },
    ranks: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    samples: { type: 'string', default: '6000' },
  },
  strict: true,
});
const batches = args.batch!.split(',').map(Number);
const ranks = Number(args.ranks);
const runs = Number(args.runs);
const samples = Number(args.samples);
const cores = os.availableParallelism();
const perRankThreads = Math.max(1, Math.floor(cores / ranks));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function single(batch: number): { samplesPerSecond: number } {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'dist', 'bench', 'train_loop.js'), String(batch), String(samples), String(cores)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`one process, batch ${batch}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function job(batch: number): Promise<{ samplesPerSecond: number; allreduceMs: number }> {
  const port = await freePort();
  const outputs = await Promise.all(
    Array.from({ length: ranks }, (_, rank) => {
      const child = spawn(
        process.execPath,
        [path.join(root, 'dist', 'bench', 'train_dist.js'), String(batch / ranks), String(samples), String(perRankThreads)],
        {
          env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(ranks), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      return new Promise<string>((resolve, reject) =>
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`rank ${rank}: ${err}`)))),
      );
    }),
  );
  return JSON.parse(outputs[0].trim().split('\n').pop()!);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const cell = (v: number[]) => `${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`;

async function main() {
  for (const b of batches) if (!Number.isInteger(b / ranks)) throw new Error(`--batch ${b} does not split over ${ranks} ranks`);
  console.log(`${cores} cores; ${samples} samples per epoch; float32 convnet, SGD; median (min–max) of ${runs} runs, samples/s`);
  console.log(
    `| global batch | 1 process × ${cores} threads | ${ranks} ranks × ${perRankThreads} thread${perRankThreads > 1 ? 's' : ''} (batch ${'B'}/${ranks} each) | ratio | allreduce of 1.24 MB (ms) |`,
  );
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const batch of batches) {
    const one: number[] = [];
    const many: number[] = [];
    const allreduce: number[] = [];
    for (let i = 0; i < runs; i++) {
      one.push(single(batch).samplesPerSecond);
      const r = await job(batch);
      many.push(r.samplesPerSecond);
      allreduce.push(r.allreduceMs);
    }
    console.log(
      `| ${batch} | ${cell(one)} | ${cell(many)} | ${(median(many) / median(one)).toFixed(2)} | ${median(allreduce).toFixed(2)} |`,
    );
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
