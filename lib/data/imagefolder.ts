/**
 * data.imageFolder: a class-per-folder image dataset (dir/<class>/<image>, torchvision's
 * ImageFolder layout), decoded on demand by sharp (libvips, on libuv's threads) as a BatchDataset:
 * every image is resized to one size, made grey or RGB, scaled to [0, 1] and optionally normalised
 * per channel. Classes are the sub-folders in sorted order; their index is the target.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tensor } from '../creation';
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { checkInteger, checkKeys, checkOneOf, invalid } from '../validate';
import type { BatchDataset, Dataset } from './dataset';

/** The file types sharp decodes that imageFolder picks up (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif'];

export interface ImageFolderOptions {
  /** [height, width] every image is resized to. */
  size: [number, number];
  /** 1 (grey) or 3 (RGB, the default): colour images become grey and grey images RGB as needed. */
  channels?: 1 | 3;
  /** How an image of another aspect ratio fits `size` (sharp's fit): 'fill' (stretch, the default, as torchvision's Resize((h, w))), 'cover' (crop) or 'contain' (letterbox in black). */
  fit?: 'fill' | 'cover' | 'contain';
  /** Per-channel mean and std on the [0, 1] scale, subtracted and divided after scaling (e.g. ImageNet's); default none. */
  normalise?: { mean: number[]; std: number[] };
  /** Samples decoded at once while training (BatchDataset.chunkSize); default 1024. */
  chunkSize?: number;
}

export interface ImageFolder extends BatchDataset {
  /** Class names: the sub-folders, sorted; a target is an index into this list. */
  readonly classes: string[];
  /** Every image file, by class then name. */
  readonly files: string[];
  /** The class index of each file. */
  readonly labels: number[];
  /** Shape of one sample: [channels, height, width]. */
  readonly sampleShape: [number, number, number];
}

type Sharp = typeof import('sharp');

/** Scans `dir` for class folders of images (nothing is decoded until batch() asks). */
export function imageFolder(dir: string, options: ImageFolderOptions): ImageFolder {
  if (typeof dir !== 'string' || dir === '') invalid('a folder name', 'imageFolder dir', dir);
  if (typeof options !== 'object' || options === null)
    invalid('an options object with size: [height, width]', 'imageFolder options', options);
  checkKeys(options, ['size', 'channels', 'fit', 'normalise', 'chunkSize'], 'imageFolder options');
  if (!Array.isArray(options.size) || options.size.length !== 2) invalid('[height, width]', 'imageFolder size', options.size);
  const [height, width] = options.size.map((v, i) => checkInteger(v, `imageFolder size[${i}]`, 1, 16384));
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) invalid('1 (grey) or 3 (RGB)', 'imageFolder channels', options.channels);
  const fit = checkOneOf(options.fit ?? 'fill', ['fill', 'cover', 'contain'] as const, 'imageFolder fit');
  const normalise = options.normalise === undefined ? null : checkNormalise(options.normalise, channels);
  const chunkSize = options.chunkSize === undefined ? undefined : checkInteger(options.chunkSize, 'imageFolder chunkSize', 1);

  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TorchError(`imageFolder: ${dir} is not a folder`, { code: 'IO' });
  const classes = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && isFolderOrLinkToOne(path.join(dir, e.name), e))
    .map((e) => e.name)
    .sort();
  if (classes.length === 0) throw new TorchError(`imageFolder: ${dir} has no class folders (expected ${dir}/<class>/<image>)`);
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((name, label) => {
    const images = fs
      .readdirSync(path.join(dir, name), { withFileTypes: true })
      .filter((e) => IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase()) && isFileOrLinkToOne(path.join(dir, name, e.name), e))
      .map((e) => e.name)
      .sort();
    if (images.length === 0)
      throw new TorchError(`imageFolder: class folder ${path.join(dir, name)} has no images (${IMAGE_EXTENSIONS.join(', ')})`);
    for (const image of images) {
      files.push(path.join(dir, name, image));
      labels.push(label);
    }
  });

  const sharp = loadSharp();
  const decode = async (file: string): Promise<Buffer> => {
    let image = sharp(file, { failOn: 'error' })
      .rotate()
      .resize(width, height, { fit, background: { r: 0, g: 0, b: 0 } })
      .removeAlpha();
    image = channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
    try {
      const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== channels || info.width !== width || info.height !== height) {
        throw new Error(`decoded as ${info.width}×${info.height} with ${info.channels} channels`);
      }
      return data;
    } catch (e) {
      throw new TorchError(`imageFolder: cannot read ${file}: ${(e as Error).message}`, { code: 'IO' });
    }
  };

  return {
    classes,
    files,
    labels,
    length: files.length,
    sampleShape: [channels, height, width],
    ...(chunkSize === undefined ? {} : { chunkSize }),
    async batch(indices: number[]): Promise<Dataset> {
      if (!Array.isArray(indices) || indices.some((i) => !Number.isInteger(i) || i < 0 || i >= files.length)) {
        invalid(`an array of indices in [0, ${files.length - 1}]`, 'imageFolder batch indices', indices);
      }
      const pixels = new Uint8Array(indices.length * channels * height * width);
      const decoded = await Promise.all(indices.map((i) => decode(files[i])));
      decoded.forEach((buffer, k) => pixels.set(buffer, k * buffer.length));
      return tidy(() => {
        // sharp gives height×width×channels bytes per image; samples are channels×height×width
        let inputs = tensor(pixels).view(indices.length, height, width, channels).permute(0, 3, 1, 2).to('float32').div(255).contiguous();
        if (normalise)
          inputs = inputs.sub(tensor(normalise.mean).view(1, channels, 1, 1)).div(tensor(normalise.std).view(1, channels, 1, 1));
        return {
          inputs,
          targets: tensor(
            indices.map((i) => labels[i]),
            { dtype: 'int64' },
          ),
        };
      });
    },
  };
}

function checkNormalise(n: { mean: number[]; std: number[] }, channels: number): { mean: number[]; std: number[] } {
  if (typeof n !== 'object' || n === null) invalid('{ mean, std }', 'imageFolder normalise', n);
  checkKeys(n, ['mean', 'std'], 'imageFolder normalise');
  for (const key of ['mean', 'std'] as const) {
    const v = n[key];
    if (
      !Array.isArray(v) ||
      v.length !== channels ||
      v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || (key === 'std' && x <= 0))
    ) {
      invalid(`${channels} finite numbers${key === 'std' ? ' above 0' : ''}, one per channel`, `imageFolder normalise.${key}`, v);
    }
  }
  return { mean: [...n.mean], std: [...n.std] };
}

/** sharp, loaded when first needed: a platform without its prebuilt libvips fails here, not on require('nodetorch'). */
function loadSharp(): Sharp {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: loaded on first use
    return require('sharp') as Sharp;
  } catch (e) {
    throw new TorchError(
      `imageFolder needs the sharp package, which did not load here: ${(e as Error).message}; see https://sharp.pixelplumbing.com/install`,
    );
  }
}

/**
 * Symbolic links are followed (a folder of links into a larger set is a common way to make a
 * split); a link that leads nowhere is an error naming it rather than an image silently left out.
 */
function linkTarget(file: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (e) {
    let target = '?';
    try {
      target = fs.readlinkSync(file);
    } catch {
      // removed meanwhile: the message still names the link
    }
    throw new TorchError(
      `imageFolder: '${file}' is a symbolic link to '${target}', which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { code: 'IO' },
    );
  }
}

function isFileOrLinkToOne(file: string, entry: fs.Dirent): boolean {
  return entry.isFile() || (entry.isSymbolicLink() && linkTarget(file).isFile());
}

function isFolderOrLinkToOne(folder: string, entry: fs.Dirent): boolean {
  return entry.isDirectory() || (entry.isSymbolicLink() && linkTarget(folder).isDirectory());
}
