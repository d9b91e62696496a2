// models.resnet20: He et al.'s CIFAR ResNet-20 from Torch7's modules (fb.resnet.torch, shortcut A),
// its parameter count, its subsampling shortcut, and learning MNIST through the public Trainer.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { data, manualSeed, models, nn, randn, tidy, Trainer } from '../lib';
import { arr, MNIST_DIR } from './helpers/common';

describe('ResNet-20', () => {
  test('starts as fb.resnet.torch initialised it: MSR convolutions, batch norm weight 1 and bias 0', () => {
    const model = models.resnet20();
    const conv = model.get(1) as nn.SpatialConvolution;
    const bn = model.get(2) as nn.SpatialBatchNormalization;
    expect(Math.abs(conv.weight!.std().item() - Math.sqrt(2 / (9 * 16)))).toBeLessThan(0.03);
    expect(arr(conv.bias!).every((v) => v === 0)).toBe(true);
    expect(arr(bn.weight!).every((v) => v === 1)).toBe(true);
    expect(arr(bn.bias!).every((v) => v === 0)).toBe(true);
  });

  test("has He et al.'s 0.27M parameters: 270,122 counted layer by layer", () => {
    const conv = (i: number, o: number) => i * o * 9 + o; // 3×3, with bias
    const bn = (c: number) => 2 * c;
    const block = (i: number, o: number) => conv(i, o) + bn(o) + conv(o, o) + bn(o);
    const stage = (i: number, o: number) => block(i, o) + 2 * block(o, o);
    const expected = conv(1, 16) + bn(16) + stage(16, 16) + stage(16, 32) + stage(32, 64) + 64 * 10 + 10;
    expect(expected).toBe(270122);
    expect(models.resnet20().numParameters()).toBe(expected);
    expect(models.resnet20({ inputPlanes: 3, classes: 100 }).numParameters()).toBe(expected + 2 * 16 * 9 + 90 * 65);
    expect(models.mnistModel('resnet20').numParameters()).toBe(expected);
  });

  test('a stage that halves the size subsamples its input and pads it with zero planes (shortcut A)', () => {
    const model = models.resnet20().float();
    model.evaluate();
    // the fourth module is stage 2's first block: Sequential(ConcatTable(body, shortcut), CAddTable, ReLU)
    const block = model.get(7) as nn.Sequential;
    const shortcut = (block.get(1) as nn.ConcatTable).get(2);
    tidy(() => {
      const x = randn([2, 16, 32, 32]).float();
      const y = shortcut.forward(x) as ReturnType<typeof randn>;
      expect(y.shape).toEqual([2, 32, 16, 16]);
      const expected = x.slice(2, 0, 32, 2).slice(3, 0, 32, 2);
      expect(arr(y.slice(1, 0, 16))).toEqual(arr(expected));
      expect(arr(y.slice(1, 16, 32)).every((v) => v === 0)).toBe(true);
      expect((model.forward(x.slice(1, 0, 1)) as ReturnType<typeof randn>).shape).toEqual([2, 10]);
    });
  });

  test('nn.save / nn.load round-trip it with identical outputs (its ONNX export: test/onnx-export.test.ts)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-resnet-'));
    const model = models.resnet20().float();
    model.evaluate();
    tidy(() => {
      const x = randn([2, 1, 32, 32]).float();
      nn.save(path.join(dir, 'resnet20.net'), model);
      const loaded = nn.load(path.join(dir, 'resnet20.net')) as nn.Sequential;
      loaded.evaluate();
      expect(arr(loaded.forward(x) as ReturnType<typeof randn>)).toEqual(arr(model.forward(x) as ReturnType<typeof randn>));
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('bad options are TorchErrors naming them', () => {
    expect(() => models.resnet20({ classes: 1 })).toThrow(/resnet20 classes/);
    expect(() => models.resnet20({ depth: 32 } as never)).toThrow(/depth/);
    expect(() => models.mnistModel('resnet20', { dropout: 0.5 })).toThrow(/-dropout is for -model linear \| mlp \| convnet/);
  });

  test('learns MNIST (small set, two epochs, one-cycle) through the Trainer', async () => {
    manualSeed(20);
    const { train, test } = await data.mnist({ size: 'small', dir: MNIST_DIR });
    const model = models.resnet20().float();
    const trainer = new Trainer({
      model,
      criterion: new nn.ClassNLLCriterion(),
      batchSize: 32,
      optimizer: { method: 'sgd', config: { learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4 } },
      schedule: { kind: 'onecycle', total: 2 * Math.ceil(6000 / 32), per: 'step' },
    });
    const epochs = await trainer.fit({ train, test, epochs: 2 });
    const epoch = epochs[1];
    console.log(
      `resnet: ResNet-20, MNIST small (6000 images), 2 epochs: test accuracy ${epochs.map((e) => (100 * e.test!.accuracy).toFixed(2)).join('%, ')}%`,
    );
    expect(epoch.test!.accuracy).toBeGreaterThan(0.9);
  });
});
