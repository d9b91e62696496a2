/**
 * models: the networks of the Torch7 study, ready to train.
 */
export { mnistModel, mnistCriterion, countParameters } from './mnist';
export type { MnistModelKind, MnistModelOptions, MnistLoss } from './mnist';
export { mnistRecipe, recipeModel, recipeTrainerOptions, describeRecipe, cpuHasNativeBf16 } from './recipes';
export type { MnistRecipe, MnistRecipeName } from './recipes';
export { resnet20 } from './resnet';
export type { Resnet20Options } from './resnet';
