export { Trainer } from './Trainer';
export type { OptimizerSpec, TrainerOptions, Dataset, BatchDataset, TrainingData, Progress, EpochResult, PassOptions, FitOptions } from './Trainer';
export type { Task, PassResult, ClassificationResult, RegressionResult, PassResultOf } from './results';
export type { ScheduleSpec, SchedulePer, PlateauMetric, ScheduleState } from './schedule';
export { ConfusionMatrix } from './ConfusionMatrix';
export { Logger } from './Logger';
