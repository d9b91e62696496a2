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
    expect(cm.mat).toEqual([[5, 1, 0], [2, 6, 0], [0, 0, 1]]);
    expect(cm.total).toBe(15);
    expect(cm.totalValid).toBeCloseTo(12 / 15, 12);
    expect(cm.valids).toEqual([5 / 6, 6 / 8, 1]);
    // IoU: 5/(6+7-5), 6/(8+7-6), 1/(1+1-1)
    expect(cm.unionValids[0]).toBeCloseTo(5 / 8, 12);
    expect(cm.unionValids[1]).toBeCloseTo(6 / 9, 12);
    expect(cm.averageValid).toBeCloseTo((5 / 6 + 6 / 8 + 1) / 3, 12);
  });

  test('prints like optim.ConfusionMatrix', () => {
    expect(cm.toString()).toBe(
      [
        'ConfusionMatrix:',
        '[[       5       1       0]   83.333% \t[class: a]',
        ' [       2       6       0]   75.000% \t[class: b]',
        ' [       0       0       1]]  100.000% \t[class: c]',
        ' + average row correct: 86.111111111111% ',
        ' + average rowUcol correct (VOC measure): 76.388888888889% ',
        ' + global correct: 80%',
      ].join('\n'),
    );
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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-log-'));
    const file = path.join(dir, 'sub', 'test.log');
    const log = new Logger(file);
    log.add({ '% mean class accuracy (test set)': 98.82 });
    log.add({ '% mean class accuracy (test set)': 99.13 });
    expect(fs.readFileSync(file, 'utf8')).toBe('% mean class accuracy (test set)\t\n 9.8820e+01\t\n 9.9130e+01\t\n');
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['test.log']);
  });
});
