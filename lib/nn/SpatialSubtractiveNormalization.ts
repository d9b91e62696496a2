import { TorchError } from '../errors';
import { checkInteger, invalid, checkArity } from '../validate';
import { Module } from './Module';

/**
 * Torch7's SpatialSubtractiveNormalization: subtracts from every plane one local mean taken over
 * all planes with a normalised kernel (a 1-D kernel k is used as the separable k⊗k), corrected
 * at the borders by the same estimator applied to ones:
 * y_c(i,j) = x_c(i,j) − Σ_c' Σ K(u,v) x_c'(i+u, j+v) / Σ_c' Σ_in-bounds K(u,v).
 * No trainable parameters. The default kernel is a 9×9 box, as Torch7's.
 */
export class SpatialSubtractiveNormalization extends Module {
  /** The kernel as given (1-D or 2-D). */
  readonly kernel: number[] | number[][];

  constructor(nInputPlane: number, kernel: number[] | number[][] = Array.from({ length: 9 }, () => new Array(9).fill(1))) {
    checkArity(arguments, 2, 'nn.SpatialSubtractiveNormalization(nInputPlane[, kernel])');
    checkInteger(nInputPlane, 'SpatialSubtractiveNormalization nInputPlane', 1);
    if (!Array.isArray(kernel) || kernel.length === 0)
      invalid('a non-empty 1-D or 2-D array of numbers', 'SpatialSubtractiveNormalization kernel', kernel);
    const rows = Array.isArray(kernel[0]) ? (kernel as number[][]) : [kernel as number[]];
    const cols = rows[0].length;
    const flat = rows.flat();
    if (rows.some((r) => !Array.isArray(r) || r.length !== cols) || flat.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      invalid('a rectangular array of finite numbers', 'SpatialSubtractiveNormalization kernel', kernel);
    }
    if (rows.length % 2 === 0 || cols % 2 === 0)
      throw new TorchError(`SpatialSubtractiveNormalization needs odd kernel sizes, got ${rows.length}×${cols}`);
    // Torch7 divides the kernel by its sum; a kernel summing to 0 made every output NaN.
    if (flat.reduce((a, b) => a + b, 0) === 0)
      throw new TorchError('SpatialSubtractiveNormalization kernel: its values sum to 0, so it cannot be normalised into a local mean');
    super('SpatialSubtractiveNormalization', [nInputPlane, kernel], { nInputPlane, kernel: flat, kernelRows: rows.length });
    this.kernel = kernel;
  }

  override toString(): string {
    const fmt = (r: number[]) => `[${r.map((v) => Number(v.toFixed(4))).join(', ')}]`;
    const k = Array.isArray(this.kernel[0]) ? `[${(this.kernel as number[][]).map(fmt).join(', ')}]` : fmt(this.kernel as number[]);
    return `nn.SpatialSubtractiveNormalization(${this.args[0] as number}, ${k})`;
  }
}

/**
 * Torch7's image.gaussian1D(size, sigma = 0.25, amplitude = 1, normalize = false, mean = 0.5):
 * g[i] = amplitude · exp(−((i − (mean·size + 0.5)) / (sigma·size))² / 2), i = 1..size.
 * gaussian1D(7) = 0.2301, 0.5205, 0.8494, 1, 0.8494, 0.5205, 0.2301 (the study's normkernel).
 */
export function gaussian1D(size: number, sigma = 0.25, amplitude = 1, normalize = false, mean = 0.5): number[] {
  checkInteger(size, 'gaussian1D size', 1);
  const center = mean * size + 0.5;
  const g = Array.from({ length: size }, (_, k) => amplitude * Math.exp(-(((k + 1 - center) / (sigma * size)) ** 2) / 2));
  if (!normalize) return g;
  const sum = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / sum);
}
