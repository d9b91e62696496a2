// Channels-last (NHWC) models: model.to({ memoryFormat: 'channelsLast' }) lays convolution weights
// out as PyTorch's channels_last, getParameters() keeps that layout in the flat vector, and the
// Trainer converts each 4-D batch once. The numbers are the contiguous model's.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, TorchError, Trainer, manualSeed, models, nn, randn, tensor } from '../lib';
import { cpuHasNativeBf16 } from '../lib/util/cpuinfo';
import { arr } from './helpers/common';

const data = () => {
  manualSeed(4);
  return {
    inputs: randn([48, 1, 32, 32]),
    targets: tensor(
      Array.from({ length: 48 }, (_, i) => i % 10),
      { dtype: 'int64' },
    ),
  };
};

async function trained(memoryFormat: 'contiguous' | 'channelsLast', precision: 'fp32' | 'bf16' = 'fp32') {
  manualSeed(3);
  const model = models.mnistModel('convnet', { pooling: 'max' }).float().to({ memoryFormat });
  const trainer = new Trainer({
    model,
    criterion: new nn.ClassNLLCriterion(),
    batchSize: 16,
    precision,
    memoryFormat,
    optimizer: { method: 'sgd', config: { learningRate: 0.05, momentum: 0.9 } },
  });
  const { inputs, targets } = data();
  const result = await trainer.trainEpoch({ inputs, targets });
  const params = model.parameters()[0].map(arr);
  return { model, trainer, result, params, output: arr(model.evaluate().forward(inputs.slice(0, 0, 4))) };
}

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("model.to({ memoryFormat: 'channelsLast' })", () => {
  test('trains as the contiguous model does (float32, within rounding)', async () => {
    const plain = await trained('contiguous');
    const nhwc = await trained('channelsLast');
    expect(nhwc.model.memoryFormat).toBe('channelsLast');
    expect(plain.model.memoryFormat).toBe('contiguous');
    expect(Math.abs(nhwc.result.loss - plain.result.loss)).toBeLessThan(1e-5);
    nhwc.params.forEach((p, k) => expect(maxDiff(p, plain.params[k])).toBeLessThan(1e-5));
    expect(maxDiff(nhwc.output, plain.output)).toBeLessThan(1e-4);
  });

  test("getParameters() keeps the layout: the flat vector holds the first convolution's weight in N×H×W×C order", async () => {
    const { model, trainer } = await trained('channelsLast');
    const weight = model.parameters()[0][0];
    expect(weight.shape).toEqual([64, 1, 5, 5]);
    // channels-last strides even for one input plane, where both layouts hold the same memory and
    // only the strides make LibTorch run its NHWC convolutions
    expect(weight.stride()).toEqual([25, 1, 5, 1]);
    expect(model.parameters()[0][2].stride()).toEqual([1600, 1, 320, 64]);
    expect(models.mnistModel('convnet', { pooling: 'max' }).parameters()[0][0].stride()).toEqual([25, 25, 5, 1]);
    const n = weight.numel;
    const flatHead = arr(trainer.parameters.slice(0, 0, n));
    expect(flatHead).toEqual(arr(weight.permute(0, 2, 3, 1).contiguous()));
    // a second conv with several input planes makes NCHW and NHWC orders differ
    const second = model.parameters()[0][2];
    expect(second.shape[1]).toBeGreaterThan(1);
    const offset = n + model.parameters()[0][1].numel;
    expect(arr(trainer.parameters.slice(0, offset, offset + second.numel))).toEqual(arr(second.permute(0, 2, 3, 1).contiguous()));
    expect(arr(trainer.parameters.slice(0, offset, offset + second.numel))).not.toEqual(arr(second));
  });

  test('bf16 autocast on a channels-last model trains as on a contiguous one (bf16 rounding)', async () => {
    const plain = await trained('contiguous', 'bf16');
    const nhwc = await trained('channelsLast', 'bf16');
    expect(Math.abs(nhwc.result.loss - plain.result.loss)).toBeLessThan(0.05);
    expect(nhwc.result.loss).toBeLessThan(Math.log(10) + 0.2);
  });

  test('nn.save / nn.load and state dicts hold the values, not the layout', async () => {
    const { model } = await trained('channelsLast');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nodetorch-cl-')), 'cl.net');
    nn.save(file, model);
    const back = nn.load(file).evaluate();
    // the file holds values; the layout is chosen after loading, as the device is
    expect(back.memoryFormat).toBe('contiguous');
    const x = data().inputs.slice(0, 0, 3);
    expect(maxDiff(arr(back.forward(x)), arr(model.forward(x)))).toBeLessThan(1e-5);
    expect(back.parameters()[0].map(arr)).toEqual(model.parameters()[0].map(arr));
    const weight = nn.stateDict(model).get('0.weight') as Tensor;
    expect(arr(weight)).toEqual(arr(model.parameters()[0][0]));
  });

  test('a child added to a channels-last container follows it; back to contiguous', () => {
    const seq = new nn.Sequential()
      .add(new nn.SpatialConvolution(2, 4, 3, 3))
      .float()
      .to({ memoryFormat: 'channelsLast' });
    const conv = new nn.SpatialConvolution(4, 4, 3, 3).float();
    seq.add(conv);
    expect(conv.memoryFormat).toBe('channelsLast');
    const x = randn([2, 2, 8, 8]);
    const before = arr(seq.forward(x));
    seq.to({ memoryFormat: 'contiguous' });
    expect(conv.memoryFormat).toBe('contiguous');
    expect(maxDiff(arr(seq.forward(x)), before)).toBeLessThan(1e-5);
  });

  test("the Trainer's memoryFormat 'auto' picks channels-last for a float32 CPU convnet, in fp32 or bf16 on a CPU with native bf16", () => {
    const make = (
      precision: 'fp32' | 'bf16',
      memoryFormat?: 'auto' | 'contiguous' | 'channelsLast',
      model = models.mnistModel('convnet').float(),
    ) => new Trainer({ model, criterion: new nn.ClassNLLCriterion(), precision, ...(memoryFormat ? { memoryFormat } : {}) });
    const bf16 = make('bf16');
    const native = cpuHasNativeBf16();
    expect(bf16.model.memoryFormat).toBe(native ? 'channelsLast' : 'contiguous');
    expect(bf16.inferred.some((line) => line.startsWith("memory format 'channelsLast'"))).toBe(native);
    const fp32 = make('fp32');
    expect(fp32.model.memoryFormat).toBe('channelsLast');
    expect(fp32.inferred).toContain("memory format 'channelsLast' (a float32 convnet on the CPU)");
    expect(make('fp32', 'auto', models.mnistModel('convnet').double()).model.memoryFormat).toBe('contiguous'); // no float64 oneDNN
    expect(make('fp32', 'contiguous').model.memoryFormat).toBe('contiguous');
    expect(make('bf16', 'contiguous').model.memoryFormat).toBe('contiguous');
    expect(make('fp32', 'channelsLast').model.memoryFormat).toBe('channelsLast');
    expect(make('bf16', 'auto', models.mnistModel('mlp').float()).model.memoryFormat).toBe('contiguous'); // no convolution
    expect(make('fp32', 'auto', models.mnistModel('mlp').float()).model.memoryFormat).toBe('contiguous');
    expect(() => make('fp32', 'nhwc' as never)).toThrow(/Trainer memoryFormat/);
  });

  test('bad options are TorchErrors naming what is accepted', () => {
    const conv = new nn.SpatialConvolution(1, 2, 3, 3);
    expect(() => conv.to({ memoryFormat: 'nhwc' as never })).toThrow(TorchError);
    expect(() => conv.to({ memoryFormat: 'nhwc' as never })).toThrow(/to\(options\) memoryFormat/);
    expect(() => conv.to({ layout: 'x' } as never)).toThrow(
      /Unknown option 'layout' for to\(options\); expected one of dtype, device, memoryFormat/,
    );
    expect(() => conv.to({ dtype: 'int64' } as never)).toThrow(/Expected a floating dtype for to\(options\) dtype/);
    expect(conv.memoryFormat).toBe('contiguous');
  });
});
