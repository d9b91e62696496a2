/**
 * nn: Torch7's modules and criteria, with Torch7's names and argument order.
 */
import { Linear } from './Linear';
import { Sequential } from './Sequential';
import { SpatialConvolution, SpatialConvolutionMM } from './SpatialConvolution';
import { SpatialMaxPooling } from './SpatialMaxPooling';
import { SpatialSubtractiveNormalization } from './SpatialSubtractiveNormalization';
import { Reshape, View } from './View';
import { Dropout, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh } from './activations';
import { SpatialAveragePooling, SpatialLPPooling, SpatialZeroPadding } from './pooling';
import { registerModule } from './serialize';

export { Module } from './Module';
export type { ModuleSpec } from './Module';
export { Sequential, Linear, SpatialConvolution, SpatialConvolutionMM, SpatialMaxPooling, SpatialAveragePooling, SpatialLPPooling };
export { SpatialSubtractiveNormalization, SpatialZeroPadding, View, Reshape, Tanh, ReLU, Sigmoid, SoftMax, LogSoftMax, Dropout };
export { gaussian1D } from './SpatialSubtractiveNormalization';
export { Criterion, ClassNLLCriterion, MSECriterion, MultiMarginCriterion } from './criteria';
export type { MultiMarginOptions } from './criteria';
export { save, load } from './serialize';
export { gradcheck } from './gradcheck';
export type { GradcheckResult, GradcheckOptions } from './gradcheck';

registerModule('Sequential', () => new Sequential());
registerModule('Linear', (a) => new Linear(a[0], a[1]));
registerModule('SpatialConvolution', (a) => new SpatialConvolution(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
registerModule('SpatialConvolutionMM', (a) => new SpatialConvolutionMM(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
registerModule('SpatialMaxPooling', (a) => new SpatialMaxPooling(a[0], a[1], a[2], a[3]));
registerModule('SpatialAveragePooling', (a) => new SpatialAveragePooling(a[0], a[1], a[2], a[3]));
registerModule('SpatialLPPooling', (a) => new SpatialLPPooling(a[0], a[1], a[2], a[3], a[4], a[5]));
registerModule('SpatialZeroPadding', (a) => new SpatialZeroPadding(a[0], a[1], a[2], a[3]));
registerModule('SpatialSubtractiveNormalization', ([nIn, rows, ...flat]) => {
  const cols = flat.length / rows;
  const kernel = rows === 1 ? flat : Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  return new SpatialSubtractiveNormalization(nIn, kernel);
});
registerModule('View', (a) => new View(...a));
registerModule('Reshape', (a) => new Reshape(...a));
registerModule('Tanh', () => new Tanh());
registerModule('ReLU', () => new ReLU());
registerModule('Sigmoid', () => new Sigmoid());
registerModule('SoftMax', (a) => new SoftMax({ beta: a[0] }));
registerModule('LogSoftMax', () => new LogSoftMax());
registerModule('Dropout', (a) => new Dropout(a[0]));
