// data.imageFolder on real PNG and JPEG files written by sharp in the test: class folders, the
// pixel layout (channels × height × width, [0, 1]), grey and RGB, resizing, normalisation,
// training a Trainer on it, and errors naming the file or option at fault.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { TorchError, Trainer, data, manualSeed, nn } from '../lib';

/** Writes an image of width×height×channels raw bytes with sharp. */
async function writeImage(
  file: string,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  pixel: (x: number, y: number, c: number) => number,
): Promise<void> {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) raw[(y * width + x) * channels + c] = pixel(x, y, c);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(raw, { raw: { width, height, channels } }).toFile(file);
}

describe('data.imageFolder', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-images-'));
    dir = path.join(root, 'shapes');
    // 'bright': RGB PNGs of 24×24 around 200; 'dark': grey JPEGs of 30×20 around 50, with noise
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) % 41) - 20;
    for (let i = 0; i < 8; i++) {
      await writeImage(path.join(dir, 'bright', `b${i}.png`), 24, 24, 3, () => 200 + noise());
      await writeImage(path.join(dir, 'dark', `d${i}.jpg`), 30, 20, 1, () => 50 + noise());
    }
    fs.writeFileSync(path.join(dir, 'dark', 'notes.txt'), 'not an image');
    fs.mkdirSync(path.join(dir, '.cache'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('classes are the sorted sub-folders; files and labels follow them', () => {
    const set = data.imageFolder(dir, { size: [8, 8] });
    expect(set.classes).toEqual(['bright', 'dark']);
    expect(set.length).toBe(16);
    expect(set.files.map((f) => path.basename(f))).toEqual([
      ...[...Array(8).keys()].map((i) => `b${i}.png`),
      ...[...Array(8).keys()].map((i) => `d${i}.jpg`),
    ]);
    expect(set.labels).toEqual([...new Array(8).fill(0), ...new Array(8).fill(1)]);
    expect(set.sampleShape).toEqual([3, 8, 8]);
  });

  test('pixels come out as channels × height × width on [0, 1], in the order asked for', async () => {
    const file = path.join(root, 'layout', 'one', 'rgb.png');
    const [r, g, b] = [(x: number, y: number) => 10 * x + y, (x: number) => 100 + x, (_x: number, y: number) => 250 - y];
    await writeImage(file, 3, 2, 3, (x, y, c) => [r, g, b][c](x, y));
    await writeImage(path.join(root, 'layout', 'two', 'grey.png'), 3, 2, 1, () => 77);
    const set = data.imageFolder(path.join(root, 'layout'), { size: [2, 3] });
    const { inputs, targets } = await set.batch([1, 0]);
    expect(inputs.shape).toEqual([2, 3, 2, 3]);
    expect(inputs.dtype).toBe('float32');
    expect(targets.toArray()).toEqual([1, 0]);
    const expected = [r, g, b].map((f) => [0, 1].map((y) => [0, 1, 2].map((x) => f(x, y) / 255)));
    const got = inputs.index(1).toArray() as number[][][];
    got.forEach((plane, c) => plane.forEach((row, y) => row.forEach((v, x) => expect(v).toBeCloseTo(expected[c][y][x], 6))));
    // a grey image becomes three equal channels
    expect((inputs.index(0).toArray() as number[][][]).flat(2).every((v) => Math.abs(v - 77 / 255) < 1e-6)).toBe(true);
    // and with channels: 1 the grey image is one channel of the same value
    const grey = await data.imageFolder(path.join(root, 'layout'), { size: [2, 3], channels: 1 }).batch([1]);
    expect(grey.inputs.shape).toEqual([1, 1, 2, 3]);
    expect((grey.inputs.toArray() as number[][][][]).flat(3).every((v) => Math.abs(v - 77 / 255) < 1e-6)).toBe(true);
  });

  test('normalise subtracts each channel mean and divides by its std', async () => {
    await writeImage(path.join(root, 'flat', 'a', 'x.png'), 2, 2, 3, (_x, _y, c) => [51, 102, 204][c]);
    const mean = [0.5, 0.25, 0.125];
    const std = [0.5, 0.25, 2];
    const { inputs } = await data.imageFolder(path.join(root, 'flat'), { size: [2, 2], normalise: { mean, std } }).batch([0]);
    const values = (inputs.index(0).toArray() as number[][][]).map((plane) => plane[0][0]);
    values.forEach((v, c) => expect(v).toBeCloseTo(([51, 102, 204][c] / 255 - mean[c]) / std[c], 6));
  });

  test("resizing: 'fill' stretches, 'contain' letterboxes in black", async () => {
    await writeImage(path.join(root, 'wide', 'a', 'white.png'), 40, 10, 3, () => 255);
    const fill = await data.imageFolder(path.join(root, 'wide'), { size: [8, 8] }).batch([0]);
    expect((fill.inputs.toArray() as number[][][][]).flat(3).every((v) => v > 0.99)).toBe(true);
    const contain = await data.imageFolder(path.join(root, 'wide'), { size: [8, 8], fit: 'contain' }).batch([0]);
    const rows = (contain.inputs.index(0, 0).toArray() as number[][]).map((row) => row.reduce((a, b) => a + b, 0) / 8);
    expect(rows[0]).toBeLessThan(0.01); // black above the 8×2 picture
    expect(rows[7]).toBeLessThan(0.01); // and below it
    expect(rows[3]).toBeGreaterThan(0.99);
  });

  test('a Trainer learns the classes from the folder, streaming its images', async () => {
    manualSeed(2);
    const set = data.imageFolder(dir, { size: [8, 8], chunkSize: 6, normalise: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } });
    const model = new nn.Sequential()
      .add(new nn.Reshape(3 * 8 * 8))
      .add(new nn.Linear(3 * 8 * 8, 2))
      .add(new nn.LogSoftMax())
      .float();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 4,
      classes: 2,
      classNames: set.classes,
      optimizer: { method: 'sgd', config: { learningRate: 0.01 } },
    });
    await trainer.fit({ train: set, epochs: 5 });
    const result = await trainer.test(set);
    expect(result.samples).toBe(16);
    expect(result.accuracy).toBe(1);
    expect(result.confusion.classes).toEqual(['bright', 'dark']);
  });

  test('symbolic links to images and to class folders are followed; a dangling one is an error naming it (skipped silently before)', async () => {
    const linked = path.join(root, 'linked');
    fs.mkdirSync(path.join(linked, 'bright'), { recursive: true });
    for (let i = 0; i < 3; i++) fs.symlinkSync(path.join(dir, 'bright', `b${i}.png`), path.join(linked, 'bright', `b${i}.png`));
    fs.symlinkSync(path.join(dir, 'dark'), path.join(linked, 'dark'));
    const set = data.imageFolder(linked, { size: [8, 8] });
    expect(set.classes).toEqual(['bright', 'dark']);
    expect(set.length).toBe(3 + 8);
    const first = await set.batch([0]);
    expect(first.inputs.mean().item()).toBeGreaterThan(0.6); // a bright image, read through its link
    fs.symlinkSync(path.join(dir, 'bright', 'missing.png'), path.join(linked, 'bright', 'gone.png'));
    expect(() => data.imageFolder(linked, { size: [8, 8] })).toThrow(
      /^imageFolder: '.*linked\/bright\/gone.png' is a symbolic link to '.*missing.png', which cannot be read \(ENOENT\)$/,
    );
  });

  test('bad folders, files and options are TorchErrors naming them', async () => {
    expect(() => data.imageFolder(path.join(root, 'missing'), { size: [8, 8] })).toThrow(/imageFolder: .*missing is not a folder/);
    fs.mkdirSync(path.join(root, 'none'));
    expect(() => data.imageFolder(path.join(root, 'none'), { size: [8, 8] })).toThrow(
      /has no class folders \(expected .*none\/<class>\/<image>\)/,
    );
    fs.mkdirSync(path.join(root, 'hollow', 'empty'), { recursive: true });
    expect(() => data.imageFolder(path.join(root, 'hollow'), { size: [8, 8] })).toThrow(/class folder .*empty has no images/);
    expect(() => data.imageFolder(dir, {} as never)).toThrow(/Expected \[height, width\] for imageFolder size/);
    expect(() => data.imageFolder(dir, { size: [8, 0] })).toThrow(/imageFolder size\[1\]/);
    expect(() => data.imageFolder(dir, { size: [8, 8], channels: 2 as never })).toThrow(
      /Expected 1 \(grey\) or 3 \(RGB\) for imageFolder channels but received 2/,
    );
    expect(() => data.imageFolder(dir, { size: [8, 8], normalise: { mean: [0], std: [1] } })).toThrow(
      /Expected 3 finite numbers, one per channel for imageFolder normalise.mean/,
    );
    expect(() => data.imageFolder(dir, { size: [8, 8], normalise: { mean: [0, 0, 0], std: [1, 0, 1] } })).toThrow(
      /3 finite numbers above 0/,
    );
    expect(() => data.imageFolder(dir, { size: [8, 8], resize: true } as never)).toThrow(TorchError);

    // a file that is not what its name says fails when it is read, naming it
    const broken = path.join(root, 'broken');
    await writeImage(path.join(broken, 'a', 'good.png'), 4, 4, 3, () => 9);
    fs.writeFileSync(path.join(broken, 'a', 'bad.png'), 'this is not a PNG');
    const set = data.imageFolder(broken, { size: [4, 4] });
    await expect(set.batch([0, 1])).rejects.toThrow(/imageFolder: cannot read .*bad\.png: /);
    await expect(set.batch([2])).rejects.toThrow(/Expected an array of indices in \[0, 1\] for imageFolder batch indices/);
    const trainer = new Trainer({
      model: new nn.Sequential().add(new nn.Reshape(48)).add(new nn.Linear(48, 2)).add(new nn.LogSoftMax()),
      criterion: new nn.ClassNLLCriterion(),
      classes: 2,
    });
    await expect(trainer.trainEpoch(set)).rejects.toThrow(/cannot read .*bad\.png/);
  });
});
