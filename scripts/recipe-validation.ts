/**
 * How the fast recipe's choices are made without the test set: trains the recipe on the first
 * 50,000 training images and scores it on the last 10,000 (never on MNIST's test set), after every
 * epoch; prints one JSON line per epoch, then one for the end with the accuracy of both the weight
 * average (when --ema is given) and the raw parameters. Training is the same with and without the
 * average, so one run answers both.
 *
 *   node dist/scripts/recipe-validation.js [--seed 1] [--epochs N] [--ema DECAY, 0: none; default the recipe's] [--threads 2]
 *
 * MNIST comes from MNIST_DIR (or the cache). Normalisation uses all 60,000 training images, as the
 * recipe does; the 10,000 held out are otherwise unseen.
 */
import { parseArgs } from 'util';
import { data as datasets, manualSeed, nn, setNumThreads, Trainer } from '../lib';
import { mnistRecipe, recipeModel, recipeTrainerOptions } from '../lib/models/recipes';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      epochs: { type: 'string' },
      ema: { type: 'string', default: String(mnistRecipe('fast').ema) },
      threads: { type: 'string', default: '2' },
    },
  });
  const seed = Number(values.seed);
  const ema = Number(values.ema);
  setNumThreads(Number(values.threads));
  const recipe = mnistRecipe('fast');
  const epochs = values.epochs ? Number(values.epochs) : recipe.epochs;
  const { train } = await datasets.mnist({});
  const held = 10000;
  const fit = { inputs: train.inputs.slice(0, 0, train.size - held), targets: train.targets.slice(0, 0, train.size - held) };
  const validation = { inputs: train.inputs.slice(0, train.size - held), targets: train.targets.slice(0, train.size - held) };
  manualSeed(seed);
  const model = recipeModel(recipe);
  const criterion = new nn.ClassNLLCriterion();
  const trainer = new Trainer({
    model,
    criterion,
    ...recipeTrainerOptions(recipe, train.size - held, epochs),
    ema: ema > 0 ? ema : undefined, // --ema 0: none, whatever the recipe says
  });
  const start = Date.now();
  await trainer.fit({
    train: fit,
    test: validation,
    epochs,
    onEpoch: ({ epoch, test }) => {
      console.log(JSON.stringify({ seed, ema, epoch, validation: test!.accuracy, seconds: (Date.now() - start) / 1000 }));
    },
  });
  // the raw parameters, scored by a Trainer without the average
  const raw = await new Trainer({ model, criterion, testBatchSize: 1000, precision: recipe.precision }).test(validation);
  const averaged = ema > 0 ? await trainer.test(validation) : undefined;
  console.log(JSON.stringify({ seed, ema, epochs, final: true, raw: raw.accuracy, ...(averaged ? { averaged: averaged.accuracy } : {}) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
