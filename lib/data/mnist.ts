/**
 * MNIST as the Torch7 study used it: 28×28 digits zero-padded to 1×32×32, raw 0..255 values
 * normalised by the mean and unbiased std of all 60000 training images (applied to train and
 * test, also for size 'small'), labels 0..9 (Torch7 stored 1..10).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, mnistDirFromEnv } from '../config';
import { tensor } from '../creation';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { Tensor } from '../tensor';
import { checkKeys, checkOneOf, invalid } from '../validate';
import { downloadVerified } from './download';
import { readIdxImages, readIdxLabels } from './idx';

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

function findFile(dir: string, name: string): string | undefined {
  for (const candidate of [`${name}.gz`, name, name.replace(/-idx/, '.idx')]) {
    const file = path.join(dir, candidate);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

function hasAll(dir: string): boolean {
  return Object.values(MNIST_FILES).every((f) => findFile(dir, f.name) !== undefined);
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
    if (label === 'dir option') throw new TorchError(`MNIST files not found in '${dir}': expected ${Object.values(MNIST_FILES).map((f) => f.name + '.gz').join(', ')}`);
  }
  const cache = path.join(cacheDir(), 'mnist');
  if (hasAll(cache)) return cache;
  tried.push(`cache: ${cache}`);
  if (options.download === false) throw new TorchError(`MNIST files not found (tried ${tried.join('; ')}); set MNIST_DIR or pass { dir }`);
  for (const f of Object.values(MNIST_FILES)) {
    await downloadVerified(`${f.name}.gz`, path.join(cache, `${f.name}.gz`), f.sha256);
  }
  return cache;
}

/** Pads 28×28 images to 32×32 with 2 zero pixels on each side (Torch7's mnist.t7 layout). */
function pad32(pixels: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count * 1024);
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < 28; r++) {
      out.set(pixels.subarray(n * 784 + r * 28, n * 784 + r * 28 + 28), n * 1024 + (r + 2) * 32 + 2);
    }
  }
  return out;
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
  const file = (f: { name: string }) => findFile(dir, f.name) as string;
  const trainImages = readIdxImages(file(MNIST_FILES.trainImages), 60000);
  const trainLabels = readIdxLabels(file(MNIST_FILES.trainLabels), 60000);
  const testImages = readIdxImages(file(MNIST_FILES.testImages), 10000);
  const testLabels = readIdxLabels(file(MNIST_FILES.testLabels), 10000);

  const [trsize, tesize] = SIZES[size];
  return tidy(() => {
    const trainRaw = tensor(pad32(trainImages.pixels, 60000)).view(60000, 1, 32, 32).to('float64');
    // Statistics over all 60000 training images, even for 'small' (as Torch7's 1_data.lua).
    const mean = trainRaw.mean().item() as number;
    const std = trainRaw.std().item() as number;
    const normalise = (raw: Tensor, n: number) => raw.index([0, n]).sub(mean).div(std).to('float32').contiguous();
    const testRaw = tensor(pad32(testImages.pixels, 10000)).view(10000, 1, 32, 32).to('float64');
    const labels = (l: Uint8Array, n: number) => tensor(l.subarray(0, n)).to('int64');
    return {
      train: { inputs: normalise(trainRaw, trsize), targets: labels(trainLabels, trsize), size: trsize },
      test: { inputs: normalise(testRaw, tesize), targets: labels(testLabels, tesize), size: tesize },
      mean,
      std,
      dir,
    };
  });
}
