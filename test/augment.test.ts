import { augment, cat, manualSeed, nn, rand, randn, tensor, Tensor, Trainer, zeros } from '../lib';

const nested = (t: Tensor) => t.toArray() as number[][][];

// Torch7's image.rotate 'simple' mode, ported from generic/image.c with its C float arithmetic:
// Math.fround after every float operation, sin/cos of the float angle in double stored as float,
// round() on the coordinate as a double, and the copied value stored as a float.
function rotateReference(img: number[][], theta: number, float32 = true): number[][] {
  const f = float32 ? Math.fround : (v: number) => v;
  const h = img.length,
    w = img[0].length;
  const xc = f((w - 1) / 2),
    yc = f((h - 1) / 2);
  const t = Math.fround(theta);
  const c = f(Math.cos(t)),
    s = f(Math.sin(t));
  const round = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
  return img.map((row, j) =>
    row.map((_, i) => {
      const ii = round(f(f(f(c * f(i - xc)) - f(s * f(j - yc))) + xc));
      const jj = round(f(f(f(c * f(j - yc)) + f(s * f(i - xc))) + yc));
      return ii >= 0 && ii < w && jj >= 0 && jj < h ? f(img[jj][ii]) : 0;
    }),
  );
}

describe('augment.rotate', () => {
  test("'nearest' equals Torch7's formula on a real-sized image at several angles", () => {
    manualSeed(4);
    const img = rand([1, 32, 32], { dtype: 'float64' });
    const plain = nested(img)[0];
    for (const theta of [0, 0.2, -0.349, 0.7, Math.PI / 2, -2.5, 3.1]) {
      expect(nested(augment.rotateImages(img, theta))[0]).toEqual(rotateReference(plain, theta));
    }
  });

  test("coordinates are computed in float32 as Torch7's C does: at σ = 0.2 some angles move a pixel otherwise", () => {
    manualSeed(5);
    const img = rand([1, 32, 32], { dtype: 'float64' });
    const plain = nested(img)[0];
    const check = (angles: number[]) => {
      const rotated = augment.rotateImages(zeros([angles.length, 1, 32, 32], { dtype: 'float64' }).add(img), angles).data() as Float64Array;
      return angles.map((theta, k) => {
        const got = Array.from(rotated.subarray(k * 1024, (k + 1) * 1024));
        expect(got).toEqual(rotateReference(plain, theta).flat());
        return rotateReference(plain, theta, false)
          .flat()
          .some((v, p) => Math.fround(v) !== got[p]);
      });
    };
    check(randn([300], { dtype: 'float64' }).mul(0.2).toArray() as number[]);
    // Three of 5000 N(0, 0.2²) angles for which the double-precision formula picks another pixel
    // for this image (found with the two references above).
    expect(check([-0.10098473956348758, 0.18413387305195994, -0.31427759694100893])).toEqual([true, true, true]);
  });

  test('θ = 0 is the identity, θ = π flips both axes, a batch rotates each image by its own angle', () => {
    const img = tensor(
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
          [13, 14, 15, 16],
        ],
      ],
      { dtype: 'float64' },
    );
    expect(augment.rotateImages(img, 0).toArray()).toEqual(img.toArray());
    expect(augment.rotateImages(img, Math.PI).toArray()).toEqual([
      [
        [16, 15, 14, 13],
        [12, 11, 10, 9],
        [8, 7, 6, 5],
        [4, 3, 2, 1],
      ],
    ]);
    const batch = augment.rotateImages(cat([img.unsqueeze(0), img.unsqueeze(0)]), [0, Math.PI]);
    expect(batch.index(0).toArray()).toEqual(img.toArray());
    expect(batch.index(1, 0, 0).toArray()).toEqual([16, 15, 14, 13]);
  });

  test("'bilinear' interpolates: identity at 0, a quarter turn of a 3×3 image is exact, values stay within range", () => {
    const img = tensor(
      [
        [
          [1, 2, 3],
          [4, 5, 6],
          [7, 8, 9],
        ],
      ],
      { dtype: 'float64' },
    );
    (augment.rotateImages(img, 0, 'bilinear').toArray() as number[][][])[0].flat().forEach((v, i) => expect(v).toBeCloseTo(i + 1, 12));
    const quarter = (augment.rotateImages(img, Math.PI / 2, 'bilinear').toArray() as number[][][])[0].flat();
    const nearest = (augment.rotateImages(img, Math.PI / 2).toArray() as number[][][])[0].flat();
    quarter.forEach((v, i) => expect(v).toBeCloseTo(nearest[i], 5)); // θ is a float32, as in Torch7
    const tilted = (augment.rotateImages(img, 0.3, 'bilinear').toArray() as number[][][])[0].flat();
    tilted.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
    expect(tilted[4]).toBeCloseTo(5, 12); // the centre stays
  });

  test('random rotations are seeded: same seed, same angles', () => {
    const images = randn([8, 1, 32, 32]);
    const rot = augment.rotate({ std: 0.2 });
    manualSeed(11);
    const a = rot.apply(images).toArray();
    manualSeed(11);
    expect(rot.apply(images).toArray()).toEqual(a);
    manualSeed(12);
    expect(rot.apply(images).toArray()).not.toEqual(a);
  });

  test('bad arguments are clear errors', () => {
    expect(() => augment.rotate({ std: -1 })).toThrow(/Expected a finite number >= 0 for augment.rotate std but received -1/);
    expect(() => augment.rotate({ std: 0.2, mode: 'cubic' as never })).toThrow(
      /Expected one of 'nearest', 'bilinear' for augment.rotate mode/,
    );
    expect(() => augment.rotateImages(randn([2, 1, 4, 4]), [0.1, 0.2, 0.3])).toThrow(
      /rotate needs one angle per image: 3 angles for 2 images/,
    );
    expect(() => augment.rotateImages(randn([4, 4]), 0.1)).toThrow(
      /rotate expects an N×C×H×W batch, got shape \[1, 4, 4\]|got shape \[4, 4\]/,
    );
  });
});

describe('augment.noise', () => {
  test('adds N(0, σ²) per element', () => {
    manualSeed(2);
    const x = randn([20000]).mul(0).add(1).view(1, 1, 200, 100);
    const y = augment.noise({ std: 0.5 }).apply(x).sub(x);
    expect(y.mean().item()).toBeCloseTo(0, 1);
    expect(y.std().item()).toBeCloseTo(0.5, 1);
  });
});

describe('augmentation in the native training loop', () => {
  const inputs = randn([40, 1, 8, 8], { dtype: 'float64' });
  const targets = tensor(
    Array.from({ length: 40 }, (_, i) => i % 2),
    { dtype: 'int64' },
  );
  const make = () => new nn.Sequential().add(new nn.Reshape(64)).add(new nn.Linear(64, 2)).add(new nn.LogSoftMax());
  const train = async (augmentations: augment.Augmentation[]) => {
    manualSeed(5);
    const t = new Trainer({
      model: make(),
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 8,
      shuffle: false,
      classes: 2,
      augment: augmentations,
    });
    await t.trainEpoch({ inputs, targets });
    return { params: t.parameters.toArray() as number[], test: await t.test({ inputs, targets }) };
  };

  test('training minibatches are augmented (seeded, reproducible); test passes are not', async () => {
    const plain = await train([]);
    const rotated = await train([augment.rotate({ std: 0.5 })]);
    const again = await train([augment.rotate({ std: 0.5 })]);
    expect(rotated.params).not.toEqual(plain.params);
    expect(again.params).toEqual(rotated.params);
    // a test pass of the same model with and without augmentation configured gives the same result
    manualSeed(5);
    const model = make();
    const a = new Trainer({ model, criterion: new nn.ClassNLLCriterion(), classes: 2 });
    const b = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      classes: 2,
      augment: [augment.rotate({ std: 1 }), augment.noise({ std: 1 })],
    });
    expect((await b.test({ inputs, targets })).loss).toBe((await a.test({ inputs, targets })).loss);
  });

  test('the Trainer rejects anything that is not an augmentation', () => {
    expect(() => new Trainer({ model: make(), criterion: new nn.ClassNLLCriterion(), augment: [{ kind: 'flip' }] as never })).toThrow(
      /Expected an array of augmentations/,
    );
  });
});
