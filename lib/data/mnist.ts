/**
 * MNIST as the Torch7 study used it: 28×28 digits zero-padded to 1×32×32, raw 0..255 values
 * normalised by the mean and unbiased std of all 60000 training images (applied to train and
 * test, also for size 'small'), labels 0..9 (Torch7 stored 1..10).
 */
import * as path from 'path';
import { cacheDir, mnistDirFromEnv } from '../config';
import { TorchError } from '../errors';
import { Tensor } from '../tensor';
import { checkKeys, checkOneOf, invalid } from '../validate';
import { downloadVerified } from './download';
import { findIdxFile, readIdxSet } from './idxset';

/** One split: inputs N×1×32×32 float32 (normalised) and targets N int64 (0..9). */
export interface Split {
  inputs: Tensor;
  targets: Tensor;
  size: number;
}

export interface MnistData {
  train: Split;
  test: Split;
  /** Training-set statistics used for normalisation (raw 0..255 units, 32×32 padded). */
  mean: number;
  std: number;
  /** Folder the files were read from. */
  dir: string;
}

export interface MnistOptions {
  /** Folder with the four IDX files (.gz or not). Default: MNIST_DIR, then the user cache (downloading there if needed). */
  dir?: string;
  /** 'full' (60000/10000, default) or 'small' (first 6000/1000), as Torch7's -size. */
  size?: 'full' | 'small';
  /** Download into the cache when no folder has the files (default true). */
  download?: boolean;
}

/** File names and SHA-256 of the original .gz files. */
export const MNIST_FILES = {
  trainImages: { name: 'train-images-idx3-ubyte', sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
  trainLabels: { name: 'train-labels-idx1-ubyte', sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
  testImages: { name: 't10k-images-idx3-ubyte', sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
  testLabels: { name: 't10k-labels-idx1-ubyte', sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
} as const;

const SIZES = { full: [60000, 10000], small: [6000, 1000] } as const;

function hasAll(dir: string): boolean {
  return Object.values(MNIST_FILES).every((f) => findIdxFile(dir, f.name) !== undefined);
}

/** Where the files are: options.dir, MNIST_DIR, the cache (downloaded if allowed). */
export async function locateMnist(options: MnistOptions = {}): Promise<string> {
  const tried: string[] = [];
  for (const [dir, label] of [
    [options.dir, 'dir option'],
    [mnistDirFromEnv(), 'MNIST_DIR'],
  ] as const) {
    if (!dir) continue;
    if (hasAll(dir)) return dir;
    tried.push(`${label}: ${dir}`);
    if (label === 'dir option')
      throw new TorchError(
        `MNIST files not found in '${dir}': expected ${Object.values(MNIST_FILES)
          .map((f) => f.name + '.gz')
          .join(', ')}`,
        { code: 'IO' },
      );
  }
  const cache = path.join(cacheDir(), 'mnist');
  if (hasAll(cache)) return cache;
  tried.push(`cache: ${cache}`);
  if (options.download === false)
    throw new TorchError(`MNIST files not found (tried ${tried.join('; ')}); set MNIST_DIR or pass { dir }`, { code: 'IO' });
  for (const f of Object.values(MNIST_FILES)) {
    await downloadVerified(`${f.name}.gz`, path.join(cache, `${f.name}.gz`), f.sha256);
  }
  return cache;
}

/**
 * Loads MNIST (see MnistOptions). Tensors live on the CPU; the training loop moves batches to
 * the model's device.
 *
 * @example const { train, test } = await data.mnist({ size: 'small' });
 */
export async function mnist(options: MnistOptions = {}): Promise<MnistData> {
  if (typeof options !== 'object' || options === null) invalid('an options object', 'data.mnist options', options);
  checkKeys(options, ['dir', 'size', 'download'], 'data.mnist');
  const size = checkOneOf(options.size ?? 'full', ['full', 'small'], 'data.mnist size');
  const dir = await locateMnist(options);
  // Torch7's mnist.t7 layout: 28×28 digits padded with 2 zero pixels a side to 32×32
  const { train, test, mean, std } = readIdxSet(dir, { pad: 2 }, SIZES[size], {
    counts: [60000, 10000],
    size: [28, 28],
    maxLabel: 9,
  });
  return { train, test, mean, std, dir };
}
