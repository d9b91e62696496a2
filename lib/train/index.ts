export { Trainer } from './Trainer';
export type {
  OptimizerSpec,
  TrainerOptions,
  Dataset,
  BatchDataset,
  TrainingData,
  Progress,
  EpochResult,
  PassOptions,
  FitOptions,
  FitResults,
  Precision,
} from './Trainer';
export { EarlyStopping } from './callbacks';
export type { BatchEnd, Callback, EarlyStoppingOptions, EpochEnd, EpochMetric, TrainerControl } from './callbacks';
export { SummaryWriter } from './tensorboard';
export type { HParamValue } from './tensorboard';
export type { Task, PassResult, ClassificationResult, RegressionResult, PassResultOf } from './results';
export type { ScheduleSpec, SchedulePer, PlateauMetric, ScheduleState } from './schedule';
export { ConfusionMatrix } from './ConfusionMatrix';
export { Logger } from './Logger';
export { formatProfile } from './profile';
export type { PassProfile, ProfileRow } from './profile';
