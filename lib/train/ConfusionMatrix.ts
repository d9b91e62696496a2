/**
 * Torch7's optim.ConfusionMatrix: rows are targets, columns predictions; printed with per-class
 * accuracy, average row correct, average rowUcol (IoU) correct and global correct.
 */
import { TorchError } from '../errors';
import { checkInteger } from '../validate';

export class ConfusionMatrix {
  readonly classes: string[];
  /** Counts: mat[target][prediction]. */
  readonly mat: number[][];

  /** `new ConfusionMatrix(10)` or `new ConfusionMatrix(['1', '2', …])`. */
  constructor(classes: number | string[]) {
    this.classes = typeof classes === 'number' ? Array.from({ length: checkInteger(classes, 'number of classes', 1) }, (_, i) => String(i + 1)) : [...classes];
    if (this.classes.length === 0) throw new TorchError('ConfusionMatrix needs at least one class');
    this.mat = this.classes.map(() => this.classes.map(() => 0));
  }

  get nclasses(): number {
    return this.classes.length;
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

  /** Per-class accuracy (recall): mat[t][t] / row sum (Torch7's valids). */
  get valids(): number[] {
    return this.mat.map((row, t) => row[t] / row.reduce((a, b) => a + b, 0));
  }

  /** Per-class IoU: mat[t][t] / (row sum + column sum − mat[t][t]). */
  get unionValids(): number[] {
    return this.mat.map((row, t) => {
      const col = this.mat.reduce((s, r) => s + r[t], 0);
      return row[t] / (row.reduce((a, b) => a + b, 0) + col - row[t]);
    });
  }

  /** Mean of the non-NaN per-class accuracies. */
  get averageValid(): number {
    const v = this.valids.filter((x) => !Number.isNaN(x));
    return v.reduce((a, b) => a + b, 0) / v.length;
  }

  /** Mean of the non-NaN per-class IoUs. */
  get averageUnionValid(): number {
    const v = this.unionValids.filter((x) => !Number.isNaN(x));
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
      lines.push(`${open}${counts}${close}  ${(100 * valids[t]).toFixed(3)}% \t[class: ${this.classes[t]}]`);
    });
    lines.push(` + average row correct: ${luaNumber(100 * this.averageValid)}% `);
    lines.push(` + average rowUcol correct (VOC measure): ${luaNumber(100 * this.averageUnionValid)}% `);
    lines.push(` + global correct: ${luaNumber(100 * this.totalValid)}%`);
    return lines.join('\n');
  }
}

/** Lua 5.1's tostring for numbers (C's '%.14g'). */
function luaNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return String(Number(v.toPrecision(14)));
}
