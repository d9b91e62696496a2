export { Trainer } from './Trainer';
export type { OptimizerSpec, TrainerOptions, Dataset, Progress, PassResult, EpochResult, PassOptions, FitOptions } from './Trainer';
export { ConfusionMatrix } from './ConfusionMatrix';
export { Logger } from './Logger';
