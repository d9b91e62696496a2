export { Trainer } from './Trainer';
export type { TrainerOptions, Dataset, Progress, PassResult, EpochResult, PassOptions, FitOptions } from './Trainer';
export { ConfusionMatrix } from './ConfusionMatrix';
export { Logger } from './Logger';
