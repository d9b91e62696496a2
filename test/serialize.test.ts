import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { data, manualSeed, nn, noGrad, randn, TorchError, zeros } from '../lib';
import { MNIST_DIR } from './helpers/common';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-save-'));

describe('nn.save / nn.load', () => {
  test('a saved convnet reloads to identical outputs, dtype and structure', () => {
    manualSeed(3);
    const net = new nn.Sequential()
      .add(new nn.SpatialConvolutionMM(1, 4, 5, 5))
      .add(new nn.Tanh())
      .add(new nn.SpatialMaxPooling(2, 2, 2, 2))
      .add(new nn.View(4 * 14 * 14))
      .add(new nn.Linear(4 * 14 * 14, 10))
      .add(new nn.LogSoftMax())
      .float();
    const file = path.join(dir, 'model.net.1');
    nn.save(file, net);
    const loaded = nn.load(file) as nn.Sequential;
    expect(loaded).toBeInstanceOf(nn.Sequential);
    expect(loaded.size()).toBe(6);
    expect(loaded.dtype).toBe('float32');
    expect(loaded.get(1)).toBeInstanceOf(nn.SpatialConvolutionMM);
    const x = randn([3, 1, 32, 32]);
    expect(loaded.forward(x).toArray()).toEqual(net.forward(x).toArray());
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('overwriting goes through a temporary file and a rename, never a write in place', () => {
    const file = path.join(dir, 'keep.net');
    const net = new nn.Linear(2, 2);
    nn.save(file, net);
    const inode = fs.statSync(file).ino;
    const reader = fs.openSync(file, 'r'); // a reader holding the old file keeps seeing it whole
    const before = fs.readFileSync(file);
    nn.save(file, new nn.Linear(2, 2));
    expect(fs.statSync(file).ino).not.toBe(inode);
    const old = Buffer.alloc(before.length);
    fs.readSync(reader, old, 0, before.length, 0);
    fs.closeSync(reader);
    expect(old).toEqual(before);
    expect(() => nn.save(path.join(file, 'under-a-file.net'), net)).toThrow(/EEXIST|ENOTDIR|cannot write/);
  });

  test('missing, corrupt and foreign files are clear errors', () => {
    expect(() => nn.load(path.join(dir, 'nope.net'))).toThrow(/^nn.load: no such file '.*nope.net'/);
    const junk = path.join(dir, 'junk.net');
    fs.writeFileSync(junk, 'this is not a model');
    expect(() => nn.load(junk)).toThrow(TorchError);
    expect(() => nn.load(junk)).toThrow(/is not a nodetorch model file/);
    const file = path.join(dir, 'trunc.net');
    nn.save(file, new nn.Linear(50, 50));
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 200));
    expect(() => nn.load(file)).toThrow(
      /^nn.load: '.*trunc.net' is damaged: no end of central directory record \(not a zip archive, or truncated\)$/,
    );
  });
});

describe('files of earlier formats', () => {
  test('a version-1 model file (the headline model, docs/headline/model.net.29) loads and predicts MNIST digits', async () => {
    const model = nn.load(path.join(__dirname, '..', 'docs', 'headline', 'model.net.29'));
    // version 1 stored SpatialSubtractiveNormalization's kernel flattened after its row count
    expect(model.toString()).toContain('nn.SpatialSubtractiveNormalization(64, [0.2301, 0.5205, 0.8494, 1, 0.8494, 0.5205, 0.2301])');
    expect(model.dtype).toBe('float32');
    const out = model.evaluate().forward(zeros([2, 1, 32, 32], { dtype: 'float32' }));
    expect(out.shape).toEqual([2, 10]);
    expect((out.exp().sum(1).toArray() as number[]).every((p) => Math.abs(p - 1) < 1e-5)).toBe(true);
    // the study's model on the study's test digits: it scored 99.57% on all 10,000
    const { test: digits } = await data.mnist({ dir: MNIST_DIR, size: 'small' });
    const n = 1000;
    const predicted = noGrad(() => model.forward(digits.inputs.slice(0, 0, n).to('float32')).argmax(1));
    const correct = predicted
      .eq(digits.targets.slice(0, 0, n))
      .sum()
      .item() as number;
    console.log(`the headline model (version-1 file): ${correct} of the first ${n} MNIST test digits right`);
    expect(correct / n).toBeGreaterThanOrEqual(0.99);
  });
});
