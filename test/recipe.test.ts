// The fast MNIST recipe (lib/models/recipes.ts, `nodetorch mnist -recipe fast`): what it fixes, the
// Trainer options it gives (its one-cycle schedule counts the optimizer steps of the run), the
// options it refuses to mix with, and a short real run through the CLI on the small MNIST set.
// The full-set accuracy and time are measured by `npm run bench -- --tta` (docs/reproducing.md).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { models, TorchError } from '../lib';
import { CHILD_TIMEOUT_MS, MNIST_DIR } from './helpers/common';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).bin.nodetorch);
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, 'mnist', ...args], { timeout: CHILD_TIMEOUT_MS, encoding: 'utf8', env: { ...process.env, MNIST_DIR } });

test("the recipe fixes the study's convnet and how it trains; bf16 only where the CPU has it", () => {
  const fast = models.mnistRecipe('fast', { nativeBf16: true });
  expect(fast).toMatchObject({
    model: { pooling: 'lp', dropout: 0 },
    memoryFormat: 'channelsLast',
    precision: 'bf16',
    batchSize: 128,
    optimizer: { method: 'sgd', config: { learningRate: 0.1, momentum: 0.9, nesterov: true, dampening: 0, weightDecay: 5e-4 } },
    schedule: { kind: 'onecycle', per: 'step' },
    rotate: 0.2,
  });
  expect(models.mnistRecipe('fast', { nativeBf16: false }).precision).toBe('fp32');
  const model = models.recipeModel(fast);
  expect(model.numParameters()).toBe(310346); // the study's size
  expect(model.memoryFormat).toBe('channelsLast');
  expect(model.dtype).toBe('float32');
  const lines = models.describeRecipe(fast);
  expect(lines.join('\n')).toMatch(/Nesterov[\s\S]*one-cycle[\s\S]*rotation θ ~ N\(0, 0.2²\)/);
  expect(() => models.mnistRecipe('slow' as never)).toThrow(/Expected one of 'fast' for MNIST recipe but received 'slow'/);
});

test("the one-cycle schedule spans the run's optimizer steps, over every rank", () => {
  const fast = models.mnistRecipe('fast', { nativeBf16: false });
  expect(models.recipeTrainerOptions(fast, 60000).schedule).toMatchObject({ kind: 'onecycle', total: fast.epochs * 469 });
  expect(models.recipeTrainerOptions(fast, 60000, 3, 2).schedule).toMatchObject({ total: 3 * 235 });
  expect(models.recipeTrainerOptions(fast, 60000).augment).toHaveLength(1);
  expect(() => models.recipeTrainerOptions(fast, 100, 1)).toThrow(TorchError);
  expect(() => models.recipeTrainerOptions(fast, 60000, 0)).toThrow(/recipe epochs/);
});

test('-recipe refuses the options it fixes, and -type double', () => {
  const mixed = cli('-recipe', 'fast', '-batchSize', '3', '-learningRate', '0.5');
  expect(mixed.status).toBe(2); // an option error, as every other
  expect(mixed.stderr).toMatch(/-recipe fast fixes -batchSize, -learningRate; run without -recipe to choose them yourself/);
  const double = cli('-recipe', 'fast', '-type', 'double');
  expect(double.status).toBe(2);
  expect(double.stderr).toMatch(/-recipe fast trains in float32/);
  expect(cli('-recipe', 'slow').stderr).toMatch(/Invalid value 'slow' for -recipe; expected one of , fast/);
});

test('nodetorch mnist -recipe fast prints every choice and trains the small set to ≥ 93% in 2 epochs', () => {
  const save = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-recipe-'));
  const run = cli('-recipe', 'fast', '-size', 'small', '-epochs', '2', '-quiet', '-save', save);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  for (const line of [
    /recipe 'fast'/,
    /channelsLast/,
    /precision: (bf16|fp32)/,
    /batch 128, 2 epochs/,
    /Nesterov/,
    /one-cycle/,
    /rotation/,
  ])
    expect(run.stdout).toMatch(line);
  const accuracies = [...run.stdout.matchAll(/test accuracy ([\d.]+)%/g)].map((m) => Number(m[1]));
  console.log(`recipe fast, small set (6000/1000), 2 epochs: test accuracy ${accuracies.join('%, ')}%`);
  expect(accuracies).toHaveLength(2);
  expect(accuracies[1]).toBeGreaterThanOrEqual(93);
  // logged, checkpointed and saved as any run
  expect(fs.readdirSync(save)).toEqual(expect.arrayContaining(['train.log', 'test.log', 'checkpoint', 'model.net.2']));
});
