/**
 * He et al.'s CIFAR ResNet-20 ("Deep Residual Learning for Image Recognition", section 4.2), as
 * fb.resnet.torch's models/resnet.lua built it for CIFAR-10 (depth 20, shortcutType 'A'), from
 * Torch7's modules: a 3×3 convolution to 16 planes, three stages of three basic blocks (16, 32 and
 * 64 planes, the second and third stage starting with stride 2), global average pooling and a linear
 * layer. Each block is conv 3×3 → batch norm → ReLU → conv 3×3 → batch norm, added to its shortcut,
 * then ReLU. The shortcut is the identity; where a stage halves the size and doubles the planes, it
 * is option A: a stride-2 subsampling (SpatialAveragePooling(1, 1, 2, 2)) with zero planes
 * concatenated (Concat of Identity and MulConstant(0)), which adds no parameters. Weights start as
 * fb.resnet.torch initialised them (see conv3x3).
 * For 32×32 inputs (the study's padded MNIST, CIFAR): 270,122 parameters with 10 classes.
 */
import * as nn from '../nn';
import { checkBoolean, checkInteger, checkKeys } from '../validate';

export interface Resnet20Options {
  /** Input planes: 1 for MNIST (default), 3 for CIFAR. */
  inputPlanes?: number;
  /** Output classes (default 10). */
  classes?: number;
  /** End in LogSoftMax, for ClassNLLCriterion (default true). */
  logSoftMax?: boolean;
}

/**
 * fb.resnet.torch's initialisation (models/resnet.lua, ConvInit and BNInit), not Torch7's defaults:
 * convolution weights ~ N(0, 2/(kW·kH·nOutputPlane)) (He et al.'s "MSR" init) with zero bias, batch
 * normalisation weight 1 and bias 0 (Torch7 draws its weight from U(0, 1)), linear bias 0.
 */
function conv3x3(nIn: number, nOut: number, stride: number): nn.SpatialConvolution {
  const conv = new nn.SpatialConvolution(nIn, nOut, 3, 3, stride, stride, 1, 1);
  conv.weight!.normal_(0, Math.sqrt(2 / (3 * 3 * nOut)));
  conv.bias!.zero_();
  return conv;
}

function batchNorm(n: number): nn.SpatialBatchNormalization {
  const bn = new nn.SpatialBatchNormalization(n);
  bn.weight!.fill_(1);
  bn.bias!.zero_();
  return bn;
}

/** fb.resnet.torch's shortcut type A: identity, or subsample and pad with zero planes. */
function shortcut(nIn: number, nOut: number, stride: number): nn.Module {
  if (nIn === nOut && stride === 1) return new nn.Identity();
  return new nn.Sequential(new nn.SpatialAveragePooling(1, 1, stride, stride), new nn.Concat(2, new nn.Identity(), new nn.MulConstant(0)));
}

/** conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the shortcut, then ReLU (fb.resnet.torch's basicblock). */
function basicBlock(nIn: number, n: number, stride: number): nn.Module {
  const body = new nn.Sequential(conv3x3(nIn, n, stride), batchNorm(n), new nn.ReLU(), conv3x3(n, n, 1), batchNorm(n));
  return new nn.Sequential(new nn.ConcatTable(body, shortcut(nIn, n, stride)), new nn.CAddTable(), new nn.ReLU());
}

/** ResNet-20 for 32×32 inputs, ending in LogSoftMax (for ClassNLLCriterion) unless `logSoftMax: false`. */
export function resnet20(options: Resnet20Options = {}): nn.Sequential {
  checkKeys(options, ['inputPlanes', 'classes', 'logSoftMax'], 'resnet20 options');
  const inputPlanes = checkInteger(options.inputPlanes ?? 1, 'resnet20 inputPlanes', 1);
  const classes = checkInteger(options.classes ?? 10, 'resnet20 classes', 2);
  const model = new nn.Sequential(conv3x3(inputPlanes, 16, 1), batchNorm(16), new nn.ReLU());
  let planes = 16;
  for (const [n, stride] of [
    [16, 1],
    [32, 2],
    [64, 2],
  ]) {
    for (let i = 0; i < 3; i++) {
      model.add(basicBlock(planes, n, i === 0 ? stride : 1));
      planes = n;
    }
  }
  model
    .add(new nn.SpatialAveragePooling(8, 8, 1, 1))
    .add(new nn.View(-1, 64))
    .add(new nn.Linear(64, classes));
  if (checkBoolean(options.logSoftMax ?? true, 'resnet20 logSoftMax')) model.add(new nn.LogSoftMax());
  return model;
}
