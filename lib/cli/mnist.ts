/**
 * `nodetorch mnist`: doall.lua from Node. Loads MNIST, builds the model, trains with the native
 * loop, prints Torch7's confusion matrices and timings, writes train.log / test.log and
 * model.net.<epoch> under -save.
 */
import * as path from 'path';
import * as augment from '../augment';
import * as cuda from '../cuda';
import { manualSeed, setNumThreads } from '../creation';
import * as distributed from '../distributed';
import { isRank } from './launch';
import { mnist } from '../data/mnist';
import { runSeries, writeAccuracyFigure } from '../plot';
import { TorchError } from '../errors';
import { OptimizerSpec, Precision, Trainer } from '../train/Trainer';
import { countParameters, mnistCriterion, mnistModel } from '../models/mnist';
import { describeRecipe, mnistRecipe, recipeModel, recipeTrainerOptions } from '../models/recipes';
import { load } from '../nn/serialize';
import { isTorch7File } from '../torch7/load';
import { CliOptimization, MnistCliOptions } from './options';
import { progressReporter } from './progress';
import { parseScheduleOption } from './schedule-option';

/** Torch7's class names for this study (copied from SVHN: label k+1 is digit k, printed '1'..'9','0'). */
export const TORCH7_CLASSES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** 4_train.lua's optimState for each of its -optimization methods; the others take -learningRate and -weightDecay. */
export function torch7Optimizer(method: CliOptimization, opt: MnistCliOptions, trainSize: number): OptimizerSpec {
  const rates = { learningRate: opt.learningRate, weightDecay: opt.weightDecay };
  switch (method) {
    case 'SGD':
      // learningRateDecay is hard-wired to 1e-7 in 4_train.lua
      return {
        method: 'sgd',
        config: { learningRate: opt.learningRate, weightDecay: opt.weightDecay, momentum: opt.momentum, learningRateDecay: 1e-7 },
      };
    case 'ASGD':
      // t0 counts optimizer steps: trsize·t0 is t0 epochs only for batchSize 1 (as Torch7)
      return { method: 'asgd', config: { eta0: opt.learningRate, t0: trainSize * opt.t0 } };
    case 'CG':
      return { method: 'cg', config: { maxIter: opt.maxIter } };
    case 'LBFGS':
      return { method: 'lbfgs', config: { learningRate: opt.learningRate, maxIter: opt.maxIter, nCorrection: 10 } };
    case 'ADAGRAD':
      return { method: 'adagrad', config: rates };
    case 'ADADELTA':
      return { method: 'adadelta', config: { weightDecay: opt.weightDecay } };
    case 'ADAM':
      return { method: 'adam', config: rates };
    case 'ADAMAX':
      return { method: 'adamax', config: rates };
    case 'ADAMW':
      return { method: 'adamw', config: rates };
    case 'RMSPROP':
      return { method: 'rmsprop', config: rates };
    case 'RPROP':
      return { method: 'rprop', config: { stepsize: opt.learningRate } };
    case 'NAG':
      if (!(opt.momentum > 0)) throw new TorchError("-optimization NAG needs -momentum > 0 (Torch7's nag refuses 0), e.g. -momentum 0.9");
      return { method: 'nag', config: { ...rates, momentum: opt.momentum } };
  }
}

export async function runMnist(opt: MnistCliOptions, signal?: AbortSignal): Promise<{ testAccuracy: number[] }> {
  if (opt.type === 'cuda' && !cuda.isAvailable()) {
    const why = cuda.isBuilt() ? 'no GPU is visible to this CUDA LibTorch' : 'this LibTorch was built without CUDA';
    throw new TorchError(`-type cuda: CUDA is not available: ${why}; use -type float or -type double`, { code: 'DEVICE' });
  }
  const schedule = opt.lrSchedule === undefined ? undefined : parseScheduleOption(opt.lrSchedule);
  // -recipe fixes the model and everything that trains it (lib/models/recipes.ts)
  const recipe = opt.recipe ? mnistRecipe(opt.recipe, opt.type === 'cuda' ? { nativeBf16: true } : {}) : undefined;
  const batchSize = recipe?.batchSize ?? opt.batchSize;
  setNumThreads(opt.threads);
  // A rank of a data-parallel job (-nproc, or torchrun's environment) joins it first. Rank 0 prints;
  // each rank seeds its own stream (seed + rank: its augmentations differ), rank 0 as a lone run.
  const backend = opt.distBackend ?? (opt.type === 'cuda' && distributed.isAvailable('nccl') ? 'nccl' : 'gloo');
  const group = isRank()
    ? await distributed.init({
        backend,
        timeoutMs: opt.distTimeout * 1000,
        ...(opt.masterAddr ? { masterAddr: opt.masterAddr } : {}),
        ...(opt.masterPort ? { masterPort: opt.masterPort } : {}),
      })
    : null;
  manualSeed(opt.seed + (group?.rank ?? 0));
  const say = group && group.rank !== 0 ? () => {} : (s: string) => console.log(s);
  if (group)
    say(
      `==> data-parallel (${group.backend}): ${group.worldSize} ranks, batch ${batchSize} per rank (${batchSize * group.worldSize} per step), ${opt.threads} threads each`,
    );

  say('==> loading dataset');
  const data = await mnist({ dir: opt.data, size: opt.size });
  say(
    `==> ${data.train.size} training and ${data.test.size} test samples from ${data.dir} (mean ${data.mean.toFixed(4)}, std ${data.std.toFixed(4)})`,
  );

  say('==> construct model');
  // Torch7 built the max-pooling convnet for -type cuda and the L2-pooling one otherwise.
  // -resume of a Torch7 model file (the study's model.net) trains that model further
  const torch7Model = opt.resume && isTorch7File(opt.resume) ? load(opt.resume) : undefined;
  if (recipe && torch7Model)
    throw new TorchError(`-recipe ${recipe.name} builds its own model; it cannot train the Torch7 model file ${opt.resume}`);
  const model = recipe
    ? recipeModel(recipe)
    : (torch7Model ??
      mnistModel(opt.model, {
        pooling: opt.type === 'cuda' ? 'max' : 'lp',
        loss: opt.loss,
        dropout: opt.dropout,
        extraConv: opt.extraConv,
      }));
  if (torch7Model) say(`==> model from the Torch7 file ${opt.resume}`);
  model.training();
  if (opt.type === 'float' || opt.type === 'cuda') model.float();
  else model.double();
  // each rank of a machine on its own GPU when there are several
  if (opt.type === 'cuda') model.to(group ? (`cuda:${group.localRank % cuda.deviceCount()}` as const) : 'cuda');
  say(model.toString());
  say(`==> ${countParameters(model).toLocaleString('en-US')} trainable parameters`);

  const criterion = mnistCriterion(recipe ? 'nll' : opt.loss);
  say(`==> defining loss: ${criterion.type}`);
  const epochs = opt.epochs > 0 ? opt.epochs : (recipe?.epochs ?? 0);
  const precision = recipe?.precision ?? (opt.precision as Precision);
  if (precision !== 'fp32' && model.dtype !== 'float32')
    throw new TorchError(
      `-precision ${precision} trains a float32 model under autocast: use -type float (or cuda), not -type ${opt.type}`,
      { code: 'DTYPE_MISMATCH' },
    );
  const training = recipe
    ? recipeTrainerOptions(recipe, data.train.size, epochs, group?.worldSize ?? 1)
    : {
        batchSize,
        optimizer: torch7Optimizer(opt.optimization, opt, data.train.size),
        ...(schedule ? { schedule } : {}),
        ...(precision !== 'fp32' ? { precision } : {}),
        // 4_train.lua rotated each normalised training sample by θ ~ N(0, σ²) (nearest neighbour)
        augment: [augment.rotate({ std: opt.rotate }), augment.noise({ std: opt.noise })].filter((a) => a.std > 0),
        ...(opt.ema > 0 ? { ema: opt.ema } : {}),
      };
  const trainer = new Trainer({
    model,
    criterion,
    classNames: TORCH7_CLASSES,
    ...training,
    ...(group ? { distributed: group } : {}),
    ...(opt.gradClip > 0 || opt.gradClipValue > 0 ? { gradClip: { norm: opt.gradClip, value: opt.gradClipValue } } : {}),
  });
  if (opt.resume && !torch7Model) {
    trainer.loadCheckpoint(opt.resume);
    say(`==> resumed from ${opt.resume} after epoch ${trainer.epoch} (optimizer ${trainer.method})`);
  }
  if (recipe) describeRecipe(recipe, epochs).forEach((line) => say(`==> ${line}`));
  else {
    if (opt.rotate > 0 || opt.noise > 0) say(`==> augmentation: rotation σ = ${opt.rotate} rad, noise σ = ${opt.noise}`);
    say(`==> optimizer: ${opt.optimization}${opt.switchTo ? `, switching to ${opt.switchTo} after epoch ${opt.switchAt}` : ''}`);
    if (precision !== 'fp32')
      say(`==> precision: ${precision} (autocast, float32 master weights${precision === 'fp16' ? ', dynamic loss scale' : ''})`);
    if (trainer.model.memoryFormat === 'channelsLast') say('==> memory format: channels-last (NHWC convolutions, faster on the CPU)');
    if (schedule) say(`==> learning-rate schedule: ${JSON.stringify(schedule)}`);
    if (opt.ema > 0) say(`==> weight average: decay ${opt.ema} per step (tested and saved)`);
  }

  const progress = progressReporter(opt.quiet || (group !== null && group.rank !== 0));
  const testAccuracy: number[] = [];
  // -epochs counts the epochs this run trains: after a resumed epoch k, epochs k+1 to k+N
  const first = trainer.epoch + 1;
  const which = epochs === 1 ? `epoch ${first}` : `epochs ${first}–${first + epochs - 1}`;
  const span = epochs > 0 ? `${epochs} epoch${epochs === 1 ? '' : 's'}${first > 1 ? `, ${which}` : ''}` : 'until interrupted';
  say(`==> training (${span}), results in ${opt.save}/`);
  try {
    await trainer.fit({
      train: data.train,
      test: data.test,
      epochs: epochs > 0 ? epochs : Number.MAX_SAFE_INTEGER,
      save: opt.save,
      saveFormat: opt.saveFormat,
      ...(opt.tensorboard ? { tensorboard: opt.tensorboard } : {}),
      ...(opt.switchTo ? { switchAt: opt.switchAt, switchTo: torch7Optimizer(opt.switchTo, opt, data.train.size) } : {}),
      signal,
      onProgress: (p) => progress.update(`${p.phase} epoch ${p.epoch}`, p.done, p.total, `loss ${p.loss.toFixed(4)}`),
      onEpoch: async ({ epoch, learningRate, train, test }) => {
        progress.stop();
        say(
          `==> epoch # ${epoch} [batchSize = ${training.batchSize}${learningRate === null ? '' : `, learningRate = ${learningRate.toPrecision(4)}`}]`,
        );
        say(`==> time to learn 1 sample = ${train.msPerSample.toFixed(4)}ms`);
        if (!opt.quiet) say(train.confusion.toString());
        say(`==> time to test 1 sample = ${test!.msPerSample.toFixed(4)}ms`);
        if (!opt.quiet) say(test!.confusion.toString());
        say(
          `==> epoch ${epoch}: train accuracy ${(100 * train.accuracy).toFixed(2)}%, test accuracy ${(100 * test!.accuracy).toFixed(2)}%`,
        );
        testAccuracy.push(test!.accuracy);
        if (opt.plot && (group?.rank ?? 0) === 0) {
          const files = await writeAccuracyFigure(
            path.join(opt.save, 'accuracy'),
            runSeries(opt.save, 'mnist'),
            'MNIST accuracy per epoch',
          );
          say(`==> plotted ${files.svg} and ${files.png}`);
        }
      },
    });
  } finally {
    progress.stop();
    group?.destroy();
  }
  return { testAccuracy };
}
