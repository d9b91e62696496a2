/**
 * nn: Torch7's modules and criteria, with Torch7's names and argument order.
 */
import { Linear } from './Linear';
import { Sequential } from './Sequential';
import { SpatialConvolution, SpatialConvolutionMM } from './SpatialConvolution';
import { SpatialSubtractiveNormalization } from './SpatialSubtractiveNormalization';
import { Reshape, View } from './View';
import { Dropout, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh } from './activations';
import { SpatialAveragePooling, SpatialLPPooling, SpatialMaxPooling, SpatialZeroPadding } from './pooling';
import { registerNativeModules } from './serialize';
import { GRU, LSTM } from './recurrent';
import {
  TemporalConvolution,
  SpatialFullConvolution,
  SpatialDilatedConvolution,
  LookupTable,
  SpatialUpSamplingNearest,
  SpatialUpSamplingBilinear,
  SpatialAdaptiveMaxPooling,
  SpatialAdaptiveAveragePooling,
  SpatialDropout,
  Mean,
  Sum,
  Max,
  Normalize,
  Transpose,
  LayerNorm,
} from './layers';
import { gModule, Input, installNode } from './graph';
import { BatchNormalization, SpatialBatchNormalization } from './BatchNormalization';
import { CAddTable, CMulTable, Concat, ConcatTable, JoinTable, Narrow, ParallelTable, SelectTable, SplitTable } from './tables';
import {
  Abs,
  AddConstant,
  ELU,
  GELU,
  HardTanh,
  Identity,
  LeakyReLU,
  MulConstant,
  PReLU,
  Power,
  SoftPlus,
  Sqrt,
  Square,
} from './elementwise';

export { MEMORY_FORMATS, Module, leaves } from './Module';
export type { MemoryFormat, ModuleSpec, ModuleToOptions, Value } from './Module';
export { Container } from './Container';
export type { AnyModule } from './Container';
export { BatchNormalization, SpatialBatchNormalization };
export { LSTM, GRU };
export type { RecurrentOptions } from './recurrent';
export {
  TemporalConvolution,
  SpatialFullConvolution,
  SpatialDilatedConvolution,
  LookupTable,
  SpatialUpSamplingNearest,
  SpatialUpSamplingBilinear,
  SpatialAdaptiveMaxPooling,
  SpatialAdaptiveAveragePooling,
  SpatialDropout,
  Mean,
  Sum,
  Max,
  Normalize,
  Transpose,
  LayerNorm,
};
export { gModule, Input };
export { Node } from './Module';
export { ConcatTable, ParallelTable, Concat, CAddTable, CMulTable, JoinTable, SplitTable, SelectTable, Narrow };
export { Sequential, Linear, SpatialConvolution, SpatialConvolutionMM, SpatialMaxPooling, SpatialAveragePooling, SpatialLPPooling };
export { SpatialSubtractiveNormalization, SpatialZeroPadding, View, Reshape, Tanh, ReLU, Sigmoid, SoftMax, LogSoftMax, Dropout };
export { ELU, LeakyReLU, PReLU, SoftPlus, HardTanh, GELU, Abs, Square, Sqrt, Power, MulConstant, AddConstant, Identity };
export { gaussian1D } from './SpatialSubtractiveNormalization';
export {
  Criterion,
  ClassNLLCriterion,
  MSECriterion,
  AbsCriterion,
  SmoothL1Criterion,
  BCECriterion,
  MultiMarginCriterion,
} from './criteria';
export {
  CrossEntropyCriterion,
  BCEWithLogitsCriterion,
  DistKLDivCriterion,
  HingeEmbeddingCriterion,
  MarginRankingCriterion,
  CosineEmbeddingCriterion,
} from './criteria';
export type { MultiMarginOptions } from './criteria';
export type { ModelSummary, SummaryRow } from './summary';
export { save, load, registerModules } from './serialize';
export { stateDict, saveStateDict, loadStateDict } from './statedict';
export { saveSafetensors, loadSafetensors } from './safetensors';
export { exportOnnx, toOnnx, ONNX_OPSET } from './onnx';
export type { OnnxOptions } from './onnx';
export { gradcheck } from './gradcheck';
export type { GradcheckResult, GradcheckOptions } from './gradcheck';

installNode();
registerNativeModules({
  LSTM,
  GRU,
  TemporalConvolution,
  SpatialFullConvolution,
  SpatialDilatedConvolution,
  LookupTable,
  SpatialUpSamplingNearest,
  SpatialUpSamplingBilinear,
  SpatialAdaptiveMaxPooling,
  SpatialAdaptiveAveragePooling,
  SpatialDropout,
  Mean,
  Sum,
  Max,
  Normalize,
  Transpose,
  LayerNorm,
  gModule,
  BatchNormalization,
  SpatialBatchNormalization,
  ConcatTable,
  ParallelTable,
  Concat,
  CAddTable,
  CMulTable,
  JoinTable,
  SplitTable,
  SelectTable,
  Narrow,
  ELU,
  LeakyReLU,
  PReLU,
  SoftPlus,
  HardTanh,
  GELU,
  Abs,
  Square,
  Sqrt,
  Power,
  MulConstant,
  AddConstant,
  Identity,
  Sequential,
  Linear,
  SpatialConvolution,
  SpatialConvolutionMM,
  SpatialMaxPooling,
  SpatialAveragePooling,
  SpatialLPPooling,
  SpatialZeroPadding,
  SpatialSubtractiveNormalization,
  View,
  Reshape,
  Tanh,
  ReLU,
  Sigmoid,
  SoftMax,
  LogSoftMax,
  Dropout,
});
