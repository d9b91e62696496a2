/**
 * data: datasets.
 */
export { mnist, locateMnist, MNIST_FILES } from './mnist';
export type { MnistData, MnistOptions, Split } from './mnist';
export { readIdxImages, readIdxLabels } from './idx';
export { idx } from './idxset';
export { torch7Mnist } from './torch7mnist';
export type { Torch7MnistOptions } from './torch7mnist';
export type { IdxData, IdxFiles, IdxOptions } from './idxset';
export { imageFolder, IMAGE_EXTENSIONS } from './imagefolder';
export type { ImageFolder, ImageFolderOptions } from './imagefolder';
export type { Dataset, BatchDataset, TrainingData } from './dataset';
