import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ConfusionMatrix, Logger } from '../lib';
import { formatE } from '../lib/train/Logger';

describe('ConfusionMatrix (Torch7 layout and measures)', () => {
  const cm = new ConfusionMatrix(['a', 'b', 'c']);
  cm.addCounts([
    [5, 1, 0],
    [2, 6, 0],
    [0, 0, 0],
  ]);
  cm.add(2, 2); // prediction c for target c

  test('rows are targets, columns predictions; measures as Torch7 computes them', () => {
    expect(cm.mat).toEqual([
      [5, 1, 0],
      [2, 6, 0],
      [0, 0, 1],
    ]);
    expect(cm.total).toBe(15);
    expect(cm.totalValid).toBeCloseTo(12 / 15, 12);
    // Torch7 keeps the per-class measures in a FloatTensor: float32 values
    expect(cm.valids).toEqual([Math.fround(5 / 6), 6 / 8, 1]);
    expect(cm.valids[0]).toBe(0.8333333134651184);
    // IoU: 5/(6+7-5), 6/(8+7-6), 1/(1+1-1)
    expect(cm.unionValids).toEqual([5 / 8, Math.fround(6 / 9), 1]);
    expect(cm.averageValid).toBe((Math.fround(5 / 6) + 6 / 8 + 1) / 3);
  });

  test('prints like optim.ConfusionMatrix', () => {
    expect(cm.toString()).toBe(
      [
        'ConfusionMatrix:',
        '[[       5       1       0]   83.333% \t[class: a]',
        ' [       2       6       0]   75.000% \t[class: b]',
        ' [       0       0       1]]  100.000% \t[class: c]',
        // what Torch7 prints: the float32 valids averaged in double, printed with %.14g
        ' + average row correct: 86.111110448837% ',
        ' + average rowUcol correct (VOC measure): 76.388889551163% ',
        ' + global correct: 80%',
      ].join('\n'),
    );
  });

  test("a class without samples prints -nan and is left out of both averages; no names, no '[class: …]'", () => {
    const m = new ConfusionMatrix(3);
    m.addCounts([
      [4, 5, 0],
      [0, 0, 0],
      [1, 0, 0],
    ]);
    // class 2 has no samples (0/0); class 3's IoU is 0/(1+0-0) = 0 but its accuracy is 0, not NaN
    expect(m.valids.map(String)).toEqual([String(Math.fround(4 / 9)), 'NaN', '0']);
    expect(m.toString()).toBe(
      [
        'ConfusionMatrix:',
        '[[       4       5       0]   44.444% ',
        ' [       0       0       0]   -nan% ',
        ' [       1       0       0]]  0.000% ',
        ' + average row correct: 22.222222387791% ',
        ' + average rowUcol correct (VOC measure): 20.000000298023% ',
        ' + global correct: 40%',
      ].join('\n'),
    );
    const empty = new ConfusionMatrix(['x', 'y']);
    expect(empty.toString().split('\n').slice(1)).toEqual([
      '[[       0       0]   -nan% \t[class: x]',
      ' [       0       0]]  -nan% \t[class: y]',
      ' + average row correct: -nan% ',
      ' + average rowUcol correct (VOC measure): -nan% ',
      ' + global correct: -nan%',
    ]);
  });

  test('zero() resets and bad input is rejected', () => {
    const m = new ConfusionMatrix(2);
    m.add(1, 0);
    m.zero();
    expect(m.total).toBe(0);
    expect(() => m.add(2, 0)).toThrow(/Expected an integer in \[0, 1\] for prediction but received 2/);
    expect(() => m.addCounts([[1]])).toThrow(/expected a 2×2 matrix/);
  });
});

describe('Logger (Torch7 optim.Logger format)', () => {
  test('%11.4e values, tab-separated, header first, written atomically', () => {
    expect(formatE(98.82)).toBe(' 9.8820e+01');
    expect(formatE(0.000123456)).toBe(' 1.2346e-04');
    expect(formatE(-5)).toBe('-5.0000e+00');
    // C's printf writes non-finite values as nan, inf, -inf
    expect([NaN, Infinity, -Infinity].map(formatE)).toEqual(['        nan', '        inf', '       -inf']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-log-'));
    const file = path.join(dir, 'sub', 'test.log');
    const log = new Logger(file);
    log.add({ '% mean class accuracy (test set)': 98.82 });
    log.add({ '% mean class accuracy (test set)': 99.13 });
    expect(fs.readFileSync(file, 'utf8')).toBe('% mean class accuracy (test set)\t\n 9.8820e+01\t\n 9.9130e+01\t\n');
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['test.log']);
  });
});
