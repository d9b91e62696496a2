// Data-parallel training on c10d (TCPStore + Gloo) with real processes on 127.0.0.1: collectives,
// 2 ranks × batch b against 1 process × batch 2b, and the faults (a killed rank, a rank that never
// comes, a wrong world size, a port in use, different models) as errors rather than hangs.
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ChildProcess, spawn } from 'child_process';
import { distributed, manualSeed, models, nn, randn, tensor, TorchError, Trainer } from '../lib';
import { CHILD_TIMEOUT_MS, MNIST_DIR } from './helpers/common';

const RANK_SCRIPT = path.join(__dirname, 'helpers', 'dist-rank.js');

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  result?: any;
  error?: { name: string; message: string; torchError: boolean };
  stderr: string;
}

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts one rank (or, without worldSize, a plain process) running a scenario of dist-rank.js. */
function startRank(spec: object): { child: ChildProcess; outcome: Promise<Outcome>; lines: string[] } {
  const child = spawn(process.execPath, [RANK_SCRIPT, JSON.stringify(spec)], {
    timeout: CHILD_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  child.stdout!.on('data', (d) => {
    stdout += d;
    lines.push(...String(d).split('\n').filter(Boolean));
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const outcome = new Promise<Outcome>((resolve) =>
    child.on('close', (code, signal) => {
      const line = (tag: string) => stdout.split('\n').find((l) => l.startsWith(tag + ' '));
      const result = line('RESULT');
      const error = line('ERROR');
      resolve({
        code,
        signal,
        stderr,
        ...(result ? { result: JSON.parse(result.slice(7)) } : {}),
        ...(error ? { error: JSON.parse(error.slice(6)) } : {}),
      });
    }),
  );
  return { child, outcome, lines };
}

/** Runs every rank of a job on one free port; `perRank` adds rank-specific fields. */
async function job(worldSize: number, spec: object, perRank: (rank: number) => object = () => ({})): Promise<Outcome[]> {
  const port = await freePort();
  return Promise.all(
    Array.from({ length: worldSize }, (_, rank) => startRank({ ...spec, rank, worldSize, port, ...perRank(rank) }).outcome),
  );
}

function ok(o: Outcome): any {
  if (!o.result) throw new Error(`rank failed: ${JSON.stringify(o.error)} ${o.stderr}`);
  return o.result;
}

function maxDifference(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('process groups', () => {
  test('allreduce (sum, max, avg) and broadcast between 3 processes', async () => {
    const outcomes = await job(3, { scenario: 'collectives' });
    for (const o of outcomes) {
      expect(ok(o)).toEqual({ sum: [6, 60], max: [2], avg: [2], broadcast: [[2, 7]] });
    }
  });

  test('a group of one, in this process: collectives are identities; destroy is final', async () => {
    const group = await distributed.init({ rank: 0, worldSize: 1, masterPort: await freePort() });
    expect([group.rank, group.worldSize, group.backend]).toEqual([0, 1, 'gloo']);
    const x = tensor([1.5, -2], { dtype: 'float64' });
    await group.allreduce(x, 'avg');
    await group.broadcast(x);
    await group.barrier();
    expect(x.toArray()).toEqual([1.5, -2]);
    await expect(group.allreduce(tensor([true]))).rejects.toThrow(
      'allreduce: Gloo cannot reduce bool tensors (it takes float32, float64, int64, int32, uint8)',
    );
    await expect(group.allreduce(tensor([1, 2], { dtype: 'int64' }), 'avg')).rejects.toThrow("'avg' needs a floating tensor, not int64");
    await expect(group.allreduce(x, 'mean' as never)).rejects.toThrow(TorchError);
    await expect(group.broadcast(x, 1)).rejects.toThrow('Expected an integer in [0, 0] for broadcast root but received 1');
    group.destroy();
    group.destroy();
    await expect(group.barrier()).rejects.toThrow('process group: rank 0 already destroyed it');
  });

  test('a Trainer on a group of one trains exactly as without one; a collective during its pass is refused', async () => {
    const inputs = randn([40, 1, 32, 32]);
    const targets = tensor(
      Array.from({ length: 40 }, (_, i) => i % 10),
      { dtype: 'int64' },
    );
    const train = async (group?: distributed.ProcessGroup) => {
      manualSeed(5);
      const model = models.mnistModel('linear');
      const trainer = new Trainer({
        model,
        criterion: new nn.ClassNLLCriterion(),
        batchSize: 4,
        optimizer: { method: 'sgd', config: { learningRate: 0.1, momentum: 0.5 } },
        ...(group ? { distributed: group } : {}),
      });
      const pass = trainer.trainEpoch({ inputs, targets });
      if (group)
        await expect(group.barrier()).rejects.toThrow(
          'this process group is in use by a training pass or another collective; await it first',
        );
      const result = await pass;
      return { params: Array.from(trainer.parameters.data() as Float64Array), loss: result.loss, steps: result.steps };
    };
    const group = await distributed.init({ rank: 0, worldSize: 1, masterPort: await freePort() });
    try {
      const alone = await train();
      const grouped = await train(group);
      expect(grouped).toEqual(alone);
      expect(grouped.steps).toBe(10);
    } finally {
      group.destroy();
    }
  });

  test('bad options and environment variables are TorchErrors naming them', async () => {
    await expect(distributed.init({ rank: 2, worldSize: 2 })).rejects.toThrow(
      'distributed.init: rank 2 is outside a world of size 2 (ranks are 0..1)',
    );
    await expect(distributed.init({ backend: 'mpi' } as never)).rejects.toThrow(
      "Expected one of 'gloo', 'nccl' for distributed.init backend but received 'mpi'",
    );
    await expect(distributed.init({ masterPort: 70000 })).rejects.toThrow(
      'Expected an integer in [1, 65535] for distributed.init masterPort but received 70000',
    );
    await expect(distributed.init({ worldSize: 2, colour: 1 } as never)).rejects.toThrow(TorchError);
    const saved = process.env.WORLD_SIZE;
    process.env.WORLD_SIZE = 'two';
    try {
      await expect(distributed.init()).rejects.toThrow("distributed.init: $WORLD_SIZE is 'two'; expected an integer >= 1");
    } finally {
      if (saved === undefined) delete process.env.WORLD_SIZE;
      else process.env.WORLD_SIZE = saved;
    }
  });
});

// 256 MNIST images, the study's MLP in float64, 2 epochs: 2 ranks with batch 8 each against one
// process with batch 16 over the same shuffled samples.
const base = { scenario: 'train', samples: 256, epochs: 2, seed: 3 };

describe('data-parallel Trainer', () => {
  for (const optimizer of [
    { method: 'sgd', config: { learningRate: 0.05, momentum: 0.9 } },
    { method: 'lbfgs', config: { learningRate: 0.5, maxIter: 3 }, epochs: 1 },
  ]) {
    const spec = { ...base, optimizer: { method: optimizer.method, config: optimizer.config }, epochs: optimizer.epochs ?? base.epochs };
    test(`${optimizer.method}: 2 ranks × batch 8 step as 1 process × batch 16 (float64, ≤ 1e-10); the ranks stay identical (rank 1 streams its samples)`, async () => {
      const [reference, r0, r1] = await Promise.all([
        startRank({ ...spec, batchSize: 16 }).outcome.then(ok),
        ...(await job(2, { ...spec, batchSize: 8, streamRank: 1 })).map(ok),
      ]);
      expect(r1.params).toEqual(r0.params); // bit-identical
      const difference = maxDifference(r0.params, reference.params);
      console.log(
        `distributed ${optimizer.method}: largest parameter difference to one process with the doubled batch ${difference.toExponential(2)} (${r0.params.length} parameters)`,
      );
      expect(difference).toBeLessThanOrEqual(1e-10);
      for (const r of [r0, r1]) {
        expect(r.steps).toBe(reference.steps);
        expect(r.trainSamples).toBe(256);
        expect(r.testSamples).toBe(200);
        expect(r.trainLoss).toBeCloseTo(reference.trainLoss, 9);
        expect(r.trainConfusion).toEqual(reference.trainConfusion);
        expect(r.testAccuracy).toBe(reference.testAccuracy);
      }
    });
  }

  test('a model holding a module written in JavaScript: 2 ranks × batch 8 step as 1 process × batch 16 (≤ 1e-10)', async () => {
    const spec = {
      ...base,
      model: 'script-module',
      epochs: 2,
      optimizer: { method: 'sgd', config: { learningRate: 0.05, momentum: 0.9 } },
    };
    const [reference, r0, r1] = await Promise.all([
      startRank({ ...spec, batchSize: 16 }).outcome.then(ok),
      ...(await job(2, { ...spec, batchSize: 8 })).map(ok),
    ]);
    expect(r1.params).toEqual(r0.params); // bit-identical, the script module's own parameter included
    expect(r0.params.length).toBe(1024 * 32 + 32 + (32 * 32 + 32 + 32) + 32 * 10 + 10);
    const difference = maxDifference(r0.params, reference.params);
    console.log(
      `distributed with a JavaScript module: largest parameter difference to one process ${difference.toExponential(2)}, test accuracy ${r0.testAccuracy}`,
    );
    expect(difference).toBeLessThanOrEqual(1e-10);
    expect(r0.steps).toBe(reference.steps);
    expect(r0.trainLoss).toBeCloseTo(reference.trainLoss, 9);
    expect(r0.testAccuracy).toBe(reference.testAccuracy);
    expect(r0.testAccuracy).toBeGreaterThan(0.5);
  });

  test('only rank 0 writes logs, models and checkpoints', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-dist-'));
    const outcomes = await job(2, { ...base, epochs: 1, batchSize: 8, optimizer: { method: 'sgd' } }, (rank) => ({
      save: path.join(dir, `rank${rank}`),
    }));
    outcomes.forEach(ok);
    expect(fs.readdirSync(path.join(dir, 'rank0')).sort()).toEqual(['checkpoint', 'model.net.1', 'test.log', 'train.log']);
    expect(fs.existsSync(path.join(dir, 'rank1'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('faults are errors, never hangs', () => {
  test('a rank killed during training: the other fails naming the collective and that a rank left', async () => {
    const port = await freePort();
    const spec = {
      scenario: 'trainForever',
      samples: 256,
      seed: 1,
      batchSize: 8,
      optimizer: { method: 'sgd' },
      worldSize: 2,
      port,
      timeoutMs: 20000,
    };
    const r0 = startRank({ ...spec, rank: 0 });
    const r1 = startRank({ ...spec, rank: 1 });
    // kill rank 1 once both train
    while (!r0.lines.includes('TRAINING') || !r1.lines.includes('TRAINING')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    r1.child.kill('SIGKILL');
    const [o0, o1] = await Promise.all([r0.outcome, r1.outcome]);
    expect(o1.signal).toBe('SIGKILL');
    expect(o0.error).toBeDefined();
    expect(o0.error!.torchError).toBe(true);
    // in the pass (the gradient's allreduce) or, when the kill falls between two short epochs, in the
    // Trainer's own collectives around it: each names itself
    expect(o0.error!.message).toMatch(
      /^train: (allreduce of the gradient at step \d+|allreduce of the pass's counts|broadcast of the epoch's order) failed on rank 0 of 2: another rank left the job \(exited or was killed\)/,
    );
  });

  test('a rank that never comes: the others fail after the timeout', async () => {
    const [o] = await Promise.all([
      startRank({ scenario: 'collectives', rank: 0, worldSize: 2, port: await freePort(), timeoutMs: 3000 }).outcome,
    ]);
    expect(o.error!.torchError).toBe(true);
    expect(o.error!.message).toMatch(/^distributed\.init: rank 0 of 2 could not connect to every other rank within 3000 ms/);
  });

  test('ranks started with different world sizes', async () => {
    const outcomes = await job(2, { scenario: 'collectives', timeoutMs: 3000 }, (rank) => (rank === 1 ? { worldSize: 3 } : {}));
    expect(outcomes[1].error!.message).toBe(
      'distributed.init: rank 1 was started with worldSize 3 but rank 0 with 2; every rank of a job needs the same worldSize',
    );
    expect(outcomes[0].error!.torchError).toBe(true); // rank 0 waited for rank 1 in vain
  });

  test('the port of the store in use', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const o = await startRank({ scenario: 'collectives', rank: 0, worldSize: 2, port, timeoutMs: 3000 }).outcome;
      expect(o.error!.message).toContain(`distributed.init: rank 0 cannot host the store at 127.0.0.1:${port}: port ${port} is in use`);
    } finally {
      server.close();
    }
  });

  test('ranks with different models: every rank fails naming the one that differs', async () => {
    const outcomes = await job(2, { ...base, epochs: 1, batchSize: 8, optimizer: { method: 'sgd' }, extraLayer: 1, timeoutMs: 5000 });
    for (const o of outcomes) {
      expect(o.error!.message).toMatch(
        /^distributed Trainer: rank 1's model has 530040 float64 parameters but rank 0's has 529930 float64 parameters; every rank must build the same model/,
      );
    }
  });
});

describe('nodetorch mnist -nproc (the launcher)', () => {
  const root = path.resolve(__dirname, '..');
  const bin = path.join(root, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).bin.nodetorch);
  const save = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-nproc-'));
  afterAll(() => fs.rmSync(save, { recursive: true, force: true }));

  /** Runs the CLI to its end; `whenOut` may act on the launcher once its output contains a text. */
  function cli(
    args: string[],
    whenOut?: [string, (child: ChildProcess) => void],
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [bin, 'mnist', ...args], { timeout: CHILD_TIMEOUT_MS, env: { ...process.env, MNIST_DIR } });
    let stdout = '';
    let stderr = '';
    let acted = false;
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (whenOut && !acted && stdout.includes(whenOut[0])) {
        acted = true;
        whenOut[1](child);
      }
    });
    child.stderr!.on('data', (d) => (stderr += d));
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  }
  const common = ['-size', 'small', '-type', 'float', '-learningRate', '0.1', '-batchSize', '5', '-quiet', '-save', save];

  test('-nproc 2 trains size-small MNIST to ≥ 95% (batch 5 per rank); -resume continues the job from its checkpoint', async () => {
    const port = String(await freePort());
    const first = await cli([...common, '-nproc', '2', '-masterPort', port, '-epochs', '1']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`==> starting ranks 0..1 of 2 (rendezvous at 127.0.0.1:${port})`);
    expect(first.stdout).toContain('==> data-parallel (gloo): 2 ranks, batch 5 per rank (10 per step), 1 threads each');
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(first.stdout)![1]);
    console.log(`nodetorch mnist -nproc 2, size small, 1 epoch: test accuracy ${accuracy}%`);
    expect(accuracy).toBeGreaterThanOrEqual(95);
    // rank 0 alone printed: one epoch line
    expect(first.stdout.match(/==> epoch 1:/g)).toHaveLength(1);

    const second = await cli([...common, '-nproc', '2', '-masterPort', port, '-epochs', '1', '-resume', path.join(save, 'checkpoint')]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('==> resumed from');
    expect(second.stdout).toMatch(/==> epoch 2: train accuracy [\d.]+%, test accuracy [\d.]+%/);
    expect(fs.readFileSync(path.join(save, 'test.log'), 'utf8').trim().split('\n')).toHaveLength(3); // header + 2 epochs
  });

  test('-nnodes 2: two launchers (as on two machines, here both on 127.0.0.1) form one job', async () => {
    const port = String(await freePort());
    const node = (rank: number) =>
      cli([
        '-size',
        'small',
        '-type',
        'float',
        '-learningRate',
        '0.1',
        '-batchSize',
        '5',
        '-quiet',
        '-save',
        path.join(save, `node${rank}`),
        '-nproc',
        '1',
        '-nnodes',
        '2',
        '-nodeRank',
        String(rank),
        '-masterAddr',
        '127.0.0.1',
        '-masterPort',
        port,
        '-epochs',
        '1',
        '-threads',
        '1',
      ]);
    const [first, second] = await Promise.all([node(0), node(1)]);
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(first.stdout).toContain(`==> starting ranks 0..0 of 2 (rendezvous at 127.0.0.1:${port})`);
    expect(second.stdout).toContain(`==> starting ranks 1..1 of 2 (rendezvous at 127.0.0.1:${port})`);
    expect(Number(/test accuracy ([\d.]+)%/.exec(first.stdout)![1])).toBeGreaterThanOrEqual(95);
    // machine 1's rank is not rank 0: it prints nothing of the training and writes nothing
    expect(second.stdout).not.toContain('test accuracy');
    expect(fs.existsSync(path.join(save, 'node1'))).toBe(false);
  });

  test('a rank that fails stops the job: the launcher names it and exits non-zero; Ctrl-C stops every rank', async () => {
    const port = String(await freePort());
    // rank 1 finds no data: it fails at once; rank 0 is stopped
    const bad = await cli([...common, '-nproc', '2', '-masterPort', port, '-epochs', '1', '-data', path.join(save, 'no-such-folder')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/\[rank [01]\] nodetorch: /);
    expect(bad.stderr).toMatch(/nodetorch: rank [01] exited with code 2; stopping the other ranks/);

    const interrupted = await cli(
      [...common, '-nproc', '2', '-masterPort', port, '-epochs', '0'],
      ['==> training', (child) => setTimeout(() => child.kill('SIGINT'), 1000)],
    );
    expect(interrupted.status).not.toBe(0);
    expect(interrupted.stderr).toContain('interrupted; stopping after the current minibatch');
  });
});
