export { Trainer } from './Trainer';
export type { OptimizerSpec, TrainerOptions, Dataset, Progress, PassResult, EpochResult, PassOptions, FitOptions } from './Trainer';
export type { ScheduleSpec, SchedulePer, PlateauMetric, ScheduleState } from './schedule';
export { ConfusionMatrix } from './ConfusionMatrix';
export { Logger } from './Logger';
