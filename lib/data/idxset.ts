/**
 * data.idx: any dataset in MNIST's IDX format (Fashion-MNIST, KMNIST, EMNIST, …): a folder with
 * train and test image and label files. Images become N×1×H×W float32, optionally zero-padded,
 * normalised by the training images' mean and unbiased std (as data.mnist); labels int64.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tensor, zeros } from '../creation';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import type { Tensor } from '../tensor';
import { checkInteger, checkKeys, checkOneOf, invalid } from '../validate';
import { type IdxImages, readIdxImages, readIdxLabels } from './idx';
import type { Split } from './mnist';

/** The four files' names, without .gz (found with or without it). */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface IdxOptions {
  /** The files' names; default MNIST's (train-images-idx3-ubyte, …), which Fashion-MNIST and KMNIST share. */
  files?: IdxFiles;
  /** Zero pixels added on each side (data.mnist: 2, for 32×32). Default 0. */
  pad?: number;
  /** Pixel scaling: 'standardise' (default: the training set's mean and std) or 'unit' (÷255, no centring). */
  normalise?: 'standardise' | 'unit';
}

export interface IdxData {
  train: Split;
  test: Split;
  /** The number of classes: the largest label + 1. */
  classes: number;
  /** Normalisation statistics on the 0..255 scale (mean 0, std 255 for 'unit'). */
  mean: number;
  std: number;
  dir: string;
}

export const MNIST_NAMES: IdxFiles = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The file for `name` in `dir`: name.gz, name, or MNIST's site's name.idx3-ubyte spelling. */
export function findIdxFile(dir: string, name: string): string | undefined {
  for (const candidate of [`${name}.gz`, name, name.replace(/-idx/, '.idx')]) {
    const file = path.join(dir, candidate);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** Images a..b of `images`, each padded with `pad` zero pixels on every side, as uint8 (b−a)×1×H×W. */
function paddedChunk(images: IdxImages, a: number, b: number, pad: number): Tensor {
  const { rows, cols } = images;
  const [h, w] = [rows + 2 * pad, cols + 2 * pad];
  const source = images.pixels.subarray(a * rows * cols, b * rows * cols);
  let bytes = source;
  if (pad > 0) {
    bytes = new Uint8Array((b - a) * h * w);
    for (let n = 0; n < b - a; n++) {
      for (let r = 0; r < rows; r++)
        bytes.set(source.subarray((n * rows + r) * cols, (n * rows + r + 1) * cols), n * h * w + (r + pad) * w + pad);
    }
  }
  return tensor(bytes).view(b - a, 1, h, w);
}

/**
 * Reads an IDX dataset from `dir`; `limits` keeps the first [train, test] samples (data.mnist's
 * 'small'), `expected` checks the counts and image size.
 */
export function readIdxSet(
  dir: string,
  options: IdxOptions = {},
  limits?: readonly [number, number],
  expected?: { counts: [number, number]; size: [number, number]; maxLabel: number },
): IdxData {
  const names = options.files ?? MNIST_NAMES;
  const file = (name: string) => {
    const found = findIdxFile(dir, name);
    if (!found) throw new TorchError(`data.idx: no '${name}' (or ${name}.gz) in '${dir}'`, { code: 'IO' });
    return found;
  };
  const size = expected?.size ?? null;
  const maxLabel = expected?.maxLabel ?? 255;
  const trainImages = readIdxImages(file(names.trainImages), expected?.counts[0], size);
  const trainLabels = readIdxLabels(file(names.trainLabels), expected?.counts[0] ?? trainImages.count, maxLabel);
  const testImages = readIdxImages(file(names.testImages), expected?.counts[1], [trainImages.rows, trainImages.cols]);
  const testLabels = readIdxLabels(file(names.testLabels), expected?.counts[1] ?? testImages.count, maxLabel);
  return standardisedSet(
    { trainImages, trainLabels, testImages, testLabels },
    { pad: options.pad ?? 0, limits, normalise: options.normalise, trainFile: file(names.trainImages), dir },
  );
}

/** Images and labels as read from a dataset's files (IDX, or Torch7's mnist.t7). */
export interface RawSet {
  trainImages: IdxImages;
  trainLabels: Uint8Array;
  testImages: IdxImages;
  testLabels: Uint8Array;
}

/**
 * The training and test splits as tensors: images padded and standardised with the statistics of
 * all the training images (or ÷255 for normalise 'unit'), labels int64, the first `limits` kept.
 */
export function standardisedSet(
  raw: RawSet,
  options: { pad: number; limits?: readonly [number, number]; normalise?: 'standardise' | 'unit'; trainFile: string; dir: string },
): IdxData {
  const { trainImages, trainLabels, testImages, testLabels } = raw;
  const { pad, limits, dir } = options;
  const [trsize, tesize] = limits ?? [trainImages.count, testImages.count];
  const classes = [trainLabels, testLabels].reduce((most, labels) => labels.reduce((m, l) => Math.max(m, l), most), 0) + 1;
  // statistics over all the training images, also when keeping fewer (as Torch7's 1_data.lua)
  const [mean, std] = options.normalise === 'unit' ? [0, 255] : statistics(trainImages, pad);
  if (!(std > 0)) {
    throw new TorchError(
      `data.idx: every pixel of the training images in '${options.trainFile}' is ${mean} (${trainImages.count} images of ${trainImages.rows}×${trainImages.cols}): ` +
        `their standard deviation is ${std}, so standardising would divide by it; use normalise: 'unit' (÷255) for such images`,
    );
  }
  const labels = (l: Uint8Array, n: number) => tensor(l.subarray(0, n)).to('int64');
  // in a scope, so that a failure frees what was made before it
  return tidy(() => ({
    train: { inputs: normalise(trainImages, trsize, pad, mean, std), targets: labels(trainLabels, trsize), size: trsize },
    test: { inputs: normalise(testImages, tesize, pad, mean, std), targets: labels(testLabels, tesize), size: tesize },
    classes,
    mean,
    std,
    dir,
  }));
}

// The pixels become tensors and go through float64 a chunk of images at a time, straight from the
// file's bytes. The whole set at once (its uint8 copy, float64 values and the temporaries of sub, div
// and std) held 2.2 GB for MNIST's 245 MB of float32 inputs; chunks of 4096 still left 207 MB of
// those blocks in the CPU cache, of sizes training never asks for. Chunks of 512 images (4 MB of
// float64 for MNIST) leave a few blocks that training reuses.
const CHUNK = 512;

function chunks(count: number): [number, number][] {
  return Array.from({ length: Math.ceil(count / CHUNK) }, (_, k) => [k * CHUNK, Math.min((k + 1) * CHUNK, count)]);
}

/** The mean and unbiased std of the padded images' pixels, in float64 (two passes, as Torch's std). */
function statistics(images: IdxImages, pad: number): [number, number] {
  const count = images.count * (images.rows + 2 * pad) * (images.cols + 2 * pad);
  let sum = 0;
  for (const [a, b] of chunks(images.count)) sum += tidy(() => paddedChunk(images, a, b, pad).to('float64').sum().item() as number);
  const mean = sum / count;
  let squares = 0;
  for (const [a, b] of chunks(images.count))
    squares += tidy(() => paddedChunk(images, a, b, pad).to('float64').sub(mean).square().sum().item() as number);
  return [mean, Math.sqrt(squares / (count - 1))];
}

/**
 * The first n padded images as (x − mean) / std in float32 arithmetic, as Torch7's
 * `data:float()`, `add(-mean)`, `div(std)`: mean and std rounded to float32, then two roundings
 * (the subtraction's and the division's). Dividing by a one-element tensor, not a scalar, keeps it
 * a true division on every LibTorch (never a multiplication by 1/std).
 */
function normalise(images: IdxImages, n: number, pad: number, mean: number, std: number): Tensor<'float32'> {
  const out = zeros([n, 1, images.rows + 2 * pad, images.cols + 2 * pad], { dtype: 'float32' });
  const [mean32, std32] = [tensor([mean], { dtype: 'float32' }), tensor([std], { dtype: 'float32' })];
  try {
    for (const [a, b] of chunks(n)) tidy(() => out.index([a, b]).copy(paddedChunk(images, a, b, pad).to('float32').sub(mean32).div(std32)));
  } finally {
    mean32.dispose();
    std32.dispose();
  }
  return out;
}

/**
 * Loads any IDX-format dataset (Fashion-MNIST and KMNIST with MNIST's file names; EMNIST with its
 * own, passed in `files`).
 *
 * @example const fashion = data.idx('datasets/fashion-mnist', { pad: 2 });
 */
export function idx(dir: string, options: IdxOptions = {}): IdxData {
  if (typeof dir !== 'string' || dir === '') invalid('a folder name', 'data.idx dir', dir);
  if (typeof options !== 'object' || options === null) invalid('an options object', 'data.idx options', options);
  checkKeys(options, ['files', 'pad', 'normalise'], 'data.idx');
  if (options.files !== undefined) {
    checkKeys(options.files, ['trainImages', 'trainLabels', 'testImages', 'testLabels'], 'data.idx files');
    for (const key of ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const) {
      if (typeof options.files[key] !== 'string' || options.files[key] === '')
        invalid('a file name', `data.idx files.${key}`, options.files[key]);
    }
  }
  checkInteger(options.pad ?? 0, 'data.idx pad', 0, 64);
  checkOneOf(options.normalise ?? 'standardise', ['standardise', 'unit'] as const, 'data.idx normalise');
  return readIdxSet(dir, options);
}
