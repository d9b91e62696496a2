/**
 * Torch7's optim.Logger file format: a header line of tab-terminated names, then one line per
 * add() with each value as '%11.4e' and a tab. The whole file is rewritten atomically on every
 * add(), so a crash never leaves a half-written log.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeFolder, writeFileAtomic } from '../util/atomic';
import { checkFileName, checkKeys } from '../validate';

/** C's printf('%11.4e'), which writes non-finite values as nan, inf and -inf. */
export function formatE(value: number): string {
  if (!Number.isFinite(value)) return (Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf').padStart(11);
  const [mantissa, exponent] = value.toExponential(4).split('e');
  const exp = Number(exponent);
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mantissa}e${e}`.padStart(11);
}

export class Logger {
  readonly file: string;
  #names: string[] | null = null;
  #text = '';

  /**
   * Creates (truncates) the log file, making its folder first; with `append`, continues an
   * existing log instead (a resumed run), keeping at most its first `rows` rows when given (the
   * epochs up to the checkpoint; a crashed run may have logged more).
   */
  constructor(file: string, options: { append?: boolean; rows?: number } = {}) {
    this.file = checkFileName(file, 'Logger file');
    checkKeys(options, ['append', 'rows'], 'Logger options');
    makeFolder(path.dirname(path.resolve(file)));
    if (options.append && fs.existsSync(file)) {
      const [header, ...rows] = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      if (header) {
        this.#names = header.split('\t').filter((n) => n !== '');
        this.#text = [header, ...rows.slice(0, options.rows ?? rows.length)].map((line) => `${line}\n`).join('');
        if (this.#text.split('\n').length - 2 < rows.length) writeFileAtomic(file, this.#text);
      }
    } else {
      writeFileAtomic(file, '');
    }
  }

  /** Appends one row, e.g. add({ '% mean class accuracy (test set)': 98.8 }). */
  add(values: Record<string, number>): void {
    const names = Object.keys(values);
    if (!this.#names) {
      this.#names = names;
      this.#text += names.map((n) => `${n}\t`).join('') + '\n';
    }
    this.#text += this.#names.map((n) => `${formatE(values[n])}\t`).join('') + '\n';
    writeFileAtomic(this.file, this.#text);
  }
}
