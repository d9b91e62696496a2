/**
 * augment: the report's data augmentation, applied per training sample inside the native loop
 * (no round trip to JavaScript) on the model's device, or to tensors directly.
 */
import { tensor } from './creation';
import { native } from './native';
import { Tensor, checkTensor } from './tensor';
import { checkKeys, checkNumber, checkOneOf, invalid } from './validate';

export type RotateMode = 'nearest' | 'bilinear';

/** A random augmentation: give it to a Trainer ({ augment: [...] }) or apply it to a batch. */
export interface Augmentation {
  readonly kind: 'rotate' | 'noise';
  /** σ of the angle (radians) or of the noise. */
  readonly std: number;
  readonly mode?: RotateMode;
  /** A randomly augmented copy of a C×H×W image or N×C×H×W batch (from the manualSeed generator). */
  apply(images: Tensor): Tensor;
}

function make(kind: 'rotate' | 'noise', std: number, mode?: RotateMode): Augmentation {
  const spec = { kind, std, ...(mode ? { mode } : {}) };
  return {
    ...spec,
    apply: (images: Tensor) => new Tensor(native().augment(checkTensor(images, `augment.${kind} images`).handle, [spec])),
  };
}

/**
 * Random rotation as the study's train(): θ ~ N(0, std²) radians per sample, Torch7's
 * image.rotate about ((W−1)/2, (H−1)/2); 'nearest' (default, Torch7's 'simple': source pixel
 * round(cos θ(i−xc) − sin θ(j−yc) + xc), round(cos θ(j−yc) + sin θ(i−xc) + yc), rounding half away
 * from zero) or 'bilinear'. Pixels from outside the image are 0, which after normalisation is the
 * dataset mean, as in Torch7 (it rotated normalised images).
 */
export function rotate(options: { std: number; mode?: RotateMode }): Augmentation {
  if (typeof options !== 'object' || options === null) invalid('{ std, mode }', 'augment.rotate options', options);
  checkKeys(options, ['std', 'mode'], 'augment.rotate');
  return make(
    'rotate',
    checkNumber(options.std, 'augment.rotate std', { min: 0 }),
    checkOneOf<RotateMode>(options.mode ?? 'nearest', ['nearest', 'bilinear'], 'augment.rotate mode'),
  );
}

/** Additive Gaussian noise N(0, std²) per element (in normalised units). */
export function noise(options: { std: number }): Augmentation {
  if (typeof options !== 'object' || options === null) invalid('{ std }', 'augment.noise options', options);
  checkKeys(options, ['std'], 'augment.noise');
  return make('noise', checkNumber(options.std, 'augment.noise std', { min: 0 }));
}

/** Rotates images by the given angles (radians, one per image of a batch). */
export function rotateImages(images: Tensor, angles: number | number[] | Tensor, mode: RotateMode = 'nearest'): Tensor {
  checkTensor(images, 'rotateImages images');
  checkOneOf(mode, ['nearest', 'bilinear'], 'rotateImages mode');
  const a = angles instanceof Tensor ? angles : tensor(typeof angles === 'number' ? [angles] : angles, { dtype: 'float64' });
  try {
    return new Tensor(native().rotate(images.handle, a.handle, mode));
  } finally {
    if (!(angles instanceof Tensor)) a.dispose();
  }
}
