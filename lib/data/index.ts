/**
 * data: datasets.
 */
export { mnist, locateMnist, MNIST_FILES } from './mnist';
export type { MnistData, MnistOptions, Split } from './mnist';
export { readIdxImages, readIdxLabels } from './idx';
export { idx } from './idxset';
export type { IdxData, IdxFiles, IdxOptions } from './idxset';
