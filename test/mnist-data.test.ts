import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { cpuCache, data, memory, tidy, TorchError } from '../lib';
import { collectGarbage, MNIST_DIR } from './helpers/common';

// Real MNIST from MNIST_DIR (CI: ../shared/data/mnist).

describe('data.mnist on the real files', () => {
  let small: data.MnistData;
  beforeAll(async () => {
    small = await data.mnist({ dir: MNIST_DIR, size: 'small' });
  });

  test('sizes, layout and dtypes follow Torch7 (1×32×32 float, 6000/1000 for small)', () => {
    expect(small.train.inputs.shape).toEqual([6000, 1, 32, 32]);
    expect(small.test.inputs.shape).toEqual([1000, 1, 32, 32]);
    expect(small.train.inputs.dtype).toBe('float32');
    expect(small.train.targets.dtype).toBe('int64');
    expect(small.train.targets.shape).toEqual([6000]);
  });

  test('normalisation uses the mean and unbiased std of all 60000 padded training images (0..255 scale)', () => {
    // 28×28 statistics 0.13066 / 0.30811 on [0,1] → padded to 32×32 and 0..255: ≈ 25.51 / 70.18
    expect(small.mean).toBeCloseTo(25.5094, 3);
    expect(small.std).toBeCloseTo(70.1804, 3);
    // the 2-pixel zero border becomes −mean/std everywhere
    const border = tidy(() => small.train.inputs.index(0, 0, 0).toArray() as number[]); // tidy: the full-size test counts live bytes
    border.forEach((v) => expect(v).toBeCloseTo(-small.mean / small.std, 5));
    // the first training image is a 5 (label 5 = digit 5; Torch7 stored 6)
    expect(tidy(() => small.train.targets.index([0, 10]).toArray())).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(tidy(() => small.test.targets.index([0, 5]).toArray())).toEqual([7, 2, 1, 0, 4]);
  });

  test('pixels are normalised in float32 as Torch7 did (add(-mean), div(std) on a FloatTensor: two roundings)', () => {
    // the raw bytes, read here with zlib (not nodetorch's reader), padded by 2 as Torch7's 32×32 set
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(MNIST_DIR, 'train-images-idx3-ubyte.gz'))).subarray(16);
    const pixel = (n: number, r: number, c: number) => (r < 2 || r >= 30 || c < 2 || c >= 30 ? 0 : raw[n * 784 + (r - 2) * 28 + (c - 2)]);
    const [mean32, std32] = [Math.fround(small.mean), Math.fround(small.std)];
    const values = small.train.inputs.data() as Float32Array;
    let rounded = 0;
    for (let k = 0; k < 4096; k++) {
      const i = (k * 7919 * 31) % values.length; // spread over the set, both digits and border
      const [n, r, c] = [Math.floor(i / 1024), Math.floor((i % 1024) / 32), i % 32];
      const p = pixel(n, r, c);
      expect(values[i]).toBe(Math.fround(Math.fround(p - mean32) / std32));
      if (values[i] !== Math.fround((p - small.mean) / small.std)) rounded++;
    }
    // the float32 arithmetic differs from one rounding of the exact value on most pixels
    expect(rounded).toBeGreaterThan(1000);
  });

  test('full size has 60000/10000 samples and the published label histograms', async () => {
    await collectGarbage(); // earlier tests' dropped tensors are freed now, not during the load
    const [liveBefore, cachedBefore] = [memory().bytes, cpuCache().cachedBytes];
    const full = await data.mnist({ dir: MNIST_DIR });
    expect(full.train.inputs.shape).toEqual([60000, 1, 32, 32]);
    // only the outputs stay alive (float32 images, int64 labels), and the loading's chunks leave few
    // blocks in the CPU cache (whole-set temporaries left 207 MB there, of sizes training never uses)
    // Another test file's dropped handles can still be freed during the load's awaits (their
    // finalizers run when the event loop turns; CI saw one small set, 28.7 MB, go): the live bytes
    // grow by the outputs at most, and by less only by such a free, never by a leaked temporary
    const outputs = 70000 * 32 * 32 * 4 + 70000 * 8;
    const grown = memory().bytes - liveBefore;
    expect(grown).toBeLessThanOrEqual(outputs);
    expect(grown).toBeGreaterThan(outputs - 32 * 2 ** 20);
    expect(cpuCache().cachedBytes - cachedBefore).toBeLessThan(32 * 2 ** 20);
    const histogram = (t: typeof full.train.targets) => {
      const h = new Array(10).fill(0);
      (t.toArray() as number[]).forEach((l) => h[l]++);
      return h;
    };
    expect(histogram(full.test.targets)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(histogram(full.train.targets)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // normalised train set: mean 0, std 1
    expect(full.train.inputs.mean().item()).toBeCloseTo(0, 4);
    expect(full.train.inputs.std().item()).toBeCloseTo(1, 3);
    full.train.inputs.dispose();
    full.test.inputs.dispose();
  });

  test('MNIST_DIR is used when no dir is given', async () => {
    const old = process.env.MNIST_DIR;
    process.env.MNIST_DIR = MNIST_DIR;
    try {
      expect(await data.locateMnist({ download: false })).toBe(MNIST_DIR);
    } finally {
      if (old === undefined) delete process.env.MNIST_DIR;
      else process.env.MNIST_DIR = old;
    }
  });
});

describe('corrupt or missing MNIST files are clear errors naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-mnist-'));
  const images = path.join(dir, 'img.gz');
  const header = (magic: number, ...dims: number[]) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };

  test('truncated gzip', () => {
    const gz = fs.readFileSync(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
    fs.writeFileSync(images, gz.subarray(0, gz.length - 100));
    expect(() => data.readIdxLabels(images)).toThrow(new RegExp(`IDX file '${images}' is a corrupt or truncated gzip file`));
  });

  test('wrong magic, wrong size, truncated pixels, bad labels', () => {
    fs.writeFileSync(images, zlib.gzipSync(header(0x801, 2, 28, 28)));
    expect(() => data.readIdxImages(images)).toThrow(/has magic 0x00000801; expected 0x00000803 \(IDX images\)/);
    fs.writeFileSync(images, zlib.gzipSync(header(0x803, 2, 20, 20)));
    expect(() => data.readIdxImages(images)).toThrow(/has 20×20 images; expected 28×28/);
    fs.writeFileSync(images, zlib.gzipSync(Buffer.concat([header(0x803, 2, 28, 28), Buffer.alloc(784)])));
    expect(() => data.readIdxImages(images)).toThrow(/has 800 bytes; expected 1584 for 2 images of 28×28 \(truncated or corrupt\)/);
    expect(() => data.readIdxImages(images, 60000)).toThrow(/holds 2 images; expected 60000/);
    fs.writeFileSync(images, Buffer.concat([header(0x801, 2), Buffer.from([3, 12])]));
    expect(() => data.readIdxLabels(images)).toThrow(/has label 12 at index 1; expected 0..9/);
    fs.writeFileSync(images, Buffer.alloc(3));
    expect(() => data.readIdxLabels(images)).toThrow(/too short for an IDX label header/);
    expect(() => data.readIdxLabels(path.join(dir, 'missing.gz'))).toThrow(/Cannot read IDX file/);
  });

  test('a folder without the files, and bad options', async () => {
    await expect(data.mnist({ dir })).rejects.toThrow(/MNIST files not found in '.*'/);
    await expect(data.mnist({ dir: MNIST_DIR, size: 'tiny' as never })).rejects.toThrow(
      /Expected one of 'full', 'small' for data.mnist size but received 'tiny'/,
    );
    await expect(data.mnist({ dir: MNIST_DIR, sise: 'small' } as never)).rejects.toThrow(TorchError);
  });

  test('a corrupt file inside an MNIST folder stops loading with its name', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-mnist-bad-'));
    for (const f of fs.readdirSync(MNIST_DIR).filter((f) => f.endsWith('.gz'))) fs.copyFileSync(path.join(MNIST_DIR, f), path.join(bad, f));
    const labels = path.join(bad, 'train-labels-idx1-ubyte.gz');
    fs.writeFileSync(labels, zlib.gzipSync(zlib.gunzipSync(fs.readFileSync(labels)).subarray(0, 5000)));
    await expect(data.mnist({ dir: bad, size: 'small' })).rejects.toThrow(/train-labels-idx1-ubyte.gz' has 5000 bytes; expected 60008/);
  });
});

describe('download for users with internet access', () => {
  test('files are fetched, checked against their SHA-256 and renamed into the cache', async () => {
    const http = await import('http');
    const server = http.createServer((req, res) => {
      const name = path.basename(req.url || '');
      const file = path.join(MNIST_DIR, name);
      if (name === 't10k-labels-idx1-ubyte.gz') {
        res.end(Buffer.from('tampered'));
      } else if (fs.existsSync(file)) {
        res.end(fs.readFileSync(file));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cache-'));
    const env = { ...process.env };
    process.env.NODETORCH_MNIST_MIRROR = `http://127.0.0.1:${port}/`;
    process.env.NODETORCH_CACHE = cache;
    delete process.env.MNIST_DIR;
    try {
      // the tampered file fails its checksum on every mirror: a clear error, and no file in the cache
      await expect(data.locateMnist()).rejects.toThrow(/t10k-labels-idx1-ubyte.gz: checksum mismatch/);
      const got = fs.readdirSync(path.join(cache, 'mnist')).sort();
      expect(got).toEqual(['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
      expect(fs.readFileSync(path.join(cache, 'mnist', 'train-labels-idx1-ubyte.gz'))).toEqual(
        fs.readFileSync(path.join(MNIST_DIR, 'train-labels-idx1-ubyte.gz')),
      );
    } finally {
      process.env = env;
      server.close();
    }
  });
});
