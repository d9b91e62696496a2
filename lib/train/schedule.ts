/**
 * Learning-rate schedules for the Trainer, as PyTorch's torch.optim.lr_scheduler: StepLR,
 * MultiStepLR, ExponentialLR, CosineAnnealingLR after a LinearLR warm-up, OneCycleLR and ReduceLROnPlateau.
 * Each gives a factor on the optimizer's configured learningRate. The closed-form ones are computed
 * in C++ (native/train_schedule.cc): per step inside the training pass, or once per epoch; the
 * plateau one follows the epochs' metrics here. Their state (steps taken, the plateau's counters)
 * is kept in checkpoints.
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { hasLearningRate, OptimMethodName } from '../optim/configs';
import { checkInteger, checkKeys, checkNumber, checkOneOf, invalid } from '../validate';

/** When a closed-form schedule advances: once per epoch (PyTorch's usual scheduler.step()) or per optimizer step. */
export type SchedulePer = 'epoch' | 'step';
/** The metric ReduceLROnPlateau follows; losses must fall, accuracies rise. */
export type PlateauMetric = 'testLoss' | 'trainLoss' | 'testAccuracy' | 'trainAccuracy';

export type ScheduleSpec =
  /** lr·gamma^⌊i/stepSize⌋ (PyTorch StepLR; gamma default 0.1). */
  | { kind: 'step'; stepSize: number; gamma?: number; per?: SchedulePer }
  /** lr·gamma^(milestones passed) (PyTorch MultiStepLR; gamma default 0.1). */
  | { kind: 'multistep'; milestones: number[]; gamma?: number; per?: SchedulePer }
  /** lr·gamma^i (PyTorch ExponentialLR). */
  | { kind: 'exponential'; gamma: number; per?: SchedulePer }
  /**
   * A linear warm-up over `warmup` steps or epochs from lr·warmupFactor (default 0) to lr, then a
   * cosine from lr down to minRate (default 0) at `total`, where it stays (PyTorch: LinearLR, then
   * CosineAnnealingLR with T_max = total − warmup, which would rise again after T_max).
   */
  | { kind: 'cosine'; total: number; minRate?: number; warmup?: number; warmupFactor?: number; per?: SchedulePer }
  /**
   * PyTorch's OneCycleLR with its defaults (two phases, cosine annealing) on the optimizer's
   * learningRate as the peak: from lr/divFactor (default 25) up to lr over the first pctStart
   * (default 0.3) of `total` steps or epochs, then down to lr/(divFactor·finalDivFactor) (default
   * 1e4) at the last one, where it stays. The learning rate only: momentum is not cycled (PyTorch's
   * cycle_momentum=False). Usually `per: 'step'`, with total = epochs × steps per epoch.
   */
  | { kind: 'onecycle'; total: number; pctStart?: number; divFactor?: number; finalDivFactor?: number; per?: SchedulePer }
  /**
   * PyTorch's ReduceLROnPlateau (threshold mode 'rel'): after `patience` epochs (default 10) in
   * which `metric` (default testLoss) did not improve by `threshold` (default 1e-4, relative), the
   * rate is multiplied by `factor` (default 0.1), not below `minRate` (default 0), then `cooldown`
   * epochs (default 0) pass before counting again.
   */
  | {
      kind: 'plateau';
      metric?: PlateauMetric;
      factor?: number;
      patience?: number;
      threshold?: number;
      cooldown?: number;
      minRate?: number;
    };

/** The schedule's progress, kept in checkpoints. */
export interface ScheduleState {
  /** Optimizer steps taken under this schedule. */
  steps: number;
  /** ReduceLROnPlateau: the best metric so far, epochs without improvement, cooldown epochs left, and the factor reached. */
  best: number | null;
  bad: number;
  cooldown: number;
  scale: number;
}

/** What a training pass needs: a constant factor, and a per-step schedule from a first step. */
export interface PassSchedule {
  rateScale: number;
  schedule?: Record<string, unknown>;
  firstStep: number;
}

const KEYS: Record<ScheduleSpec['kind'], string[]> = {
  step: ['stepSize', 'gamma', 'per'],
  multistep: ['milestones', 'gamma', 'per'],
  exponential: ['gamma', 'per'],
  cosine: ['total', 'minRate', 'warmup', 'warmupFactor', 'per'],
  onecycle: ['total', 'pctStart', 'divFactor', 'finalDivFactor', 'per'],
  plateau: ['metric', 'factor', 'patience', 'threshold', 'cooldown', 'minRate'],
};

const positive = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid('a number > 0', what, value);
  return value;
};

/** Validates a schedule and fills its defaults. */
export function completeSchedule(spec: unknown): ScheduleSpec {
  if (typeof spec !== 'object' || spec === null) invalid('a schedule object { kind, … }', 'schedule', spec);
  const kind = checkOneOf((spec as { kind?: unknown }).kind, Object.keys(KEYS) as ScheduleSpec['kind'][], 'schedule kind');
  checkKeys(spec, ['kind', ...KEYS[kind]], `schedule '${kind}'`);
  const s = spec as Record<string, unknown>;
  const per = checkOneOf(s.per ?? 'epoch', ['epoch', 'step'] as const, 'schedule per');
  switch (kind) {
    case 'step':
      return { kind, stepSize: checkInteger(s.stepSize, 'schedule stepSize', 1), gamma: positive(s.gamma ?? 0.1, 'schedule gamma'), per };
    case 'multistep': {
      const milestones = s.milestones;
      if (!Array.isArray(milestones) || milestones.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= milestones[i - 1]))) {
        invalid('an increasing list of positive integers', 'schedule milestones', milestones);
      }
      return { kind, milestones: [...(milestones as number[])], gamma: positive(s.gamma ?? 0.1, 'schedule gamma'), per };
    }
    case 'exponential':
      return { kind, gamma: positive(s.gamma, 'schedule gamma'), per };
    case 'cosine': {
      const total = checkInteger(s.total, 'schedule total', 1);
      const warmup = checkInteger(s.warmup ?? 0, 'schedule warmup', 0, total - 1);
      const warmupFactor = checkNumber(s.warmupFactor ?? 0, 'schedule warmupFactor', { min: 0, max: 1 });
      return { kind, total, warmup, warmupFactor, minRate: checkNumber(s.minRate ?? 0, 'schedule minRate', { min: 0 }), per };
    }
    case 'onecycle': {
      const total = checkInteger(s.total, 'schedule total', 2);
      const pctStart = checkNumber(s.pctStart ?? 0.3, 'schedule pctStart', { min: 0, max: 1 });
      // the rising phase ends at step pctStart·total − 1, after step 0, and before the last step
      if (!(pctStart * total > 1 && pctStart * total < total))
        invalid(`a pctStart with 1 < pctStart·total < total (total ${total})`, 'schedule pctStart', pctStart);
      return {
        kind,
        total,
        pctStart,
        divFactor: checkNumber(s.divFactor ?? 25, 'schedule divFactor', { min: 1 }),
        finalDivFactor: checkNumber(s.finalDivFactor ?? 1e4, 'schedule finalDivFactor', { min: 1 }),
        per,
      };
    }
    case 'plateau':
      return {
        kind,
        metric: checkOneOf(s.metric ?? 'testLoss', ['testLoss', 'trainLoss', 'testAccuracy', 'trainAccuracy'] as const, 'schedule metric'),
        factor: checkNumber(s.factor ?? 0.1, 'schedule factor', { min: 0, max: 1 }),
        patience: checkInteger(s.patience ?? 10, 'schedule patience', 0),
        threshold: checkNumber(s.threshold ?? 1e-4, 'schedule threshold', { min: 0 }),
        cooldown: checkInteger(s.cooldown ?? 0, 'schedule cooldown', 0),
        minRate: checkNumber(s.minRate ?? 0, 'schedule minRate', { min: 0 }),
      };
  }
}

/** A schedule and its progress. */
export class LrSchedule {
  readonly spec: ScheduleSpec;
  state: ScheduleState = { steps: 0, best: null, bad: 0, cooldown: 0, scale: 1 };

  constructor(spec: unknown) {
    this.spec = completeSchedule(spec);
  }

  /** Refuses a method without a learning rate to schedule. */
  checkMethod(method: OptimMethodName): void {
    if (!hasLearningRate(method))
      throw new TorchError(`schedule: optim.${method} has no learningRate to schedule; use a method that has one (sgd, adam, lbfgs, …)`);
  }

  /** The factor on the learning rate for the next step of epoch index `epoch` (0-based). */
  factor(epoch: number, baseRate: number): number {
    const { rateScale, schedule, firstStep } = this.pass(epoch, baseRate);
    return schedule ? rateScale * native().scheduleFactor(schedule, firstStep) : rateScale;
  }

  /** What the training pass of epoch index `epoch` (0-based) needs, for an optimizer whose configured rate is `baseRate`. */
  pass(epoch: number, baseRate: number): PassSchedule {
    const s = this.spec;
    if (s.kind === 'plateau') return { rateScale: this.state.scale, firstStep: this.state.steps };
    const closed: Record<string, unknown> = { ...s, gamma: 'gamma' in s ? s.gamma : 1 };
    if (s.kind === 'cosine') {
      Object.assign(closed, { minFactor: baseRate > 0 ? Math.min(1, (s.minRate ?? 0) / baseRate) : 0 });
    }
    if (s.per === 'step') return { rateScale: 1, schedule: closed, firstStep: this.state.steps };
    return { rateScale: native().scheduleFactor(closed, epoch), firstStep: this.state.steps };
  }

  /** Counts a training pass's steps. */
  afterPass(steps: number): void {
    this.state.steps += steps;
  }

  /** ReduceLROnPlateau's step (PyTorch's, threshold mode 'rel'), with the epoch's metrics; `baseRate` is the configured rate. */
  afterEpoch(metrics: Partial<Record<PlateauMetric, number>>, baseRate: number): void {
    const s = this.spec;
    if (s.kind !== 'plateau') return;
    const value = metrics[s.metric!];
    if (value === undefined)
      throw new TorchError(`schedule: the plateau schedule follows ${s.metric}, which this epoch did not measure (no test set?)`);
    const st = this.state;
    const rising = s.metric!.endsWith('Accuracy');
    const better = st.best === null || (rising ? value > st.best * (1 + s.threshold!) : value < st.best * (1 - s.threshold!));
    if (better) {
      st.best = value;
      st.bad = 0;
    } else {
      st.bad += 1;
    }
    if (st.cooldown > 0) {
      st.cooldown -= 1;
      st.bad = 0;
    }
    if (st.bad > s.patience!) {
      const old = baseRate * st.scale;
      const reduced = Math.max(old * s.factor!, s.minRate!);
      if (old - reduced > 1e-8 && baseRate > 0) st.scale = reduced / baseRate;
      st.cooldown = s.cooldown!;
      st.bad = 0;
    }
  }

  /** Restores progress read from a checkpoint. */
  restore(state: unknown): void {
    const st = state as ScheduleState;
    const ok =
      typeof st === 'object' &&
      st !== null &&
      Number.isInteger(st.steps) &&
      st.steps >= 0 &&
      (st.best === null || typeof st.best === 'number') &&
      Number.isInteger(st.bad) &&
      Number.isInteger(st.cooldown) &&
      typeof st.scale === 'number' &&
      st.scale >= 0;
    if (!ok) throw new TorchError(`schedule: the saved schedule state ${JSON.stringify(state)} is not one`);
    this.state = { steps: st.steps, best: st.best, bad: st.bad, cooldown: st.cooldown, scale: st.scale };
  }
}
