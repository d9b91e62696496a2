/**
 * The models of 2_model.lua and the output layer of 3_loss.lua.
 */
import * as nn from '../nn';

/**
 * linear: Reshape(1024) → Linear(1024, 10). mlp: Reshape(1024) → Linear(1024, 512) → Tanh →
 * Linear(512, 10). convnet: Torch7's max-pooling convnet (the '-type cuda' model of the study):
 * conv 5×5 1→64 → Tanh → maxpool 2 → conv 5×5 64→64 → Tanh → maxpool 2 → View(1600) →
 * Linear(1600, 128) → Tanh → Linear(128, 10). A LogSoftMax is appended for the nll loss.
 */
export function buildModel(kind: 'convnet' | 'linear' | 'mlp'): nn.Sequential {
  const model = new nn.Sequential();
  if (kind === 'linear') {
    model.add(new nn.Reshape(1024)).add(new nn.Linear(1024, 10));
  } else if (kind === 'mlp') {
    model.add(new nn.Reshape(1024)).add(new nn.Linear(1024, 512)).add(new nn.Tanh()).add(new nn.Linear(512, 10));
  } else {
    model
      .add(new nn.SpatialConvolutionMM(1, 64, 5, 5))
      .add(new nn.Tanh())
      .add(new nn.SpatialMaxPooling(2, 2, 2, 2))
      .add(new nn.SpatialConvolutionMM(64, 64, 5, 5))
      .add(new nn.Tanh())
      .add(new nn.SpatialMaxPooling(2, 2, 2, 2))
      .add(new nn.View(1600))
      .add(new nn.Linear(1600, 128))
      .add(new nn.Tanh())
      .add(new nn.Linear(128, 10));
  }
  model.add(new nn.LogSoftMax());
  return model;
}

/** Number of trainable parameters. */
export function countParameters(model: nn.Module): number {
  const [params, grads] = model.parameters();
  const n = params.reduce((s, p) => s + p.numel, 0);
  params.concat(grads).forEach((t) => t.dispose());
  return n;
}
