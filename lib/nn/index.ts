/**
 * nn: Torch7's modules and criteria, with Torch7's names and argument order.
 */
import { Linear } from './Linear';
import { Sequential } from './Sequential';
import { SpatialConvolution, SpatialConvolutionMM } from './SpatialConvolution';
import { SpatialMaxPooling } from './SpatialMaxPooling';
import { Reshape, View } from './View';
import { LogSoftMax, ReLU, Sigmoid, Tanh } from './activations';
import { registerModule } from './serialize';

export { Module } from './Module';
export type { ModuleSpec } from './Module';
export { Sequential, Linear, SpatialConvolution, SpatialConvolutionMM, SpatialMaxPooling, View, Reshape, Tanh, ReLU, Sigmoid, LogSoftMax };
export { ClassNLLCriterion } from './ClassNLLCriterion';
export type { Criterion } from './ClassNLLCriterion';
export { save, load } from './serialize';

registerModule('Sequential', () => new Sequential());
registerModule('Linear', (a) => new Linear(a[0], a[1]));
registerModule('SpatialConvolution', (a) => new SpatialConvolution(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
registerModule('SpatialConvolutionMM', (a) => new SpatialConvolutionMM(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]));
registerModule('SpatialMaxPooling', (a) => new SpatialMaxPooling(a[0], a[1], a[2], a[3]));
registerModule('View', (a) => new View(...a));
registerModule('Reshape', (a) => new Reshape(...a));
registerModule('Tanh', () => new Tanh());
registerModule('ReLU', () => new ReLU());
registerModule('Sigmoid', () => new Sigmoid());
registerModule('LogSoftMax', () => new LogSoftMax());
