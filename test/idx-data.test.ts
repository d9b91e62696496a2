// data.idx: any IDX-format dataset (Fashion-MNIST, KMNIST, EMNIST…), from small files written
// here in the format's own layout (big-endian headers, gzip or not); values checked by hand.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { data } from '../lib';

function idxImages(images: number[][][]): Buffer {
  const [rows, cols] = [images[0].length, images[0][0].length];
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  header.writeUInt32BE(images.length, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  return Buffer.concat([header, Buffer.from(images.flat(2))]);
}
function idxLabels(labels: number[]): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x801, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

// 3×2 images: train 4 with labels up to 11 (EMNIST-like: more than 10 classes), test 2
const trainImages = [
  [
    [0, 10],
    [20, 30],
    [40, 50],
  ],
  [
    [255, 0],
    [0, 0],
    [0, 0],
  ],
  [
    [1, 2],
    [3, 4],
    [5, 6],
  ],
  [
    [9, 9],
    [9, 9],
    [9, 9],
  ],
];
const testImages = [
  [
    [100, 0],
    [0, 0],
    [0, 200],
  ],
  [
    [7, 7],
    [7, 7],
    [7, 7],
  ],
];
const trainLabels = [0, 11, 3, 3];
const testLabels = [5, 2];
const pixels = trainImages.flat(2);
const mean = pixels.reduce((s, v) => s + v, 0) / pixels.length;
const std = Math.sqrt(pixels.reduce((s, v) => s + (v - mean) ** 2, 0) / (pixels.length - 1));

function folder(files: Record<string, Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-idx-'));
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
  return dir;
}

test("MNIST's file names, gzipped: images normalised by the training set's mean and std, labels as given", () => {
  const dir = folder({
    'train-images-idx3-ubyte.gz': zlib.gzipSync(idxImages(trainImages)),
    'train-labels-idx1-ubyte.gz': zlib.gzipSync(idxLabels(trainLabels)),
    't10k-images-idx3-ubyte': idxImages(testImages),
    't10k-labels-idx1-ubyte': idxLabels(testLabels),
  });
  const set = data.idx(dir);
  expect(set.train.inputs.shape).toEqual([4, 1, 3, 2]);
  expect(set.train.inputs.dtype).toBe('float32');
  expect(set.test.size).toBe(2);
  expect(set.classes).toBe(12);
  expect(set.mean).toBeCloseTo(mean, 12);
  expect(set.std).toBeCloseTo(std, 12);
  expect(set.train.targets.toArray()).toEqual(trainLabels);
  expect(set.test.targets.dtype).toBe('int64');
  const first = (set.test.inputs.index(0).toArray() as number[][][]).flat(2);
  first.forEach((v, i) => expect(v).toBeCloseTo((testImages[0].flat()[i] - mean) / std, 5));
});

test("EMNIST-style names, padding and 'unit' scaling", () => {
  const dir = folder({
    'emnist-letters-train-images-idx3-ubyte': idxImages(trainImages),
    'emnist-letters-train-labels-idx1-ubyte': idxLabels(trainLabels),
    'emnist-letters-test-images-idx3-ubyte': idxImages(testImages),
    'emnist-letters-test-labels-idx1-ubyte': idxLabels(testLabels),
  });
  const files = {
    trainImages: 'emnist-letters-train-images-idx3-ubyte',
    trainLabels: 'emnist-letters-train-labels-idx1-ubyte',
    testImages: 'emnist-letters-test-images-idx3-ubyte',
    testLabels: 'emnist-letters-test-labels-idx1-ubyte',
  };
  const set = data.idx(dir, { files, pad: 1, normalise: 'unit' });
  expect(set.train.inputs.shape).toEqual([4, 1, 5, 4]);
  const image = set.train.inputs.index(1, 0).toArray() as number[][];
  expect(image[0]).toEqual([0, 0, 0, 0]); // the padding
  expect(image[1]).toEqual([0, 1, 0, 0]); // 255 / 255, one pixel in
  expect([set.mean, set.std]).toEqual([0, 255]);
});

test('missing files, mismatched sizes and bad options are errors naming them', () => {
  const dir = folder({ 'train-images-idx3-ubyte': idxImages(trainImages), 'train-labels-idx1-ubyte': idxLabels(trainLabels) });
  expect(() => data.idx(dir)).toThrow(new RegExp(`data.idx: no 't10k-images-idx3-ubyte' \\(or t10k-images-idx3-ubyte.gz\\) in '${dir}'`));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxImages([[[1, 2, 3]]]));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels([1]));
  expect(() => data.idx(dir)).toThrow(/has 1×3 images; expected 3×2/);
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels([0, 1, 2]));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(testImages));
  expect(() => data.idx(dir)).toThrow(/holds 3 labels; expected 4/);
  expect(() => data.idx(dir, { pad: -1 })).toThrow(/data.idx pad/);
  expect(() => data.idx(dir, { normalise: 'zscore' as never })).toThrow(/data.idx normalise/);
  expect(() => data.idx(dir, { files: { trainImages: 'a' } as never })).toThrow(/data.idx files.trainLabels/);
  expect(() => data.idx('')).toThrow(/data.idx dir/);
});

test('degenerate sets are errors naming the file: no images, 0×0 images, every pixel the same (all-NaN inputs before)', () => {
  const labelsFor = (n: number) => idxLabels(Array.from({ length: n }, () => 1));
  const set = (train: Buffer, trainLabels: Buffer) =>
    folder({
      'train-images-idx3-ubyte': train,
      'train-labels-idx1-ubyte': trainLabels,
      't10k-images-idx3-ubyte': idxImages(testImages),
      't10k-labels-idx1-ubyte': idxLabels(testLabels),
    });
  const empty = Buffer.alloc(16);
  empty.writeUInt32BE(0x803, 0);
  empty.writeUInt32BE(3, 8);
  empty.writeUInt32BE(2, 12);
  expect(() => data.idx(set(empty, idxLabels([])))).toThrow(/^IDX file '.*train-images-idx3-ubyte' holds no images \(its count is 0\)$/);
  const flat = Buffer.alloc(16);
  flat.writeUInt32BE(0x803, 0);
  flat.writeUInt32BE(4, 4);
  expect(() => data.idx(set(flat, labelsFor(4)))).toThrow(
    /^IDX file '.*train-images-idx3-ubyte' has 0×0 images; an image needs at least one row and one column$/,
  );
  const grey = idxImages([
    [
      [7, 7],
      [7, 7],
      [7, 7],
    ],
    [
      [7, 7],
      [7, 7],
      [7, 7],
    ],
  ]);
  expect(() => data.idx(set(grey, labelsFor(2)))).toThrow(
    /^data.idx: every pixel of the training images in '.*train-images-idx3-ubyte' is 7 .*standard deviation is 0.*use normalise: 'unit'/,
  );
  expect(
    data
      .idx(set(grey, labelsFor(2)), { normalise: 'unit' })
      .train.inputs.max()
      .item(),
  ).toBeCloseTo(7 / 255, 6);
});

test('a gzip bomb (256 MiB of zeros behind an MNIST header, 256 KB on disk) is refused from its sizes at once, without inflating it', () => {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  header.writeUInt32BE(60000, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const bomb = zlib.gzipSync(Buffer.concat([header, Buffer.alloc(1 << 28)]), { level: 9 });
  const dir = folder({
    'train-images-idx3-ubyte.gz': bomb,
    'train-labels-idx1-ubyte': idxLabels([1]),
    't10k-images-idx3-ubyte': idxImages(testImages),
    't10k-labels-idx1-ubyte': idxLabels(testLabels),
  });
  const rss = process.memoryUsage().rss;
  expect(() => data.idx(dir)).toThrow(
    /^IDX file '.*train-images-idx3-ubyte.gz' is a corrupt or truncated gzip file \(its header announces 47040016 bytes but the gzip trailer says 268435472\)$/,
  );
  expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
});

test('a gzip bomb whose IDX header sits past the first 4 KiB (behind a long FEXTRA field) is refused from its sizes all the same', () => {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  header.writeUInt32BE(60000, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const contents = Buffer.concat([header, Buffer.alloc(64 << 20)]);
  const body = zlib.deflateRawSync(contents, { level: 9 });
  const extra = Buffer.alloc(8192, 0x41);
  const gzipHeader = Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 0xff, extra.length & 0xff, extra.length >> 8]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(contents), 0);
  trailer.writeUInt32LE(contents.length, 4);
  const file = Buffer.concat([gzipHeader, extra, body, trailer]);
  expect(zlib.gunzipSync(file).length).toBe(contents.length); // a sound gzip file
  const dir = folder({
    'train-images-idx3-ubyte.gz': file,
    'train-labels-idx1-ubyte': idxLabels([1]),
    't10k-images-idx3-ubyte': idxImages(testImages),
    't10k-labels-idx1-ubyte': idxLabels(testLabels),
  });
  expect(() => data.idx(dir)).toThrow(
    /^IDX file '.*train-images-idx3-ubyte.gz' is a corrupt or truncated gzip file \(its header announces 47040016 bytes but the gzip trailer says 67108880\)$/,
  );
});
