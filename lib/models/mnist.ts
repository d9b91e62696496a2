/**
 * The models of 2_model.lua and the output layer of 3_loss.lua.
 */
import { TorchError } from '../errors';
import * as nn from '../nn';
import { checkBoolean, checkKeys, checkOneOf } from '../validate';
import { resnet20 } from './resnet';

/** The model kinds of the study's -model option. */
export type MnistModelKind = 'convnet' | 'linear' | 'mlp' | 'resnet20';
/** The study's -loss option. */
export type MnistLoss = 'nll' | 'mse' | 'margin';

export interface MnistModelOptions {
  /**
   * 'lp' (default): Torch7's convnet for -type double|float, with L2 pooling and subtractive
   * normalisation; 'max': the max-pooling convnet Torch7 used for -type cuda.
   */
  pooling?: 'lp' | 'max';
  /** Output layer for the loss: LogSoftMax for 'nll' (default), Tanh for 'mse', none for 'margin'. */
  loss?: MnistLoss;
  /** The report's dropout experiment: Dropout(p) before the first Linear (0 = none). */
  dropout?: number;
  /** The report's extra convolution: one more 5×5 convolution (64→64, padding 2) + Tanh after the second stage. */
  extraConv?: boolean;
}

/**
 * linear: Reshape(-1, 1024) → Linear(1024, 10). mlp: Reshape(-1, 1024) → Linear(1024, 512) → Tanh →
 * Linear(512, 10). convnet ('lp'): conv 5×5 1→64 → Tanh → L2-pool 2 → SubtractiveNormalization
 * (gaussian1D(7)) → conv 5×5 64→64 → Tanh → L2-pool 2 → SubtractiveNormalization → Reshape(-1, 1600)
 * → Linear(1600, 128) → Tanh → Linear(128, 10): 310,346 parameters. convnet ('max'): max-pooling
 * instead of L2-pooling + normalisation. resnet20: He et al.'s CIFAR ResNet-20 (./resnet.ts, 270,122
 * parameters; `pooling` does not apply). Then the loss's output layer. The flattening keeps the
 * batch dimension (Torch7's View(-1, n)): a batch of one gives a 1×10 output, and a single C×H×W
 * sample one too.
 */
export function mnistModel(kind: MnistModelKind, options: MnistModelOptions = {}): nn.Sequential {
  checkOneOf(kind, ['convnet', 'linear', 'mlp', 'resnet20'], 'model kind');
  checkKeys(options, ['pooling', 'loss', 'dropout', 'extraConv'], 'mnistModel options');
  const pooling = checkOneOf(options.pooling ?? 'lp', ['lp', 'max'], 'pooling');
  const loss = checkOneOf(options.loss ?? 'nll', ['nll', 'mse', 'margin'], 'loss');
  const dropout = options.dropout ?? 0;
  const extraConv = checkBoolean(options.extraConv ?? false, 'extraConv');
  if (kind !== 'convnet' && extraConv) throw new TorchError('-extraConv needs -model convnet');
  if (kind === 'resnet20' && dropout > 0)
    throw new TorchError('-dropout is for -model linear | mlp | convnet; resnet20 has batch normalisation instead');
  const model = kind === 'resnet20' ? resnet20({ logSoftMax: false }) : new nn.Sequential();
  const addDropout = () => dropout > 0 && model.add(new nn.Dropout(dropout));
  if (kind === 'linear') {
    model.add(new nn.Reshape(-1, 1024));
    addDropout();
    model.add(new nn.Linear(1024, 10));
  } else if (kind === 'mlp') {
    model.add(new nn.Reshape(-1, 1024));
    addDropout();
    model.add(new nn.Linear(1024, 512)).add(new nn.Tanh()).add(new nn.Linear(512, 10));
  } else if (kind === 'convnet') {
    const normkernel = nn.gaussian1D(7);
    const stage = (nIn: number) => {
      model.add(new nn.SpatialConvolutionMM(nIn, 64, 5, 5)).add(new nn.Tanh());
      if (pooling === 'max') model.add(new nn.SpatialMaxPooling(2, 2, 2, 2));
      else model.add(new nn.SpatialLPPooling(64, 2, 2, 2, 2, 2)).add(new nn.SpatialSubtractiveNormalization(64, normkernel));
    };
    stage(1);
    stage(64);
    if (extraConv) model.add(new nn.SpatialConvolutionMM(64, 64, 5, 5, 1, 1, 2, 2)).add(new nn.Tanh());
    model.add(pooling === 'max' ? new nn.View(-1, 1600) : new nn.Reshape(-1, 1600));
    addDropout();
    model.add(new nn.Linear(1600, 128)).add(new nn.Tanh()).add(new nn.Linear(128, 10));
  }
  if (loss === 'nll') model.add(new nn.LogSoftMax());
  if (loss === 'mse') model.add(new nn.Tanh());
  return model;
}

/** 3_loss.lua's criterion: ClassNLLCriterion, MSECriterion with sizeAverage = false (±1 targets), or MultiMarginCriterion. */
export function mnistCriterion(loss: MnistLoss): nn.Criterion {
  if (loss === 'mse') return new nn.MSECriterion(false);
  if (loss === 'margin') return new nn.MultiMarginCriterion();
  return new nn.ClassNLLCriterion();
}

/** Number of trainable parameters. */
/** The model's parameter count (model.numParameters()). */
export function countParameters(model: nn.Module): number {
  return model.numParameters();
}
