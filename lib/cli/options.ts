/**
 * doall.lua's command-line options with Torch7's defaults. Torch7 spelled them '-learningRate';
 * both '-opt' and '--opt' are accepted. Unknown or malformed options are errors.
 */
import { parseArgs } from 'util';
import { TorchError } from '../errors';

export interface MnistCliOptions {
  /** A training recipe (lib/models/recipes.ts) that fixes the model, optimizer, schedule, augmentation and precision. */
  recipe?: 'fast';
  seed: number;
  threads: number;
  size: 'full' | 'small';
  model: 'convnet' | 'linear' | 'mlp' | 'resnet20';
  loss: 'nll' | 'mse' | 'margin';
  save: string;
  plot: boolean;
  optimization: CliOptimization;
  switchAt: number;
  switchTo?: CliOptimization;
  /** A learning-rate schedule, KIND[:key=value,…] (lib/cli/schedule-option.ts); none when unset. */
  lrSchedule?: string;
  learningRate: number;
  batchSize: number;
  weightDecay: number;
  momentum: number;
  t0: number;
  maxIter: number;
  type: 'double' | 'float' | 'cuda';
  rotate: number;
  noise: number;
  dropout: number;
  extraConv: boolean;
  /** Epochs to run; 0 runs until interrupted, as Torch7's endless loop. */
  epochs: number;
  /** A checkpoint to resume from, or a Torch7 model file to train further. */
  resume?: string;
  /** The format of the per-epoch models: nodetorch's or Torch7's. */
  saveFormat: 'nodetorch' | 'torch7';
  /** Gradient clipping: the largest L2 norm (0: off), and the largest component (0: off). */
  gradClip: number;
  gradClipValue: number;
  /** The weight average's decay (Trainer ema; 0: off). */
  ema: number;
  precision: string;
  /** A folder for TensorBoard's event file. */
  tensorboard?: string;
  /** Folder with the MNIST files (else MNIST_DIR, the cache or a download). */
  data?: string;
  quiet: boolean;
  /** Data-parallel: processes to start on this machine (1: none), machines in the job, this machine's index. */
  nproc: number;
  nnodes: number;
  nodeRank: number;
  /** Rank 0's machine and the store's port (else $MASTER_ADDR / $MASTER_PORT, else 127.0.0.1:29500). */
  masterAddr?: string;
  masterPort?: number;
  /** Seconds a rank waits for the others before failing. */
  distTimeout: number;
  /** 'gloo' or 'nccl'; unset: nccl for -type cuda where built, else gloo. */
  distBackend?: 'gloo' | 'nccl';
}

/** 4_train.lua's four methods, then the rest of Torch7's optim (and PyTorch's AdamW), as -optimization names. */
export const CLI_OPTIMIZATIONS = [
  'SGD',
  'ASGD',
  'CG',
  'LBFGS',
  'ADAGRAD',
  'ADADELTA',
  'ADAM',
  'ADAMAX',
  'ADAMW',
  'RMSPROP',
  'RPROP',
  'NAG',
] as const;
export type CliOptimization = (typeof CLI_OPTIMIZATIONS)[number];

interface Spec {
  kind: 'int' | 'number' | 'string' | 'boolean';
  default: string | boolean;
  help: string;
  choices?: string[];
  min?: number;
}

export const MNIST_OPTIONS: Record<string, Spec> = {
  recipe: {
    kind: 'string',
    default: '',
    help: "a training recipe that fixes the model, batch size, optimizer, schedule, augmentation and precision: fast (the study's convnet to >= 99.5% in minutes; see docs/reproducing.md)",
    choices: ['', 'fast'],
  },
  seed: { kind: 'int', default: '1', help: 'fixed input seed for repeatable experiments', min: 0 },
  threads: { kind: 'int', default: '2', help: 'number of threads', min: 1 },
  size: { kind: 'string', default: 'full', help: 'how many samples do we load: small | full', choices: ['small', 'full'] },
  model: {
    kind: 'string',
    default: 'convnet',
    help: "type of model to construct: linear | mlp | convnet | resnet20 (He et al.'s CIFAR ResNet-20, batch normalisation)",
    choices: ['linear', 'mlp', 'convnet', 'resnet20'],
  },
  loss: {
    kind: 'string',
    default: 'nll',
    help: 'type of loss function to minimize: nll | mse | margin',
    choices: ['nll', 'mse', 'margin'],
  },
  save: { kind: 'string', default: 'results', help: 'subdirectory to save/log experiments in' },
  plot: { kind: 'boolean', default: false, help: 'write <save>/accuracy.svg and .png after every epoch' },
  optimization: {
    kind: 'string',
    default: 'SGD',
    help: `optimization method: ${CLI_OPTIMIZATIONS.join(' | ')}`,
    choices: [...CLI_OPTIMIZATIONS],
  },
  switchAt: { kind: 'int', default: '0', help: 'switch optimizer after this many epochs (0 = never)', min: 0 },
  switchTo: { kind: 'string', default: '', help: 'the optimizer to switch to (as -optimization)', choices: ['', ...CLI_OPTIMIZATIONS] },
  lrSchedule: {
    kind: 'string',
    default: '',
    help: 'learning-rate schedule: step:stepSize=N[,gamma=0.1] | multistep:milestones=A/B[,gamma=0.1] | exponential:gamma=G | cosine:total=N[,warmup=W,warmupFactor=0,minRate=0] | onecycle:total=N[,pctStart=0.3,divFactor=25,finalDivFactor=1e4] | plateau[:patience=10,factor=0.1,metric=testLoss]; add per=step to advance per minibatch',
  },
  learningRate: { kind: 'number', default: '1e-3', help: 'learning rate at t=0 (RPROP: the initial step; ADADELTA has none)', min: 0 },
  batchSize: { kind: 'int', default: '1', help: 'mini-batch size (1 = pure stochastic)', min: 1 },
  weightDecay: { kind: 'number', default: '0', help: 'weight decay (not ASGD, CG, LBFGS, RPROP)', min: 0 },
  momentum: { kind: 'number', default: '0', help: 'momentum (SGD; NAG needs > 0)', min: 0 },
  t0: { kind: 'number', default: '1', help: 'start averaging at t0 (ASGD only), in nb of epochs', min: 0 },
  maxIter: { kind: 'int', default: '2', help: 'maximum nb of iterations for CG and LBFGS', min: 1 },
  type: { kind: 'string', default: 'double', help: 'type: double | float | cuda', choices: ['double', 'float', 'cuda'] },
  rotate: { kind: 'number', default: '0', help: 'random rotation of training images, θ ~ N(0, σ²) radians (report: 0.2)', min: 0 },
  noise: { kind: 'number', default: '0', help: 'additive Gaussian noise σ on training images (normalised units)', min: 0 },
  dropout: { kind: 'number', default: '0', help: 'Dropout(p) before the first Linear (report experiment; 0 = none)', min: 0 },
  extraConv: { kind: 'boolean', default: false, help: 'one more 5×5 convolution stage (report experiment)' },
  epochs: { kind: 'int', default: '0', help: 'epochs to run (0 = until interrupted, like Torch7)', min: 0 },
  resume: {
    kind: 'string',
    default: '',
    help: 'continue from a checkpoint (<save>/checkpoint of an earlier run: parameters, optimizer state, epoch, logs), or train further a model Torch7 saved (model.net)',
  },
  gradClip: {
    kind: 'number',
    default: '0',
    help: "clip each step's gradient to this L2 norm (PyTorch's clip_grad_norm_; 0 = off)",
    min: 0,
  },
  gradClipValue: { kind: 'number', default: '0', help: 'clip each gradient component to ±this (clip_grad_value_; 0 = off)', min: 0 },
  ema: {
    kind: 'number',
    default: '0',
    help: 'evaluate and save an exponential moving average of the weights with this decay, updated after every step (e.g. 0.999; 0 = off)',
    min: 0,
  },
  precision: {
    kind: 'string',
    default: 'fp32',
    help: 'arithmetic: fp32 | bf16 | fp16 (autocast with float32 weights; fp16 with a loss scale); bf16/fp16 need -type float or cuda',
    choices: ['fp32', 'bf16', 'fp16'],
  },
  tensorboard: {
    kind: 'string',
    default: '',
    help: "write TensorBoard's event file here: losses, accuracies, rates per epoch and step, confusion matrices, hyper-parameters",
  },
  saveFormat: {
    kind: 'string',
    default: 'nodetorch',
    help: "format of <save>/model.net.<epoch>: nodetorch | torch7 (Torch7's torch.save format)",
    choices: ['nodetorch', 'torch7'],
  },
  data: { kind: 'string', default: '', help: 'folder with the MNIST IDX files (default: MNIST_DIR, cache, download)' },
  quiet: { kind: 'boolean', default: false, help: 'no progress bar or confusion matrices' },
  nproc: {
    kind: 'int',
    default: '1',
    help: 'data-parallel: processes (ranks) to start on this machine, as torchrun --nproc_per_node; -batchSize is per rank',
    min: 1,
  },
  nnodes: { kind: 'int', default: '1', help: 'data-parallel: machines in the job (each runs this command with its -nodeRank)', min: 1 },
  nodeRank: { kind: 'int', default: '0', help: "data-parallel: this machine's index, 0..nnodes-1 (machine 0 hosts rank 0)", min: 0 },
  masterAddr: { kind: 'string', default: '', help: 'data-parallel: address of machine 0 (default $MASTER_ADDR, else 127.0.0.1)' },
  masterPort: {
    kind: 'int',
    default: '0',
    help: 'data-parallel: port of the rendezvous on machine 0 (default $MASTER_PORT, else 29500)',
    min: 0,
  },
  distTimeout: { kind: 'int', default: '300', help: 'data-parallel: seconds a rank waits for the others before failing', min: 1 },
  distBackend: {
    kind: 'string',
    default: '',
    help: 'data-parallel: gloo | nccl (default: nccl for -type cuda where built, else gloo)',
    choices: ['', 'gloo', 'nccl'],
  },
};

/** Rewrites Torch7's single-dash long options ('-learningRate') to '--learningRate'. */
export function normaliseArgs(argv: string[]): string[] {
  return argv.map((a) => (/^-[A-Za-z][A-Za-z0-9]+(=.*)?$/.test(a) ? `-${a}` : a));
}

type ArgSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
type ArgValue = string | boolean | string[] | undefined;

/**
 * util.parseArgs over Torch7-style options (-name value as well as --name value), strict, with
 * errors in that style that end with `hint` (how to get help).
 */
export function parseTorch7Args(
  argv: string[],
  options: ArgSpec,
  hint: string,
  allowPositionals = false,
): { values: Record<string, ArgValue>; positionals: string[] } {
  // '-learningRate -1': parseArgs reads '-1' as an option; joined as '--learningRate=-1' it is a value
  // (that the option's own check then accepts or refuses).
  const args = normaliseArgs(argv).reduce<string[]>((out, a) => {
    const previous = out[out.length - 1];
    const name = previous?.startsWith('--') && !previous.includes('=') ? previous.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && /^-(\d|\.\d|Infinity|NaN)/.test(a))
      out[out.length - 1] = `${previous}=${a}`;
    else out.push(a);
    return out;
  }, []);
  try {
    return parseArgs({ args, options, strict: true, allowPositionals }) as { values: Record<string, ArgValue>; positionals: string[] };
  } catch (e) {
    throw new TorchError(`${(e as Error).message.replace(/'--/g, "'-").split('\n')[0]}. ${hint}`);
  }
}

export function parseMnistOptions(argv: string[]): MnistCliOptions {
  const options = Object.fromEntries(
    Object.entries(MNIST_OPTIONS).map(([name, spec]) => [name, { type: spec.kind === 'boolean' ? 'boolean' : 'string' }]),
  ) as ArgSpec;
  const { values } = parseTorch7Args(argv, options, "Run 'nodetorch mnist -help' for the options.");
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(MNIST_OPTIONS)) {
    const raw = values[name] ?? spec.default;
    if (spec.kind === 'boolean') {
      out[name] = raw === true;
      continue;
    }
    const text = String(raw);
    if (spec.kind === 'string') {
      if (spec.choices && !spec.choices.includes(text)) {
        throw new TorchError(`Invalid value '${text}' for -${name}; expected one of ${spec.choices.join(', ')}`);
      }
      out[name] = text;
      continue;
    }
    const n = Number(text);
    if (
      text.trim() === '' ||
      !Number.isFinite(n) ||
      (spec.kind === 'int' && !Number.isInteger(n)) ||
      (spec.min !== undefined && n < spec.min)
    ) {
      const what = spec.kind === 'int' ? 'an integer' : 'a number';
      throw new TorchError(`Invalid value '${text}' for -${name}; expected ${what}${spec.min !== undefined ? ` >= ${spec.min}` : ''}`);
    }
    out[name] = n;
  }
  if (out.recipe === '') delete out.recipe;
  else checkRecipeOptions(values, out);
  if (out.data === '') delete out.data;
  if (out.switchTo === '') delete out.switchTo;
  if (out.resume === '') delete out.resume;
  if (out.tensorboard === '') delete out.tensorboard;
  if (out.lrSchedule === '') delete out.lrSchedule;
  if (out.masterAddr === '') delete out.masterAddr;
  if (out.masterPort === 0) delete out.masterPort;
  if (out.distBackend === '') delete out.distBackend;
  if ((out.masterPort as number) > 65535)
    throw new TorchError(`Invalid value '${out.masterPort}' for -masterPort; expected a port in 1..65535`);
  if ((out.nodeRank as number) >= (out.nnodes as number))
    throw new TorchError(`-nodeRank ${out.nodeRank} is outside -nnodes ${out.nnodes} (machines are 0..${(out.nnodes as number) - 1})`);
  if ((out.switchAt as number) > 0 !== (out.switchTo !== undefined)) throw new TorchError('-switchAt N and -switchTo METHOD go together');
  if ((out.ema as number) >= 1) throw new TorchError(`Invalid value '${out.ema}' for -ema; expected a decay in [0, 1) (0 = off)`);
  if ((out.dropout as number) >= 1) throw new TorchError(`Invalid value '${out.dropout}' for -dropout; expected a probability in [0, 1)`);
  return out as unknown as MnistCliOptions;
}

/** The options a recipe leaves to the user: where data and results go, how long, on what. */
const RECIPE_FREE = new Set([
  'recipe',
  'seed',
  'threads',
  'size',
  'save',
  'plot',
  'type',
  'epochs',
  'resume',
  'saveFormat',
  'tensorboard',
  'data',
  'quiet',
  'nproc',
  'nnodes',
  'nodeRank',
  'masterAddr',
  'masterPort',
  'distTimeout',
  'distBackend',
]);

function checkRecipeOptions(values: Record<string, ArgValue>, out: Record<string, unknown>): void {
  const fixed = Object.keys(values).filter((name) => values[name] !== undefined && !RECIPE_FREE.has(name));
  if (fixed.length > 0)
    throw new TorchError(
      `-recipe ${out.recipe} fixes ${fixed.map((n) => '-' + n).join(', ')}; run without -recipe to choose ${fixed.length > 1 ? 'them' : 'it'} yourself`,
    );
  if (values.type === undefined) out.type = 'float';
  if (out.type === 'double')
    throw new TorchError(`-recipe ${out.recipe} trains in float32: use -type float (the default with -recipe) or cuda`);
}

export function mnistHelp(): string {
  const lines = [
    'Usage: nodetorch mnist [options]',
    '',
    'Trains the Torch7 MNIST study (doall.lua) natively. Options (-opt or --opt):',
    '',
  ];
  for (const [name, spec] of Object.entries(MNIST_OPTIONS)) {
    const def = spec.kind === 'boolean' ? '' : ` [${spec.default}]`;
    lines.push(`  -${name.padEnd(14)} ${spec.help}${def}`);
  }
  return lines.join('\n');
}
