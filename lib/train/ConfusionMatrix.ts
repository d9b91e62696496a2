/**
 * Torch7's optim.ConfusionMatrix: rows are targets, columns predictions; printed with per-class
 * accuracy, average row correct, average rowUcol (IoU) correct and global correct, as its Lua
 * source does: per-class accuracies are kept in a FloatTensor (so they are float32 values), a
 * class with no samples is NaN (printed `-nan`, C's text for 0/0) and left out of the averages,
 * and rows carry `[class: name]` only when names were given.
 */
import { TorchError } from '../errors';
import { checkInteger } from '../validate';

/** The most classes a confusion matrix counts (its n×n counts live in memory twice: native and here). */
export const MAX_CLASSES = 10000;

export class ConfusionMatrix {
  /** The class names given to the constructor (none for `new ConfusionMatrix(n)`, as Torch7). */
  readonly classes: string[];
  /** Counts: mat[target][prediction]. */
  readonly mat: number[][];
  readonly #n: number;

  /** `new ConfusionMatrix(10)` or `new ConfusionMatrix(['1', '2', …])`. */
  constructor(classes: number | string[]) {
    if (typeof classes === 'number') {
      this.#n = checkInteger(classes, 'number of classes', 1, MAX_CLASSES);
      this.classes = [];
    } else {
      if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string') || classes.length > MAX_CLASSES) {
        throw new TorchError(`ConfusionMatrix expects a number of classes or an array of at most ${MAX_CLASSES} class names`);
      }
      this.#n = classes.length;
      this.classes = [...classes];
    }
    if (this.#n === 0) throw new TorchError('ConfusionMatrix needs at least one class');
    this.mat = Array.from({ length: this.#n }, () => new Array<number>(this.#n).fill(0));
  }

  get nclasses(): number {
    return this.#n;
  }

  /** Counts one prediction (0-based class index) for one target (0-based). */
  add(prediction: number, target: number): void {
    checkInteger(prediction, 'prediction', 0, this.nclasses - 1);
    checkInteger(target, 'target', 0, this.nclasses - 1);
    this.mat[target][prediction] += 1;
  }

  /** Adds a whole matrix of counts (as the native training loop returns). */
  addCounts(counts: number[][]): void {
    if (counts.length !== this.nclasses || counts.some((r) => r.length !== this.nclasses)) {
      throw new TorchError(`ConfusionMatrix.addCounts: expected a ${this.nclasses}×${this.nclasses} matrix`);
    }
    counts.forEach((row, t) => row.forEach((v, p) => (this.mat[t][p] += v)));
  }

  zero(): void {
    this.mat.forEach((row) => row.fill(0));
  }

  get total(): number {
    return this.mat.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  }

  /** Global accuracy: trace / total (Torch7's totalValid). */
  get totalValid(): number {
    return this.mat.reduce((s, row, i) => s + row[i], 0) / this.total;
  }

  /** Per-class accuracy (recall): mat[t][t] / row sum, as float32 (Torch7's valids, a FloatTensor). */
  get valids(): number[] {
    return this.mat.map((row, t) => Math.fround(row[t] / row.reduce((a, b) => a + b, 0)));
  }

  /** Per-class IoU: mat[t][t] / (row sum + column sum − mat[t][t]), as float32 (Torch7's unionvalids). */
  get unionValids(): number[] {
    return this.mat.map((row, t) => {
      const col = this.mat.reduce((s, r) => s + r[t], 0);
      return Math.fround(row[t] / (row.reduce((a, b) => a + b, 0) + col - row[t]));
    });
  }

  /** Mean of the per-class accuracies of the classes that have samples. */
  get averageValid(): number {
    const v = this.valids.filter((x) => !Number.isNaN(x));
    return v.reduce((a, b) => a + b, 0) / v.length;
  }

  /** Mean of the per-class IoUs, over the classes whose accuracy and IoU are both defined (as Torch7). */
  get averageUnionValid(): number {
    const valids = this.valids;
    const v = this.unionValids.filter((x, t) => !Number.isNaN(x) && !Number.isNaN(valids[t]));
    return v.reduce((a, b) => a + b, 0) / v.length;
  }

  /** Torch7's printout. */
  toString(): string {
    const max = Math.max(1, ...this.mat.flat());
    const width = Math.max(8, 1 + Math.ceil(Math.log10(max)));
    const valids = this.valids;
    const lines = ['ConfusionMatrix:'];
    this.mat.forEach((row, t) => {
      const counts = row.map((v) => String(v).padStart(width)).join('');
      const open = t === 0 ? '[[' : ' [';
      const close = t === this.nclasses - 1 ? ']]' : '] ';
      const name = this.classes.length > 0 ? ` \t[class: ${this.classes[t] ?? ''}]` : ' ';
      lines.push(`${open}${counts}${close}  ${percent(valids[t])}%${name}`);
    });
    lines.push(` + average row correct: ${luaNumber(100 * this.averageValid)}% `);
    lines.push(` + average rowUcol correct (VOC measure): ${luaNumber(100 * this.averageUnionValid)}% `);
    lines.push(` + global correct: ${luaNumber(100 * this.totalValid)}%`);
    return lines.join('\n');
  }
}

/** C's '%2.3f' of a float32 fraction × 100; NaN (always 0/0 here) prints as C prints it, -nan. */
function percent(fraction: number): string {
  return Number.isNaN(fraction) ? '-nan' : (fraction * 100).toFixed(3);
}

/** Lua 5.1's tostring for numbers (C's '%.14g'); NaN comes from 0/0, which C prints as -nan. */
function luaNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '-nan' : v > 0 ? 'inf' : '-inf';
  return String(Number(v.toPrecision(14)));
}
