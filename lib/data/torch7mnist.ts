/**
 * data.torch7Mnist: MNIST as the study read it, from Torch7's mnist.t7 folder (train_32x32.t7 and
 * test_32x32.t7, written by torch.save in ASCII or binary): tables of `data` (N×1×32×32 bytes,
 * digits already padded to 32×32) and `labels` (1..10, Torch7's 1-based classes). The result is
 * data.mnist's: the same normalisation with the statistics of all training images, 0-based labels.
 */
import * as fs from 'fs';
import * as path from 'path';
import { TorchError } from '../errors';
import { LuaTable, LuaTensor, LuaValue } from '../torch7/lua';
import { readTorch7File } from '../torch7/load';
import { viewData } from '../torch7/values';
import { checkKeys, checkOneOf, invalid } from '../validate';
import type { IdxImages } from './idx';
import { standardisedSet } from './idxset';
import type { MnistData } from './mnist';

export interface Torch7MnistOptions {
  /** 'full' (60000/10000) or 'small' (the first 6000/1000, as the study's -size small). */
  size?: 'full' | 'small';
}

const SIZES = { full: [60000, 10000], small: [6000, 1000] } as const;

/** One of the files: its images (N×1×32×32) and 0-based labels, checked. */
function readSplit(file: string): { images: IdxImages; labels: Uint8Array } {
  const value = readTorch7File(file);
  const field = (name: string): LuaTensor => {
    const t = value instanceof LuaTable ? value.get(name) : undefined;
    if (!isTensor(t))
      throw new TorchError(
        `data.torch7Mnist: '${file}' holds no tensor '${name}'; expected a table { data = N×1×32×32 ByteTensor, labels = N labels 1..10 }`,
      );
    return t;
  };
  const data = field('data');
  const labels = field('labels');
  const [n, planes, rows, cols] = data.sizes;
  if (data.sizes.length !== 4 || planes !== 1 || rows !== 32 || cols !== 32)
    throw new TorchError(`data.torch7Mnist: '${file}' has data of sizes [${data.sizes}]; expected N×1×32×32`);
  if (labels.sizes.length !== 1 || labels.sizes[0] !== n)
    throw new TorchError(`data.torch7Mnist: '${file}' has labels of sizes [${labels.sizes}] for ${n} images; expected [${n}]`);
  const pixels =
    data.elementType === 'Byte'
      ? (viewData(data) as Uint8Array)
      : Uint8Array.from(viewData(data) as ArrayLike<number>, (v, i) => {
          if (!(Number.isInteger(Number(v)) && v >= 0 && v <= 255))
            throw new TorchError(`data.torch7Mnist: '${file}' has pixel ${i} = ${v}; expected 0..255`, { code: 'CORRUPT_FILE' });
          return Number(v);
        });
  const zeroBased = Uint8Array.from(viewData(labels) as ArrayLike<number | bigint>, (v, i) => {
    const label = Number(v);
    if (!Number.isInteger(label) || label < 1 || label > 10)
      throw new TorchError(
        `data.torch7Mnist: '${file}' has label ${i + 1} = ${label}; expected 1..10 (Torch7's classes of the digits 0..9)`,
        { code: 'CORRUPT_FILE' },
      );
    return label - 1;
  });
  return { images: { count: n, rows, cols, pixels }, labels: zeroBased };
}

function isTensor(v: LuaValue | undefined): v is LuaTensor {
  return v !== null && v !== undefined && typeof v === 'object' && !(v instanceof LuaTable) && v.kind === 'tensor';
}

/**
 * Reads Torch7's MNIST (the folder mnist.t7 of the study: train_32x32.t7, test_32x32.t7).
 *
 * @example const { train, test } = await data.torch7Mnist('mnist.t7', { size: 'small' })
 */
export async function torch7Mnist(dir: string, options: Torch7MnistOptions = {}): Promise<MnistData> {
  if (typeof dir !== 'string' || dir === '') invalid('a folder name', 'data.torch7Mnist dir', dir);
  if (typeof options !== 'object' || options === null) invalid('an options object', 'data.torch7Mnist options', options);
  checkKeys(options, ['size'], 'data.torch7Mnist');
  const size = checkOneOf(options.size ?? 'full', ['full', 'small'], 'data.torch7Mnist size');
  const files = ['train_32x32.t7', 'test_32x32.t7'].map((f) => path.join(dir, f));
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length > 0)
    throw new TorchError(
      `data.torch7Mnist: no ${missing.map((f) => `'${f}'`).join(' or ')}; expected Torch7's mnist.t7 folder (train_32x32.t7, test_32x32.t7)`,
      { code: 'IO' },
    );
  const [train, test] = files.map(readSplit);
  const limits = [Math.min(SIZES[size][0], train.images.count), Math.min(SIZES[size][1], test.images.count)] as const;
  const {
    train: trainSplit,
    test: testSplit,
    mean,
    std,
  } = standardisedSet(
    { trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels },
    { pad: 0, limits, trainFile: files[0], dir },
  );
  return { train: trainSplit, test: testSplit, mean, std, dir };
}
