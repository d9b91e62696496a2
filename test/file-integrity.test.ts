// Model, checkpoint and log files survive damage and crashes: a damaged file is a clear error (a
// digest covers the description and every tensor), a failed load changes nothing, a resumed run's
// logs continue from its checkpoint, and temporary files of killed runs are cleared.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { manualSeed, nn, tensor, Tensor, Trainer, TorchError } from '../lib';
import { native } from '../lib/native';
import { FILE_FORMAT_VERSION, writeArchive } from '../lib/util/archive';
import { removeStaleTemps, writeFileAtomic } from '../lib/util/atomic';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-integrity-'));
const inputs = tensor(Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(2 * i), i / 30, (i % 3) - 1]), { dtype: 'float64' });
const targets = tensor(Array.from({ length: 30 }, (_, i) => (i * 7) % 3), { dtype: 'int64' });
const data = { inputs, targets };
const make = () => new nn.Sequential().add(new nn.Linear(4, 6)).add(new nn.Tanh()).add(new nn.Linear(6, 3)).add(new nn.LogSoftMax());
const trainer = (model = make()) => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), batchSize: 5, classes: 3, optimizer: { method: 'sgd', config: { learningRate: 0.1, momentum: 0.5 } } });
const values = (t: Tensor) => t.toArray() as number[];

/** Loads `file` with every 16-byte window at `offsets` flipped: each load must fail with a TorchError or give back exactly the saved values. */
function flipAndLoad(file: string, offsets: number[], load: (f: string) => number[], saved: number[]): { refused: number; intact: number } {
  const bytes = fs.readFileSync(file);
  let refused = 0, intact = 0;
  for (const offset of offsets) {
    const damaged = Buffer.from(bytes);
    for (let k = offset; k < Math.min(offset + 16, damaged.length); k++) damaged[k] ^= 0xff;
    const copy = path.join(dir, `damaged-${offset}`);
    fs.writeFileSync(copy, damaged);
    try {
      expect(load(copy)).toEqual(saved);
      intact += 1; // the bytes flipped were padding the zip reader skips
    } catch (e) {
      if (!(e instanceof TorchError)) throw e;
      refused += 1;
    }
  }
  return { refused, intact };
}

describe('damaged files are errors, never silently wrong values', () => {
  test('flipping 16 bytes anywhere in a model file: refused, or loads the very same weights', () => {
    manualSeed(1);
    const model = make();
    const file = path.join(dir, 'model.net');
    nn.save(file, model);
    const saved = values(model.getParameters()[0]);
    const size = fs.statSync(file).size;
    const offsets = Array.from({ length: 60 }, (_, k) => Math.floor((k * size) / 60));
    const { refused, intact } = flipAndLoad(file, offsets, (f) => values(nn.load(f).getParameters()[0]), saved);
    expect(refused + intact).toBe(60);
    // most of the file matters (LibTorch 2.x's zip writer pads records to 64 bytes, so a small
    // file holds more skipped padding there: 40 of 60 refused on 2.13, more on 1.13)
    expect(refused).toBeGreaterThanOrEqual(30);
  });

  test('the weights themselves: a flip in the parameter data is named as damage (it loaded −4.98e306 before)', () => {
    const model = make();
    model.getParameters()[0].fill(0.123456789);
    const file = path.join(dir, 'weights.net');
    nn.save(file, model);
    const bytes = fs.readFileSync(file);
    const pattern = Buffer.from(new Float64Array([0.123456789]).buffer);
    const at = bytes.indexOf(pattern);
    expect(at).toBeGreaterThan(0);
    bytes[at + 7] ^= 0x40;
    fs.writeFileSync(file, bytes);
    expect(() => nn.load(file)).toThrow(/^nn.load: '.*weights.net' is damaged: its contents do not match the checksum written with them/);
  });

  test('a checkpoint with any 16 bytes flipped (the RNG state, the optimizer state, the parameters) is refused or intact', async () => {
    const t = trainer();
    await t.trainEpoch(data);
    const file = path.join(dir, 'checkpoint');
    t.saveCheckpoint(file);
    const saved = values(t.parameters);
    const size = fs.statSync(file).size;
    const offsets = Array.from({ length: 60 }, (_, k) => Math.floor((k * size) / 60));
    const { refused } = flipAndLoad(file, offsets, (f) => {
      const fresh = trainer();
      fresh.loadCheckpoint(f);
      return values(fresh.parameters);
    }, saved);
    expect(refused).toBeGreaterThan(40);
  });

  test('corrupt or foreign descriptions are TorchErrors naming the file (corrupt JSON was a raw SyntaxError)', () => {
    const bad = path.join(dir, 'bad-json.net');
    writeArchive(bad, '{"format": "nodetorch-module", ', []);
    expect(() => nn.load(bad)).toThrow(/^nn.load: '.*bad-json.net' is damaged: its description is not valid JSON$/);
    const future = path.join(dir, 'future.net');
    writeArchive(future, JSON.stringify({ format: 'nodetorch-module', version: FILE_FORMAT_VERSION + 1, dtype: 'float64', module: { type: 'Tanh', args: [] } }), []);
    expect(() => nn.load(future)).toThrow(new RegExp(`has format version ${FILE_FORMAT_VERSION + 1}; this nodetorch reads versions 1 to ${FILE_FORMAT_VERSION}`));
    const noise = path.join(dir, 'noise.net');
    fs.writeFileSync(noise, Buffer.from('not a zip at all'));
    expect(() => nn.load(noise)).toThrow(/^nn.load: '.*noise.net' is not a nodetorch model file/);
    const odd = path.join(dir, 'odd.net');
    writeArchive(odd, JSON.stringify({ format: 'nodetorch-module', version: FILE_FORMAT_VERSION, dtype: 'float64', module: { type: 'Linear', args: 'x' } }), []);
    expect(() => nn.load(odd)).toThrow(/^nn.load: the file describes a module as .*; expected \{ type, args \}/);
    const levels = 5000;
    const deep = '{"type":"Sequential","args":[],"children":['.repeat(levels) + '{"type":"Tanh","args":[]}' + ']}'.repeat(levels);
    const nested = path.join(dir, 'nested.net');
    writeArchive(nested, `{"format":"nodetorch-module","version":${FILE_FORMAT_VERSION},"dtype":"float64","module":${deep}}`, []);
    expect(() => nn.load(nested)).toThrow(/nests containers more than 1000 deep/);
  });

  test('a loadCheckpoint that fails changes nothing (it had overwritten the parameters already)', async () => {
    const t = trainer();
    await t.trainEpoch(data);
    const before = { params: values(t.parameters), epoch: t.epoch, state: t.optimizerState(), method: t.method };
    const other = trainer();
    await other.trainEpoch(data);
    await other.trainEpoch(data);
    const file = path.join(dir, 'inconsistent');
    other.saveCheckpoint(file);
    // a well-formed file whose optimizer state does not hold together: rewrite it without 'evalCounter'
    const { json, tensors, checksummed } = native().decodeArchive(fs.readFileSync(file));
    expect(checksummed).toBe(true);
    const description = JSON.parse(json);
    delete description.scalars.evalCounter;
    writeArchive(file, JSON.stringify(description), tensors);
    expect(() => t.loadCheckpoint(file)).toThrow(/evalCounter/);
    expect(values(t.parameters)).toEqual(before.params);
    expect(t.epoch).toBe(before.epoch);
    expect(t.optimizerState()).toEqual(before.state);
    expect(t.method).toBe(before.method);
  });
});

describe('crashes leave a resumable run, not drift', () => {
  test('a resumed fit continues the logs from the checkpoint and clears temporary files of dead processes', async () => {
    const save = path.join(dir, 'run');
    const t = trainer();
    await t.fit({ train: data, test: data, epochs: 2, save });
    // a crash during epoch 3: its train row was logged, its checkpoint never written, a write cut short
    fs.appendFileSync(path.join(save, 'train.log'), ' 5.0000e+01\t\n');
    fs.writeFileSync(path.join(save, 'model.net.3.tmp-999999999'), 'half a model');
    fs.writeFileSync(path.join(save, `keep.tmp-${process.pid}`), 'this process is alive');
    const resumed = trainer();
    resumed.loadCheckpoint(path.join(save, 'checkpoint'));
    await resumed.fit({ train: data, test: data, epochs: 1, save });
    const rows = (name: string) => fs.readFileSync(path.join(save, name), 'utf8').trim().split('\n').length - 1;
    expect(rows('train.log')).toBe(3);
    expect(rows('test.log')).toBe(3);
    expect(fs.existsSync(path.join(save, 'model.net.3.tmp-999999999'))).toBe(false);
    expect(fs.existsSync(path.join(save, `keep.tmp-${process.pid}`))).toBe(true);
    expect(removeStaleTemps(path.join(dir, 'no-such-folder'))).toEqual([]);
  });

  test('filesystem failures while saving are TorchErrors naming the file (raw EEXIST/ENOTDIR before)', async () => {
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    expect(() => nn.save(path.join(blocker, 'model.net'), make())).toThrow(/^cannot create the folder '.*a-file': (EEXIST|ENOTDIR)/);
    const folder = path.join(dir, 'a-folder');
    fs.mkdirSync(folder);
    expect(() => writeFileAtomic(folder, 'x')).toThrow(/^cannot write '.*a-folder': EISDIR/);
    await expect(trainer().fit({ train: data, epochs: 1, save: path.join(blocker, 'run') })).rejects.toThrow(TorchError);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
