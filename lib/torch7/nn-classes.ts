/**
 * The nn module classes torch7 builds, imported from their own files (not nn's index, which
 * imports nn.load, which reads Torch7 files: importing the index here would make a cycle).
 */
export { Linear } from '../nn/Linear';
export { Sequential } from '../nn/Sequential';
export { SpatialConvolution, SpatialConvolutionMM } from '../nn/SpatialConvolution';
export { SpatialSubtractiveNormalization } from '../nn/SpatialSubtractiveNormalization';
export { Reshape, View } from '../nn/View';
export { Dropout, LogSoftMax, ReLU, Sigmoid, SoftMax, Tanh } from '../nn/activations';
export { SpatialAveragePooling, SpatialLPPooling, SpatialMaxPooling, SpatialZeroPadding } from '../nn/pooling';
export { GRU, LSTM } from '../nn/recurrent';
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
} from '../nn/layers';
export { gModule } from '../nn/graph';
export { BatchNormalization, SpatialBatchNormalization } from '../nn/BatchNormalization';
export { CAddTable, CMulTable, Concat, ConcatTable, JoinTable, Narrow, ParallelTable, SelectTable, SplitTable } from '../nn/tables';
export {
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
} from '../nn/elementwise';
