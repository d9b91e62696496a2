/**
 * The native training loop. Each epoch (and each test pass) is one call into C++ that runs on
 * its own thread: batches are gathered, forwarded, back-propagated, stepped by the optimizer and
 * counted into a confusion matrix without returning to JavaScript; progress comes back as
 * events and an AbortSignal stops it between batches. The event loop never blocks.
 */
import * as path from 'path';
import { AbortError, TorchError } from '../errors';
import { NativeOptimizer, NativeTensor, native } from '../native';
import { Augmentation } from '../augment';
import { Criterion } from '../nn/criteria';
import { MemoryFormat, Module } from '../nn/Module';
import { restoreBuffers, save as saveModel } from '../nn/serialize';
import { save as saveTorch7 } from '../torch7/save';
import { OptimConfigs, OptimMethodName, checkMethod, completeConfig } from '../optim/configs';
import { Tensor, checkTensor } from '../tensor';
import { tensor } from '../creation';
import { checkBoolean, checkFileName, checkInteger, checkKeys, checkNumber, checkOneOf, invalid } from '../validate';
import { checkWritableFile, makeFolder, removeStaleTemps, writeFileAtomic } from '../util/atomic';
import { cpuHasNativeBf16 } from '../util/cpuinfo';
import { WeightAverage, checkEmaDecay } from './average';
import { LossScaleState, readCheckpoint, writeCheckpoint } from './checkpoint';
import { Callback, EPOCH_METRICS, EarlyStopping, EpochMetric, TrainerControl, checkCallbacks, improves } from './callbacks';
import { EpochBoard } from './board';
import { LrSchedule, PassSchedule, PlateauMetric, ScheduleSpec } from './schedule';
import { MAX_CLASSES } from './ConfusionMatrix';
import { Logger } from './Logger';
import { checkClassTargets, checkRealTargets } from './targets';
import { PassResult, PassResultOf, Task, passResult, readCounts } from './results';
import { ChunkRun, checkBatchDataset, streamPass } from './stream';
import { PROFILE_BATCHES, ProfiledChunk, parseTrace, profileOf } from './profile';
import { ProcessGroup } from '../distributed/group';
import { reduceCounts, shardedOrder, syncModel } from './distributed';
import { Dataset, TrainingData, isBatchDataset } from '../data/dataset';
import { keep, tidy } from '../memory';
import { noGrad } from '../autograd';

export type { Dataset, BatchDataset, TrainingData } from '../data/dataset';

/** An optimizer run natively per minibatch, with Torch7's config table. */
export type OptimizerSpec = { [M in OptimMethodName]: { method: M; config?: OptimConfigs[M] } }[OptimMethodName];

export interface TrainerOptions<T extends Task = 'classification'> {
  model: Module;
  /**
   * 'classification' (default): targets are N class indices, passes count a confusion matrix.
   * 'regression': targets are real values, one row per sample with as many values as the model
   * outputs (N targets for an N×1 output); passes report MAE and RMSE.
   */
  task?: T;
  /** Any nn criterion: for classification, targets are class indices (MSECriterion encodes them as ±1); for regression, MSE, Abs, SmoothL1 or BCE. */
  criterion: Criterion;
  /**
   * The optimizer run natively per minibatch (default: sgd with Torch7's defaults). LBFGS and CG
   * evaluate a minibatch several times per step; ASGD's average is used for test passes.
   */
  optimizer?: OptimizerSpec;
  /** Minibatch size (Torch7 default 1: pure stochastic). Loss and gradients are averaged over it. */
  batchSize?: number;
  /** Number of classes for the confusion matrix (default 10; classification only). */
  classes?: number;
  /** Class names for printing the confusion matrix (default none, as Torch7; the CLI uses the study's '1'..'9','0'). */
  classNames?: string[];
  /** Reshuffle the training set every epoch (default true), from the generator seeded by manualSeed. */
  shuffle?: boolean;
  /** Augmentations applied in order to every training minibatch, natively (e.g. [augment.rotate({ std: 0.2 })]). */
  augment?: Augmentation[];
  /**
   * A learning-rate schedule (PyTorch's StepLR, MultiStepLR, ExponentialLR, cosine with warm-up,
   * ReduceLROnPlateau), a factor on the optimizer's learningRate per epoch or per step, applied
   * inside the native loop and kept in checkpoints. Default none.
   */
  schedule?: ScheduleSpec;
  /**
   * Gradient clipping inside the native loop, for every optimizer (the gradient each evaluation
   * gives it): a number clips the gradient's L2 norm to it (PyTorch's clip_grad_norm_); `{ value }`
   * clips each component to [−value, value] (clip_grad_value_); both: value first, then norm.
   */
  gradClip?: number | { norm?: number; value?: number };
  /**
   * Mixed precision in the native loop: 'fp32' (default) computes in the model's dtype; 'bf16' and
   * 'fp16' run the forward pass and the loss under LibTorch's autocast (PyTorch's torch.autocast:
   * matrix products and convolutions in the 16-bit type, reductions and losses in float32) while
   * the parameters, gradients and optimizer state stay float32. 'fp16' adds a dynamic loss scale
   * (PyTorch's GradScaler: steps whose gradients overflow are skipped; kept in checkpoints). On the
   * CPU, 'bf16' runs on any x86 CPU (fast where it has AVX-512 BF16 or AMX, emulated elsewhere, as
   * PyTorch does); 'fp16' on the CPU needs LibTorch 2.x. The model must be float32.
   */
  precision?: Precision;
  /**
   * The layout of the model's convolution weights and of each batch in the native loop.
   * 'auto' (default): channels-last where it was measured faster (docs/benchmarks.md): a float32
   * CPU model with 4-D (convolution) weights, in fp32 or in bf16 autocast on a CPU that computes
   * bf16 natively (AVX-512 BF16, AMX); otherwise the model's own layout. 'contiguous' or
   * 'channelsLast' converts the model to that layout (model.to({ memoryFormat })).
   */
  memoryFormat?: 'auto' | MemoryFormat;
  /**
   * Weight averaging: an exponential moving average of the parameters with this decay (e.g. 0.999),
   * updated natively after every optimizer step as PyTorch's AveragedModel with
   * get_ema_multi_avg_fn (its first update copies the parameters). Test passes and the models fit
   * saves use the average; `averagedParameters()` returns it; checkpoints keep it. Only parameters
   * are averaged (running statistics stay the model's). Not with asgd, which averages already.
   */
  ema?: number;
  /** Batch size of test passes (default 100: much faster than 1000 on CPUs; the result equals Torch7's one-sample-at-a-time test). */
  testBatchSize?: number;
  /**
   * Data-parallel training over this process group (`distributed.init`): rank 0's parameters are
   * broadcast before the first pass; every rank trains on its shard of each epoch's order (drawn by
   * rank 0) with `batchSize` samples per step, the gradients being averaged over the ranks before
   * every step (every evaluation, for LBFGS and CG), so the ranks stay identical and step as one
   * process with batch worldSize × batchSize; test passes are sharded; results count every rank's
   * samples; only rank 0 writes fit's logs, models and checkpoints.
   */
  distributed?: ProcessGroup;
}

export interface Progress {
  phase: 'train' | 'test';
  epoch: number;
  done: number;
  total: number;
  /** Mean loss so far in this pass. */
  loss: number;
}

export interface EpochResult<T extends Task = 'classification'> {
  epoch: number;
  /** The learning rate at the epoch's first step (null for methods without one: asgd, cg, adadelta, rprop). */
  learningRate: number | null;
  train: PassResultOf<T>;
  test?: PassResultOf<T>;
}

/** What fit returns: the epochs run, and why it stopped early or which epoch was best, where so. */
export type FitResults<T extends Task = 'classification'> = EpochResult<T>[] & {
  /** Set when a callback stopped training (trainer.stop): after which epoch, and why. */
  stopped?: { epoch: number; reason: string };
  /** With keepBest: the best epoch, its value and the file holding that model. */
  best?: { epoch: number; metric: EpochMetric; value: number; file: string };
};

export interface PassOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /**
   * Records where the pass's time goes: every LibTorch operator the native loop runs in the pass's
   * first 1000 batches (PROFILE_BATCHES), with its calls and its self time, in the result's
   * `profile` (LibTorch's profiler, as PyTorch's torch.autograd.profiler; it adds about a
   * microsecond per operator). A file name also writes the Chrome trace there (chrome://tracing,
   * Perfetto), atomically.
   */
  profile?: boolean | string;
  /** @internal fit's per-batch callbacks: called after every training step (the native loop goes on meanwhile). */
  onStep?: (s: { step: number; loss: number; done: number; total: number }) => void;
}

export interface FitOptions<T extends Task = 'classification'> extends Omit<PassOptions, 'profile'> {
  /** Tensors in memory ({ inputs, targets }) or a BatchDataset that loads samples on demand. */
  train: TrainingData;
  test?: TrainingData;
  /** Number of epochs to run (Torch7 ran forever). */
  epochs: number;
  /**
   * Folder for train.log, test.log, model.net.<epoch> and `checkpoint` (all written atomically);
   * none when unset. A Trainer that already trained (e.g. after loadCheckpoint) continues the logs
   * from its epoch (rows logged after the checkpoint by a run that crashed are dropped).
   */
  save?: string;
  /**
   * The format of model.net.<epoch>: 'nodetorch' (default; nn.load reads it) or 'torch7' (Torch7's
   * torch.save format, which Torch7's torch.load, torch7.load and nn.load read).
   */
  saveFormat?: 'nodetorch' | 'torch7';
  /** Called after each epoch (after the test pass). */
  onEpoch?: (result: EpochResult<T>) => void | Promise<void>;
  /** Objects with onTrainBegin / onEpochEnd / onTrainEnd hooks (EarlyStopping is one); any may call trainer.stop(reason). */
  callbacks?: Callback[];
  /**
   * A folder for TensorBoard's event file: per epoch the losses, accuracies (or MAE and RMSE) and
   * the learning rate, the confusion matrix as an image; at the end the hyper-parameters.
   */
  tensorboard?: string;
  /**
   * Keeps the best model by this metric (requires `save`): `<save>/model.best`, rewritten whenever
   * the metric improves; fit's result gives its epoch in `best`.
   */
  keepBest?: EpochMetric;
  /** Switch optimizer after this many epochs (the report's SGD → L-BFGS experiments). */
  switchAt?: number;
  /** The optimizer to switch to at switchAt. */
  switchTo?: OptimizerSpec;
}

const OPTION_KEYS = [
  'model',
  'task',
  'criterion',
  'optimizer',
  'batchSize',
  'classes',
  'classNames',
  'shuffle',
  'testBatchSize',
  'augment',
  'schedule',
  'gradClip',
  'precision',
  'memoryFormat',
  'ema',
  'distributed',
];

/** A pass's profiling: the batches it may still record, and what each native pass recorded. */
interface Profiling {
  left: number;
  chunks: ProfiledChunk[];
}

/** The Trainer's arithmetic: the model's own dtype, or autocast to bfloat16 or float16. */
export type Precision = 'fp32' | 'bf16' | 'fp16';
const AUTOCAST_DTYPE = { bf16: 'bfloat16', fp16: 'float16' } as const;
/**
 * memoryFormat 'auto': channels-last for a CPU model with convolution weights, in float32 or in bf16
 * autocast on a CPU with native bf16: measured 1.2–1.6× the contiguous model's samples/s in both
 * (docs/benchmarks.md). The model's own layout otherwise: float64 (oneDNN has no float64
 * convolutions), fp16 on the CPU and GPUs were not measured faster.
 */
function autoMemoryFormat(model: Module, precision: Precision): MemoryFormat {
  if (model.memoryFormat === 'channelsLast' || model.device !== 'cpu' || model.dtype !== 'float32') return model.memoryFormat;
  if (precision === 'fp16' || (precision === 'bf16' && !cpuHasNativeBf16())) return model.memoryFormat;
  const [params, grads] = model.parameters();
  const convolutional = params.some((p) => p.ndim === 4);
  [...params, ...grads].forEach((t) => t.dispose());
  return convolutional ? 'channelsLast' : model.memoryFormat;
}

/** PyTorch GradScaler's state at the start: a scale of 2^16, no good steps yet. */
const freshLossScale = (): LossScaleState => ({ scale: 65536, goodSteps: 0 });

export class Trainer<T extends Task = 'classification'> {
  readonly model: Module;
  readonly criterion: Criterion;
  readonly batchSize: number;
  readonly classNames: string[];
  /** What the Trainer inferred rather than was told (the task, the class count), in words; see `task` and `classes`. */
  readonly inferred: string[] = [];
  #task: T | undefined;
  #classes: number | undefined;
  readonly shuffle: boolean;
  readonly testBatchSize: number;
  readonly augment: Augmentation[];
  /** Gradient clipping (0: off), see TrainerOptions.gradClip. */
  readonly gradClip: { norm: number; value: number };
  /** See TrainerOptions.precision. */
  readonly precision: Precision;
  /** precision 'fp16': the dynamic loss scale now and the good steps since it last changed. */
  #lossScale: LossScaleState | undefined;
  /** The weight average (option ema), or null. */
  #average: WeightAverage | null = null;
  /** The process group of a data-parallel Trainer, or null. */
  readonly distributed: ProcessGroup | null;
  /** Epochs trained so far. */
  epoch = 0;
  #params: Tensor;
  #grads: Tensor;
  #optimizer!: NativeOptimizer;
  #spec: OptimizerSpec = { method: 'sgd' };
  #schedule: LrSchedule | null = null;
  #running = false;
  #stopReason: string | null = null;
  /** Optimizer steps taken by this Trainer's passes (the x axis of per-step curves). */
  #stepsTaken = 0;
  /** Cancels the native pass running now (set by each pass). */
  #cancelPass: (() => void) | null = null;
  #fitting = false;
  /** Whether the ranks' parameters are known equal (broadcast from rank 0); reset by loadCheckpoint. */
  #synced = false;

  constructor(options: TrainerOptions<T>) {
    if (typeof options !== 'object' || options === null) invalid('an options object', 'Trainer', options);
    checkKeys(options, OPTION_KEYS, 'Trainer');
    if (!(options.model instanceof Module)) invalid('an nn module', 'Trainer model', options.model);
    if (!(options.criterion instanceof Criterion)) invalid('an nn criterion', 'Trainer criterion', options.criterion);
    this.model = options.model;
    this.criterion = options.criterion;
    if (options.task !== undefined) this.#task = checkOneOf(options.task, ['classification', 'regression'] as const, 'Trainer task') as T;
    else if (options.classes !== undefined || options.classNames !== undefined) this.#task = 'classification' as T;
    else this.#task = taskOfCriterion(this.criterion) as T | undefined; // undefined: decided by the first pass's targets
    if (this.#task && options.task === undefined)
      this.inferred.push(
        `task '${this.#task}' (from ${options.classes !== undefined || options.classNames !== undefined ? 'classes/classNames' : this.criterion.type})`,
      );
    if (this.#task === 'regression' && (options.classes !== undefined || options.classNames !== undefined)) {
      throw new TorchError('Trainer: classes and classNames are for classification; a regression Trainer takes neither');
    }
    this.batchSize = checkInteger(options.batchSize ?? 1, 'batchSize', 1);
    if (options.classes !== undefined) this.#classes = checkInteger(options.classes, 'classes', 2, MAX_CLASSES);
    else if (options.classNames !== undefined && Array.isArray(options.classNames))
      this.#classes = checkInteger(options.classNames.length, 'the number of classNames', 2, MAX_CLASSES);
    this.classNames = options.classNames ?? [];
    if (
      !Array.isArray(this.classNames) ||
      (this.#classes !== undefined && options.classNames !== undefined && this.classNames.length !== this.#classes) ||
      this.classNames.some((n) => typeof n !== 'string')
    ) {
      invalid(`${this.#classes} class names`, 'classNames', options.classNames);
    }
    this.shuffle = checkBoolean(options.shuffle ?? true, 'shuffle');
    this.testBatchSize = checkInteger(options.testBatchSize ?? 100, 'testBatchSize', 1);
    this.augment = options.augment ?? [];
    if (
      !Array.isArray(this.augment) ||
      this.augment.some((a) => typeof a !== 'object' || a === null || !['rotate', 'noise'].includes(a.kind))
    ) {
      invalid('an array of augmentations (augment.rotate, augment.noise)', 'Trainer augment', options.augment);
    }
    this.gradClip = checkGradClip(options.gradClip);
    this.precision = checkOneOf(options.precision ?? 'fp32', ['fp32', 'bf16', 'fp16'] as const, 'Trainer precision');
    if (this.precision !== 'fp32' && this.model.dtype !== 'float32') {
      throw new TorchError(
        `Trainer: precision '${this.precision}' keeps float32 master weights, but the model is ${this.model.dtype}; convert it with model.float()`,
        { code: 'DTYPE_MISMATCH' },
      );
    }
    if (this.precision === 'fp16') this.#lossScale = freshLossScale();
    const memoryFormat = checkOneOf(
      options.memoryFormat ?? 'auto',
      ['auto', 'contiguous', 'channelsLast'] as const,
      'Trainer memoryFormat',
    );
    const layout = memoryFormat === 'auto' ? autoMemoryFormat(this.model, this.precision) : memoryFormat;
    if (layout !== this.model.memoryFormat) {
      this.model.to({ memoryFormat: layout });
      if (memoryFormat === 'auto')
        this.inferred.push(
          `memory format 'channelsLast' (${this.precision === 'bf16' ? 'bf16 autocast on a CPU with native bf16' : 'a float32 convnet on the CPU'})`,
        );
    }
    if (options.distributed !== undefined && !(options.distributed instanceof ProcessGroup))
      invalid('a process group from distributed.init', 'Trainer distributed', options.distributed);
    this.distributed = options.distributed ?? null;
    // Torch7 calls getParameters() once; every parameter becomes a view of these flat vectors.
    // held for the Trainer's life: out of any tidy() the Trainer is made in
    [this.#params, this.#grads] = this.model.getParameters().map(keep) as [Tensor, Tensor];
    if (options.schedule !== undefined) this.#schedule = new LrSchedule(options.schedule);
    const ema = checkEmaDecay(options.ema);
    if (ema !== undefined) this.#average = new WeightAverage(ema);
    this.setOptimizer(options.optimizer ?? { method: 'sgd' });
  }

  /** The weight average's decay (option ema), or null without one. */
  get ema(): number | null {
    return this.#average?.decay ?? null;
  }

  /**
   * A copy of the weight average (option ema) as a flat vector like `parameters`, or null without
   * one or before the first step. `trainer.parameters.copy(trainer.averagedParameters()!)` puts it
   * into the model for good.
   */
  averagedParameters(): Tensor | null {
    if (this.#running) throw new TorchError('averagedParameters: a pass is running; await it first', { code: 'BUSY' });
    return this.#average?.copy() ?? null;
  }

  /** Runs `fn` (saving a model) with the weight average in the model, where there is one. */
  #withAverage(fn: () => void): void {
    if (!this.#average) return fn();
    this.#refreshFlat();
    this.#average.whileApplied(this.#params, fn);
  }

  /** precision 'fp16': the dynamic loss scale (PyTorch's scaler.get_scale()); null otherwise. */
  get lossScale(): number | null {
    return this.#lossScale?.scale ?? null;
  }

  /**
   * 'classification' or 'regression': as given, else inferred from the criterion (ClassNLL and
   * MultiMargin classify; Abs, SmoothL1 and BCE regress) or, for MSECriterion (both), from the first
   * pass's targets (a vector of whole numbers: class indices, Torch7's ±1 encoding; anything else:
   * regression).
   * 'classification' until a pass has decided.
   */
  get task(): T {
    return this.#task ?? ('classification' as T);
  }

  /**
   * The class count of a classification Trainer: as given (classes or classNames), else the width of
   * the model's output, read from one sample at the first pass (10 until then).
   */
  get classes(): number {
    return this.#classes ?? 10;
  }

  /** Settles the task and class count the options left open, from the first data a pass sees. */
  #infer(inputs: Tensor, targets: Tensor): void {
    if (this.#task === undefined) {
      // a vector of whole numbers is class indices, also in a floating tensor (Torch7's targets were DoubleTensors)
      const classIndices = tidy(() =>
        targets.dtype !== 'float32' && targets.dtype !== 'float64'
          ? true
          : targets.ndim === 1 && targets.ne(targets.floor()).sum().item() === 0,
      );
      this.#task = (classIndices ? 'classification' : 'regression') as T;
      this.inferred.push(`task '${this.#task}' (from ${this.criterion.type} and ${targets.dtype} targets)`);
    }
    if (this.#task === 'classification' && this.#classes === undefined && inputs.shape[0] > 0) {
      let width: number;
      try {
        width = outputWidth(this.model, inputs);
      } catch (e) {
        if (e instanceof TorchError) return; // inputs the model cannot take: the pass reports it
        throw e;
      }
      if (width < 2 || width > MAX_CLASSES) {
        throw new TorchError(
          `Trainer: the model's output has ${width} values per sample, so its class count cannot be inferred; give classes (2 to ${MAX_CLASSES}) or task: 'regression'`,
        );
      }
      this.#classes = width;
      this.inferred.push(`${width} classes (from the model's output width)`);
    }
  }

  /**
   * Ends a running fit cleanly after the current epoch: fit returns the epochs run, with `stopped`
   * saying after which epoch and why. For callbacks and onEpoch.
   */
  stop(reason = 'stopped'): void {
    if (typeof reason !== 'string') invalid('a string', 'Trainer.stop reason', reason);
    this.#stopReason = reason;
    // from a per-batch callback: the running training pass ends at its next batch
    if (this.#fitting && this.#running) this.#cancelPass?.();
  }

  #control(): TrainerControl {
    const epoch = () => this.epoch;
    return {
      get epoch() {
        return epoch();
      },
      model: this.model,
      stop: (reason: string) => this.stop(reason),
    };
  }

  /** The optimizer, its config's numbers and the batch size, for TensorBoard's HParams. */
  #hyperParameters(): Record<string, number | string | boolean> {
    const out: Record<string, number | string | boolean> = { optimizer: this.#spec.method, batchSize: this.batchSize };
    if (this.#average) out.ema = this.#average.decay;
    for (const [k, v] of Object.entries(this.#spec.config ?? {}))
      if (['number', 'string', 'boolean'].includes(typeof v)) out[k] = v as number;
    return out;
  }

  /** The optimizer method in use. */
  get method(): OptimizerSpec['method'] {
    return this.#spec.method;
  }

  /**
   * Switches to another optimizer or config for the following epochs, as the report did when it
   * moved from SGD to L-BFGS mid-run. The same method keeps its state (momentum, moments, L-BFGS
   * history…) unless `keepState` is false; another method starts fresh.
   */
  setOptimizer(spec: OptimizerSpec, options: { keepState?: boolean } = {}): void {
    if (this.#running) throw new TorchError('setOptimizer: a pass is running; await it first', { code: 'BUSY' });
    checkKeys(options, ['keepState'], 'setOptimizer options');
    const keepState = checkBoolean(options.keepState ?? true, 'keepState');
    const [optimizer, complete] = createOptimizer(spec);
    this.#schedule?.checkMethod(complete.method);
    if (this.#average && complete.method === 'asgd')
      throw new TorchError("Trainer: asgd evaluates with its own average of the parameters; drop the Trainer's ema to use it");
    // a skipped step must leave the method as it was; lbfgs and cg evaluate several times per step
    if (this.precision === 'fp16' && (complete.method === 'lbfgs' || complete.method === 'cg')) {
      throw new TorchError(
        `Trainer: precision 'fp16' skips the steps whose scaled gradients overflow, which needs a one-evaluation optimizer (sgd, adam, …), not ${complete.method}; use precision 'bf16' (no loss scale) with ${complete.method}`,
      );
    }
    if (keepState && this.#optimizer && complete.method === this.#spec.method) {
      const tensors = native().optimizerTensors(this.#optimizer);
      try {
        native().optimizerRestore(optimizer, native().optimizerState(this.#optimizer), tensors);
      } finally {
        Object.values(tensors).forEach((t) => new Tensor(t).dispose());
      }
    }
    [this.#optimizer, this.#spec] = [optimizer, complete];
  }

  /** The learning rate the next training step uses (the config's, times the schedule's factor), or null for methods without one. */
  get learningRate(): number | null {
    const base = this.#baseRate();
    if (base === null) return null;
    return this.#schedule ? base * this.#schedule.factor(this.epoch, base) : base;
  }

  /** The schedule's progress (steps taken; the plateau schedule's best metric and counters), or null without a schedule. */
  get scheduleState(): LrSchedule['state'] | null {
    return this.#schedule ? { ...this.#schedule.state } : null;
  }

  /**
   * Gives ReduceLROnPlateau an epoch's metrics when training with trainEpoch/test rather than fit
   * (fit does this after every epoch); other schedules ignore it.
   */
  stepSchedule(metrics: Partial<Record<PlateauMetric, number>>): void {
    checkKeys(metrics, ['testLoss', 'trainLoss', 'testAccuracy', 'trainAccuracy'], 'stepSchedule metrics');
    for (const [k, v] of Object.entries(metrics))
      if (typeof v !== 'number' || !Number.isFinite(v)) invalid('a finite number', `stepSchedule ${k}`, v);
    this.#schedule?.afterEpoch(metrics, this.#baseRate() ?? 0);
  }

  /** The configured learning rate of the optimizer in use, or null for methods without one. */
  #baseRate(): number | null {
    const config = completeConfig(this.#spec.method, this.#spec.config ?? {});
    return typeof config.learningRate === 'number' ? config.learningRate : null;
  }

  /**
   * Writes a checkpoint (atomically): the model's parameters, the optimizer (method, config and
   * its whole state: momentum buffer, L-BFGS history, ASGD average…), the epoch count and the
   * random generator's state, so that training resumes exactly with loadCheckpoint.
   */
  saveCheckpoint(file: string): void {
    checkFileName(file, 'saveCheckpoint file');
    if (this.#running) throw new TorchError('saveCheckpoint: a pass is running; await it first', { code: 'BUSY' });
    const schedule = this.#schedule ? { spec: this.#schedule.spec, state: this.#schedule.state } : null;
    this.#refreshFlat();
    writeCheckpoint(
      file,
      this.model,
      this.#params,
      this.#spec,
      this.#optimizer,
      this.epoch,
      schedule,
      this.#lossScale,
      this.#average?.save(),
    );
  }

  /** Restores a checkpoint written by saveCheckpoint into this Trainer (same model structure). */
  loadCheckpoint(file: string): void {
    if (this.#running) throw new TorchError('loadCheckpoint: a pass is running; await it first', { code: 'BUSY' });
    this.#refreshFlat();
    readCheckpoint(file, this.model, (c) => {
      if (c.params.numel !== this.#params.numel)
        throw new TorchError(`loadCheckpoint: ${c.params.numel} parameters in the file, ${this.#params.numel} in the model`);
      // What can fail comes first, on a new optimizer, so that a failure changes nothing here.
      const [optimizer, spec] = createOptimizer(c.optimizer);
      // a saved schedule replaces this Trainer's; a file without one keeps this Trainer's, restarted
      let schedule = this.#schedule ? new LrSchedule(this.#schedule.spec) : null;
      if (c.schedule) {
        schedule = new LrSchedule(c.schedule.spec);
        schedule.restore(c.schedule.state);
      }
      schedule?.checkMethod(spec.method);
      // checkpoints hold CPU tensors: the optimizer's state goes to the model's device (CUDA)
      const onDevice: Record<string, NativeTensor> = {};
      try {
        for (const [name, t] of Object.entries(c.tensors)) {
          // every state tensor (momentum, moments, L-BFGS's directions, ASGD's average) is one value per parameter
          const shape = native().shape(t);
          if (shape.length !== 1 || shape[0] !== this.#params.numel) {
            throw new TorchError(
              `loadCheckpoint: '${file}' is damaged: the optimizer's '${name}' has shape [${shape.join(', ')}]; expected [${this.#params.numel}], one value per parameter`,
              { code: 'CORRUPT_FILE' },
            );
          }
          onDevice[name] = native().to(t, this.#params.dtype, this.model.device);
        }
        native().optimizerRestore(optimizer, c.scalars, onDevice);
      } finally {
        Object.values(onDevice).forEach((t) => new Tensor(t).dispose());
      }
      // a checkpoint written before buffers were saved (version 3 and older) keeps the model's own
      if (c.buffers.length > 0) restoreBuffers(this.model, c.buffers, `loadCheckpoint: '${file}'`);
      // the random stream continues where it was (shuffling, augmentation); set_state checks it
      native().setRngState(c.rng);
      [this.#optimizer, this.#spec, this.#schedule] = [optimizer, spec, schedule];
      this.#params.copy(c.params);
      this.epoch = c.epoch;
      // an fp16 Trainer continues the saved scale; a checkpoint without one starts it afresh
      if (this.#lossScale) this.#lossScale = c.lossScale ? { ...c.lossScale } : freshLossScale();
      // an ema Trainer continues the saved average; a checkpoint without one starts it afresh
      this.#average?.restore(c.average, this.#params);
      this.#synced = false;
    });
  }

  // model.to(), setParameters or a getParameters() inside the model since re-pointed its parameters
  #refreshFlat(): void {
    [this.#params, this.#grads] = this.model.currentFlat(this.#params, this.#grads, 'Trainer').map(keep) as [Tensor, Tensor];
  }

  /** The flat parameter vector the optimizer updates (Torch7's `parameters`). */
  get parameters(): Tensor {
    if (!this.#running) this.#refreshFlat();
    return this.#params;
  }

  /** The native optimizer's Torch7 scalar state: evalCounter (sgd, adagrad, adadelta, nag), nIter, funcEval, t (lbfgs), t, eta_t, mu_t (asgd), t (adam, adamax, adamw). */
  optimizerState(): Record<string, number> {
    if (this.#running) throw new TorchError('optimizerState: a pass is running; await it first', { code: 'BUSY' });
    return native().optimizerState(this.#optimizer);
  }

  /** One training epoch over `data` (shuffled), natively; a BatchDataset streams in chunks. */
  async trainEpoch(data: TrainingData, options: PassOptions = {}): Promise<PassResultOf<T>> {
    const result = await this.#pass('train', data, options);
    this.epoch += 1;
    return result;
  }

  /** One evaluation pass over `data` in file order (evaluate mode, no gradients). */
  async test(data: TrainingData, options: PassOptions = {}): Promise<PassResultOf<T>> {
    return this.#pass('test', data, options);
  }

  /**
   * Trains for `epochs` epochs, testing after each, like Torch7's doall.lua loop; with `save`,
   * writes train.log / test.log in Torch7's format and model.net.<epoch> after every epoch.
   */
  async fit(options: FitOptions<T>): Promise<FitResults<T>> {
    checkKeys(
      options,
      [
        'train',
        'test',
        'epochs',
        'save',
        'saveFormat',
        'onEpoch',
        'callbacks',
        'tensorboard',
        'keepBest',
        'signal',
        'onProgress',
        'switchAt',
        'switchTo',
      ],
      'Trainer.fit',
    );
    const callbacks = checkCallbacks(options.callbacks);
    if (this.#average && callbacks.some((c) => c instanceof EarlyStopping && c.restoreBest))
      throw new TorchError(
        "Trainer.fit: EarlyStopping's restoreBest would restore the parameters, but with ema the test passes score the weight average; use keepBest, which saves the averaged model",
      );
    const keepBest = options.keepBest === undefined ? undefined : checkOneOf(options.keepBest, EPOCH_METRICS, 'Trainer.fit keepBest');
    if (keepBest && options.save === undefined) throw new TorchError('Trainer.fit: keepBest writes <save>/model.best, so it needs save');
    if (options.tensorboard !== undefined) checkFileName(options.tensorboard, 'Trainer.fit tensorboard');
    const saveFormat = checkOneOf(options.saveFormat ?? 'nodetorch', ['nodetorch', 'torch7'] as const, 'Trainer.fit saveFormat');
    const epochs = checkInteger(options.epochs, 'epochs', 1);
    if ((options.switchAt === undefined) !== (options.switchTo === undefined))
      throw new TorchError('Trainer.fit: switchAt and switchTo go together');
    const switchAt = options.switchAt === undefined ? -1 : checkInteger(options.switchAt, 'switchAt', 0);
    if (options.onEpoch !== undefined && typeof options.onEpoch !== 'function')
      invalid('a function', 'Trainer.fit onEpoch', options.onEpoch);
    if (options.save !== undefined && (typeof options.save !== 'string' || options.save === ''))
      invalid('a folder name', 'Trainer.fit save', options.save);
    checkPassOptions(options, 'Trainer.fit');
    // in a data-parallel job, rank 0 writes for everyone (all ranks hold the same model)
    const save = this.distributed && this.distributed.rank !== 0 ? undefined : options.save;
    // A resumed run continues the logs from the checkpoint's epoch: rows of epochs after it (run
    // again now) are dropped, and so are the temporary files of a run that was killed.
    if (save) {
      makeFolder(save); // a folder that cannot be made is an error before any training
      removeStaleTemps(save);
    }
    const loggers = save
      ? {
          train: new Logger(path.join(save, 'train.log'), { append: this.epoch > 0, rows: this.epoch }),
          test: new Logger(path.join(save, 'test.log'), { append: this.epoch > 0, rows: this.epoch }),
        }
      : undefined;
    const results: FitResults<T> = [];
    const board =
      options.tensorboard !== undefined && (!this.distributed || this.distributed.rank === 0)
        ? new EpochBoard(options.tensorboard)
        : undefined;
    this.#stopReason = null;
    const control = this.#control();
    for (const c of callbacks) await c.onTrainBegin?.(control);
    const batchCallbacks = callbacks.filter((c) => c.onBatchEnd);
    this.#fitting = true;
    try {
      for (let i = 0; i < epochs && this.#stopReason === null; i++) {
        if (this.epoch === switchAt) this.setOptimizer(options.switchTo!);
        const learningRate = this.learningRate;
        const stepsBefore = this.#stepsTaken;
        const epoch = this.epoch + 1;
        const onStep =
          batchCallbacks.length > 0
            ? (s: { step: number; loss: number; done: number; total: number }) =>
                batchCallbacks.forEach(
                  (c) => void c.onBatchEnd!({ epoch, step: stepsBefore + s.step, loss: s.loss, done: s.done, total: s.total }, control),
                )
            : undefined;
        let train: PassResultOf<T>;
        try {
          train = await this.trainEpoch(options.train, { ...passOptions(options), ...(onStep ? { onStep } : {}) });
        } catch (e) {
          // a per-batch callback stopped training: the epoch's partial result, and fit ends normally
          if (!(e instanceof AbortError && this.#stopReason !== null && !options.signal?.aborted)) throw e;
          this.epoch += 1;
          const partial = (e as { partial?: PassResultOf<T> }).partial;
          if (partial) results.push({ epoch: this.epoch, learningRate, train: partial });
          break;
        }
        const result: EpochResult<T> = { epoch: this.epoch, learningRate, train };
        loggers?.train.add(logRow(train, 'train'));
        if (save)
          this.#withAverage(() =>
            (saveFormat === 'torch7' ? saveTorch7 : saveModel)(path.join(save, `model.net.${this.epoch}`), this.model),
          );
        if (options.test) {
          result.test = await this.test(options.test, passOptions(options));
          loggers?.test.add(logRow(result.test, 'test'));
        }
        const metrics = epochMetrics(train, result.test);
        this.#schedule?.afterEpoch(metrics, this.#baseRate() ?? 0);
        if (save) this.saveCheckpoint(path.join(save, 'checkpoint'));
        results.push(result);
        board?.epoch(result, stepsBefore);
        if (keepBest && save) {
          const value = metrics[keepBest];
          if (value === undefined)
            throw new TorchError(`Trainer.fit: keepBest follows ${keepBest}, which epoch ${this.epoch} did not measure (no test set?)`);
          if (improves(keepBest, value, results.best?.value ?? null)) {
            const file = path.join(save, 'model.best');
            this.#withAverage(() => (saveFormat === 'torch7' ? saveTorch7 : saveModel)(file, this.model));
            results.best = { epoch: this.epoch, metric: keepBest, value, file };
          }
        }
        for (const c of callbacks) await c.onEpochEnd?.({ epoch: this.epoch, learningRate, metrics }, control);
        await options.onEpoch?.(result);
      }
      if (this.#stopReason !== null) results.stopped = { epoch: this.epoch, reason: this.#stopReason };
      this.#fitting = false;
      for (const c of callbacks) await c.onTrainEnd?.(control);
    } finally {
      this.#fitting = false;
      board?.close(this.#hyperParameters(), results);
    }
    return results;
  }

  async #pass(phase: 'train' | 'test', data: TrainingData, options: PassOptions): Promise<PassResultOf<T>> {
    if (typeof data !== 'object' || data === null)
      invalid('a dataset: { inputs, targets } or { length, batch(indices) }', `${phase} data`, data);
    checkPassOptions(options, phase);
    // before anything reads the model (inferring the class count runs it): no other pass may be using it
    if (this.#running) throw new TorchError(`${phase}: another pass of this Trainer is running; await it first`, { code: 'BUSY' });
    // One pass at a time per model: two would step the same parameters and autograd graph at once.
    if (this.model.busy)
      throw new TorchError(`${phase}: the model is being trained by another pass (another Trainer?); await it first`, { code: 'BUSY' });
    this.#refreshFlat();
    // a streamed dataset's first chunk settles what the options left open (in memory: the data, below)
    const checkTargets = (targets: Tensor, what: string, inputs?: Tensor) => {
      if (inputs) this.#infer(inputs, targets);
      const told =
        this.inferred.length > 0 ? ` (inferred: ${this.inferred.join(', ')}; give task or classes to the Trainer to say otherwise)` : '';
      try {
        if (this.task === 'regression') checkRealTargets(targets, what);
        else checkClassTargets(targets, this.classes, what);
      } catch (e) {
        if (e instanceof TorchError) e.message += told;
        throw e;
      }
    };
    if (isBatchDataset(data)) checkBatchDataset(data, phase);
    else {
      if (data.inputs instanceof Tensor && data.targets instanceof Tensor && !data.inputs.isDisposed && !data.targets.isDisposed)
        this.#infer(data.inputs, data.targets);
      checkTensorData(data, phase, checkTargets);
    }
    if (options.signal?.aborted) throw abortError(phase);
    this.#running = true;
    this.model.setBusy(true);
    const epoch = phase === 'train' ? this.epoch + 1 : this.epoch;
    // with per-step reports, onProgress keeps its ~10 calls a second
    let lastProgress = 0;
    const onProgress = (done: number, total: number, loss: number) => {
      const now = Date.now();
      if (options.onStep && phase === 'train' && done < total && now - lastProgress < 100) return;
      lastProgress = now;
      options.onProgress?.({ phase, epoch, done, total, loss });
    };
    const schedule =
      phase === 'train' && this.#schedule ? this.#schedule.pass(this.epoch, this.#baseRate() ?? 0) : { rateScale: 1, firstStep: 0 };
    const shuffle = phase === 'train' && this.shuffle;
    const batchSize = phase === 'train' ? this.batchSize : this.testBatchSize;
    const group = this.distributed;
    const onStep = phase === 'train' ? options.onStep : undefined;
    // with `profile`, the first PROFILE_BATCHES batches are recorded, across a streamed pass's chunks
    const profiling: Profiling | undefined = options.profile ? { left: PROFILE_BATCHES, chunks: [] } : undefined;
    const run = (
      chunk: Dataset,
      shuffleChunk: boolean,
      stepsBefore: number,
      progress: (done: number, loss: number) => void,
      order?: number[],
    ) =>
      this.#nativePass(
        phase,
        chunk,
        shuffleChunk,
        { ...schedule, firstStep: schedule.firstStep + stepsBefore },
        progress,
        options.signal,
        order,
        onStep && ((step, loss, done, total) => onStep({ step: stepsBefore + step, loss, done, total })),
        profiling,
      );
    try {
      if (group && !this.#synced) {
        await syncModel(group, this.#params);
        this.#synced = true;
      }
      const length = isBatchDataset(data) ? data.length : data.inputs.shape[0];
      // a data-parallel pass visits this rank's shard of the epoch, in the order rank 0 drew
      const order = group ? await shardedOrder(group, phase, length, shuffle, batchSize) : undefined;
      let r = isBatchDataset(data)
        ? await streamPass(data, {
            phase,
            shuffle,
            batchSize,
            checkTargets,
            onProgress,
            signal: options.signal,
            order,
            run: (chunk, steps, progress) => run(chunk, false, steps, progress),
          })
        : await run(data, shuffle, 0, (done, loss) => onProgress(done, order?.length ?? length, loss), order);
      if (group) r = { ...r, counts: await reduceCounts(group, r.counts, phase) };
      if (phase === 'train') this.#schedule?.afterPass(r.counts.steps);
      const result = passResult(r.counts, this.task, this.classNames, this.classes) as PassResultOf<T>;
      const base = this.#baseRate();
      if (phase === 'train' && base !== null && r.counts.steps > 0) result.stepLearningRates = r.counts.stepRates.map((f) => f * base);
      if (phase === 'train') this.#stepsTaken += r.counts.steps;
      if (profiling) {
        const { profile, events } = profileOf(profiling.chunks);
        result.profile = profile;
        if (typeof options.profile === 'string') writeFileAtomic(options.profile, JSON.stringify(events));
      }
      if (r.aborted) throw abortError(phase, result);
      return result;
    } finally {
      this.#running = false;
      this.model.setBusy(false);
    }
  }

  /** One native pass over tensors in memory (a whole split, or one chunk of a streamed one). */
  async #nativePass(
    phase: 'train' | 'test',
    data: Dataset,
    shuffle: boolean,
    schedule: PassSchedule,
    onProgress: (done: number, loss: number) => void,
    signal?: AbortSignal,
    order?: number[],
    onStep?: (step: number, loss: number, done: number, total: number) => void,
    profiling?: Profiling,
  ): Promise<ChunkRun> {
    const orderTensor = order ? tensor(order, { dtype: 'int64' }) : undefined;
    const job = native().runPass(
      {
        model: this.model.handle,
        criterion: this.criterion.handle,
        train: phase === 'train',
        augment: this.augment.map(({ kind, std, mode }) => ({ kind, std, ...(mode ? { mode } : {}) })),
        // test passes get the optimizer too, for ASGD's averaged parameters
        optimizer: this.#optimizer,
        params: this.#params.handle,
        grads: this.#grads.handle,
        inputs: data.inputs.handle,
        targets: data.targets.handle,
        batchSize: phase === 'train' ? this.batchSize : this.testBatchSize,
        classes: this.classes,
        regression: this.task === 'regression',
        shuffle,
        dtype: this.model.dtype,
        device: this.model.device,
        channelsLast: this.model.memoryFormat === 'channelsLast',
        ...schedule,
        ...(orderTensor ? { order: orderTensor.handle } : {}),
        ...(this.distributed && phase === 'train' ? { group: this.distributed.handle } : {}),
        gradClipNorm: this.gradClip.norm,
        gradClipValue: this.gradClip.value,
        reportEachStep: onStep !== undefined,
        ...(this.precision !== 'fp32' ? { autocast: AUTOCAST_DTYPE[this.precision] } : {}),
        ...(this.#lossScale && phase === 'train'
          ? { lossScale: this.#lossScale.scale, lossScaleGoodSteps: this.#lossScale.goodSteps }
          : {}),
        ...(this.#average ? this.#average.passOptions(this.#params, phase === 'train') : {}),
        ...(profiling && profiling.left > 0 ? { profileBatches: profiling.left } : {}),
      },
      (p) => {
        if (p.step !== undefined) onStep?.(p.step, p.stepLoss!, p.done, p.total);
        onProgress(p.done, p.loss);
      },
    );
    const abort = () => job.cancel();
    this.#cancelPass = abort;
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const r = await job.promise;
      if (r.lossScale !== undefined) this.#lossScale = { scale: r.lossScale, goodSteps: r.lossScaleGoodSteps! };
      this.#average?.afterPass(r.averageUpdates);
      if (profiling && r.trace !== undefined) {
        profiling.left -= r.profiledBatches!;
        profiling.chunks.push({ events: parseTrace(r.trace), seconds: r.profiledSeconds!, batches: r.profiledBatches! });
      }
      return { counts: readCounts(r), aborted: r.aborted };
    } finally {
      signal?.removeEventListener('abort', abort);
      orderTensor?.dispose();
    }
  }
}

/** The criteria that settle the task; MSECriterion takes both class indices and real targets. */
function taskOfCriterion(criterion: Criterion): Task | undefined {
  if (['ClassNLLCriterion', 'MultiMarginCriterion', 'CrossEntropyCriterion'].includes(criterion.type)) return 'classification';
  if (
    [
      'AbsCriterion',
      'SmoothL1Criterion',
      'BCECriterion',
      'BCEWithLogitsCriterion',
      'DistKLDivCriterion',
      'HingeEmbeddingCriterion',
    ].includes(criterion.type)
  )
    return 'regression';
  return undefined;
}

/**
 * The number of values the model outputs for one sample (its last dimension), in evaluation mode.
 * Natively, not through model.forward: a streamed pass has marked the model busy when its first
 * chunk arrives, and no native pass runs on it yet.
 */
function outputWidth(model: Module, inputs: Tensor): number {
  const wasTraining = model.train;
  native().moduleSetTraining(model.handle, false);
  try {
    return tidy(() =>
      noGrad(() => {
        const out = new Tensor(native().moduleForward(model.handle, inputs.slice(0, 0, 1).to(model.dtype).to(model.device).handle));
        return out.ndim === 0 ? 1 : out.shape[out.ndim - 1];
      }),
    );
  } finally {
    native().moduleSetTraining(model.handle, wasTraining);
  }
}

/** Checks a split held in memory before a pass. */
function checkTensorData(data: Dataset, phase: string, checkTargets: (targets: Tensor, what: string) => void): void {
  const inputs = checkTensor(data.inputs, `${phase} data inputs`);
  const targets = checkTensor(data.targets, `${phase} data targets`);
  if (inputs.ndim === 0 || inputs.shape[0] === 0)
    throw new TorchError(`${phase}: the dataset is empty (inputs of shape [${inputs.shape.join(', ')}])`);
  if (inputs.shape[0] !== targets.shape[0]) {
    throw new TorchError(`${phase}: ${inputs.shape[0]} inputs but ${targets.shape[0]} targets`, { code: 'SHAPE_MISMATCH' });
  }
  checkTargets(targets, phase);
}

/** What of fit's options its passes take. */
function passOptions(options: PassOptions): PassOptions {
  return { ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
}

function checkPassOptions(options: PassOptions, phase: string): void {
  if (typeof options !== 'object' || options === null) invalid('an options object', `${phase} options`, options);
  if (phase === 'train' || phase === 'test') checkKeys(options, ['signal', 'onProgress', 'profile', 'onStep'], `${phase} options`);
  if (options.onStep !== undefined && typeof options.onStep !== 'function') invalid('a function', `${phase} onStep`, options.onStep);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
    invalid('an AbortSignal', `${phase} signal`, options.signal);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    invalid('a function', `${phase} onProgress`, options.onProgress);
  if (options.profile !== undefined && typeof options.profile !== 'boolean') {
    // before the pass: a trace that cannot be written must not cost the pass's result
    checkWritableFile(checkFileName(options.profile, `${phase} profile`), `${phase} profile`);
  }
}

/** A native optimizer for `spec`, and the spec as the Trainer keeps it (a copy). */
function createOptimizer(spec: OptimizerSpec): [NativeOptimizer, OptimizerSpec] {
  if (typeof spec !== 'object' || spec === null) invalid('{ method, config }', 'optimizer', spec);
  checkKeys(spec, ['method', 'config'], 'optimizer');
  const method = checkMethod(spec.method);
  const config = spec.config ?? {};
  return [native().optimizerCreate(method, completeConfig(method, config)), { method, config: { ...config } } as OptimizerSpec];
}

/** An AbortError; after a pass started, `partial` holds what it did (samples seen, loss so far, steps…). */
function abortError(phase: string, partial?: PassResult): AbortError & { partial?: PassResult } {
  const e: AbortError & { partial?: PassResult } = new AbortError(
    partial
      ? `${phase}: aborted by its AbortSignal after ${partial.samples} samples (mean loss ${partial.loss.toPrecision(4)})`
      : `${phase}: aborted by its AbortSignal`,
    { op: phase },
  );
  if (partial) e.partial = partial;
  return e;
}

/** A log row: Torch7's accuracy column for classification; loss and RMSE for regression. */
function logRow(r: PassResult, set: 'train' | 'test'): Record<string, number> {
  if (r.task === 'classification') return { [`% mean class accuracy (${set} set)`]: r.accuracy * 100 };
  return { [`loss (${set} set)`]: r.loss, [`RMSE (${set} set)`]: r.rmse };
}

/** The metrics a plateau schedule can follow. */
function checkGradClip(clip: unknown): { norm: number; value: number } {
  if (clip === undefined) return { norm: 0, value: 0 };
  const positive = (v: unknown, what: string) => checkNumber(v, what, { min: 0, finite: true });
  if (typeof clip === 'number') return { norm: positive(clip, 'Trainer gradClip (the largest gradient norm)'), value: 0 };
  if (typeof clip !== 'object' || clip === null) invalid('a norm (number) or { norm, value }', 'Trainer gradClip', clip);
  checkKeys(clip, ['norm', 'value'], 'Trainer gradClip');
  const { norm, value } = clip as { norm?: number; value?: number };
  return {
    norm: norm === undefined ? 0 : positive(norm, 'Trainer gradClip norm'),
    value: value === undefined ? 0 : positive(value, 'Trainer gradClip value'),
  };
}

function epochMetrics(train: PassResult, test?: PassResult): Partial<Record<PlateauMetric, number>> {
  const metrics: Partial<Record<PlateauMetric, number>> = { trainLoss: train.loss };
  if (train.task === 'classification') metrics.trainAccuracy = train.accuracy;
  if (test) metrics.testLoss = test.loss;
  if (test?.task === 'classification') metrics.testAccuracy = test.accuracy;
  return metrics;
}
