/**
 * ONNX translations of the modules that take and give one tensor: each becomes the ONNX operators
 * (opset 13) that compute the same function in evaluation mode. lib/nn/onnx.ts walks containers and
 * tables and calls these for the tensor modules.
 */
import { TorchError } from '../errors';
import { tidy } from '../memory';
import { Tensor } from '../tensor';
import { Module } from './Module';
import { GraphBuilder, float, int, ints, schema, text, torch7Axis } from './onnx-graph';

/**
 * One module to translate: what it received and gave on the export's batch of 2 (the shapes some
 * operators need), and the names of its input and output values.
 */
export interface LayerStep {
  module: Module;
  x: Tensor;
  y: Tensor;
  input: string;
  output: string;
}

/** Adds the nodes computing one module; returns the name of its output value (always step.output). */
export function translateLayer(g: GraphBuilder, { module, x, y, input, output }: LayerStep): string {
  const a = module.args as number[];
  const inputShape = x.shape;
  const params = () => {
    const [p, grads] = module.parameters();
    grads.forEach((t) => t.dispose());
    // data() copies; tidy frees the float32 and CPU conversions it reads from
    const values = p.map((t) => ({ shape: t.shape, data: tidy(() => t.to('float32').cpu().data() as Float32Array) }));
    p.forEach((t) => t.dispose());
    return values;
  };
  switch (module.type) {
    case 'SpatialConvolution':
    case 'SpatialConvolutionMM': {
      const [, , kW, kH, dW, dH, padW, padH] = a;
      const [w, b] = params();
      return g.node(
        'Conv',
        [input, g.floats('weight', w.shape, w.data), ...bias(g, b)],
        [ints('kernel_shape', [kH, kW]), ints('strides', [dH, dW]), ints('pads', [padH, padW, padH, padW])],
        output,
      );
    }
    case 'Linear': {
      const [w, b] = params();
      if (inputShape.length === 2)
        return g.node('Gemm', [input, g.floats('weight', w.shape, w.data), ...bias(g, b)], [int('transB', 1)], output);
      // over the last dimension of a longer input (a sequence of vectors): Gemm takes matrices only
      const [outSize, inSize] = w.shape;
      const transposed = new Float32Array(w.data.length);
      for (let o = 0; o < outSize; o++) for (let i = 0; i < inSize; i++) transposed[i * outSize + o] = w.data[o * inSize + i];
      const product = g.node('MatMul', [input, g.floats('weight', [inSize, outSize], transposed)], [], b ? undefined : output);
      return b ? g.node('Add', [product, g.floats('bias', b.shape, b.data)], [], output) : product;
    }
    case 'Tanh':
      return g.node('Tanh', [input], [], output);
    case 'ReLU':
      return g.node('Relu', [input], [], output);
    case 'Sigmoid':
      return g.node('Sigmoid', [input], [], output);
    case 'Dropout': // evaluation mode: the identity (Torch7 scales at training time)
    case 'Identity':
      return g.node('Identity', [input], [], output);
    case 'BatchNormalization':
    case 'SpatialBatchNormalization': {
      // evaluation mode: the running estimates; a single-sample export is not made (the batch is symbolic)
      const [n, eps, , affine] = module.args as [number, number, number, boolean];
      const [w, b] = affine
        ? params()
        : [
            { shape: [n], data: new Array(n).fill(1) },
            { shape: [n], data: new Array(n).fill(0) },
          ];
      const buffers = module.namedBuffers();
      const stats = buffers.slice(0, 2).map(([name, t]) =>
        g.floats(
          name,
          t.shape,
          tidy(() => t.to('float32').cpu().data() as Float32Array),
        ),
      );
      buffers.forEach(([, t]) => t.dispose());
      return g.node(
        'BatchNormalization',
        [input, g.floats('scale', w.shape, w.data), g.floats('bias', b.shape, b.data), ...stats],
        [float('epsilon', eps)],
        output,
      );
    }
    case 'ELU':
      return g.node('Elu', [input], [float('alpha', a[0])], output);
    case 'LeakyReLU':
      return g.node('LeakyRelu', [input], [float('alpha', a[0])], output);
    case 'PReLU': {
      // the slope broadcasts over the planes: dimension 1 of the batch, then the sizes after it
      const [w] = params();
      const trailing = inputShape.length - 2;
      return g.node(
        'PRelu',
        [input, g.floats('slope', a[0] === 0 ? [1] : [w.shape[0], ...new Array(Math.max(0, trailing)).fill(1)], w.data)],
        [],
        output,
      );
    }
    case 'SoftPlus': {
      // ONNX's Softplus has no β or threshold: log(1 + e^{βx}) / β, and x beyond the threshold
      const [beta, threshold] = a;
      const scaled = beta === 1 ? input : g.node('Mul', [input, g.floats('beta', [], [beta])]);
      const soft = g.node('Softplus', [scaled]);
      const smooth = beta === 1 ? soft : g.node('Div', [soft, g.floats('beta', [], [beta])]);
      return g.node('Where', [g.node('Greater', [scaled, g.floats('threshold', [], [threshold])]), input, smooth], [], output);
    }
    case 'HardTanh':
      return g.node('Clip', [input, g.floats('min', [], [a[0]]), g.floats('max', [], [a[1]])], [], output);
    case 'GELU': {
      // x·Φ(x) = x · (1 + erf(x/√2)) / 2 (ONNX's Gelu operator comes only with opset 20)
      const erf = g.node('Erf', [g.node('Div', [input, g.floats('sqrt2', [], [Math.SQRT2])])]);
      return g.node(
        'Mul',
        [g.node('Mul', [input, g.floats('half', [], [0.5])]), g.node('Add', [erf, g.floats('one', [], [1])])],
        [],
        output,
      );
    }
    case 'Abs':
      return g.node('Abs', [input], [], output);
    case 'Square':
      return g.node('Mul', [input, input], [], output);
    case 'Sqrt':
      return g.node('Sqrt', [a[0] === 0 ? input : g.node('Add', [input, g.floats('b', [], [a[0]])])], [], output);
    case 'Power':
      return g.node('Pow', [input, g.floats('p', [], [a[0]])], [], output);
    case 'MulConstant':
      return g.node('Mul', [input, g.floats('scalar', [], [a[0]])], [], output);
    case 'AddConstant':
      return g.node('Add', [input, g.floats('scalar', [], [a[0]])], [], output);
    case 'LogSoftMax':
      return g.node('LogSoftmax', [input], [int('axis', -1)], output); // over the last dimension, as nodetorch's
    case 'SoftMax': {
      // softmax(−β x) over the last dimension; β = −1 (the default) is the plain softmax
      const beta = (module.args[0] as { beta: number }).beta;
      const scaled = beta === -1 ? input : g.node('Mul', [input, g.floats('minus_beta', [], [-beta])]);
      return g.node('Softmax', [scaled], [int('axis', -1)], output);
    }
    case 'SpatialMaxPooling': {
      const [kW, kH, dW, dH] = a;
      return g.node('MaxPool', [input], [ints('kernel_shape', [kH, kW]), ints('strides', [dH, dW])], output);
    }
    case 'SpatialAveragePooling': {
      const [kW, kH, dW, dH] = a;
      return g.node('AveragePool', [input], [ints('kernel_shape', [kH, kW]), ints('strides', [dH, dW])], output);
    }
    case 'SpatialLPPooling': {
      // p is 2 (the only pnorm nodetorch builds): ONNX's Σ|x|² equals Torch7's Σx²
      const [, p, kW, kH, dW, dH] = a;
      return g.node('LpPool', [input], [int('p', p), ints('kernel_shape', [kH, kW]), ints('strides', [dH, dW])], output);
    }
    case 'SpatialZeroPadding': {
      const [left, right, top, bottom] = a;
      return g.node('Pad', [input, g.ints('pads', [0, 0, top, left, 0, 0, bottom, right])], [], output);
    }
    case 'View':
    case 'Reshape':
      // 0 keeps the batch dimension; a -1 size (View(-1, n)) gives the whole shape
      return g.node('Reshape', [input, g.ints('shape', a.includes(-1) ? a : [0, ...a])], [], output);
    case 'SpatialSubtractiveNormalization':
      return subtractiveNormalization(g, module, inputShape, input, output);
    case 'SpatialDilatedConvolution': {
      const [, , kW, kH, dW, dH, padW, padH, dilationW, dilationH] = a;
      const [w, b] = params();
      return g.node(
        'Conv',
        [input, g.floats('weight', w.shape, w.data), ...bias(g, b)],
        [
          ints('kernel_shape', [kH, kW]),
          ints('strides', [dH, dW]),
          ints('pads', [padH, padW, padH, padW]),
          ints('dilations', [dilationH, dilationW]),
        ],
        output,
      );
    }
    case 'SpatialFullConvolution': {
      // Torch7's weight is nInputPlane × nOutputPlane × kH × kW, as ConvTranspose's; adj is output_padding
      const [, , kW, kH, dW, dH, padW, padH, adjW, adjH] = a;
      const [w, b] = params();
      return g.node(
        'ConvTranspose',
        [input, g.floats('weight', w.shape, w.data), ...bias(g, b)],
        [
          ints('kernel_shape', [kH, kW]),
          ints('strides', [dH, dW]),
          ints('pads', [padH, padW, padH, padW]),
          ints('output_padding', [adjH, adjW]),
        ],
        output,
      );
    }
    case 'TemporalConvolution': {
      // N × frames × in → N × in × frames, a 1-D Conv with the weight out × (kW·in) as out × in × kW, and back
      const [inSize, outSize, kW, dW] = a;
      const [w, b] = params();
      const weight = new Float32Array(outSize * inSize * kW);
      for (let o = 0; o < outSize; o++)
        for (let k = 0; k < kW; k++)
          for (let i = 0; i < inSize; i++) weight[(o * inSize + i) * kW + k] = w.data[o * kW * inSize + k * inSize + i];
      const single = inputShape.length === 2;
      const batch = single ? g.node('Unsqueeze', [input, g.ints('axes', [0])]) : input;
      const channels = g.node('Transpose', [batch], [ints('perm', [0, 2, 1])]);
      const conv = g.node(
        'Conv',
        [channels, g.floats('weight', [outSize, inSize, kW], weight), g.floats('bias', b.shape, b.data)],
        [ints('kernel_shape', [kW]), ints('strides', [dW])],
      );
      if (!single) return g.node('Transpose', [conv], [ints('perm', [0, 2, 1])], output);
      return g.node('Squeeze', [g.node('Transpose', [conv], [ints('perm', [0, 2, 1])]), g.ints('axes', [0])], [], output);
    }
    case 'LookupTable': {
      // the indices arrive as whole numbers in the model's dtype (as in the Trainer): cast, then gather rows
      const [w] = params();
      const indices = g.node('Cast', [input], [int('to', schema().TensorProto.DataType.INT64)]);
      return g.node('Gather', [g.floats('weight', w.shape, w.data), indices], [int('axis', 0)], output);
    }
    case 'SpatialDropout': // evaluation mode: Torch7 scales by 1 − p
      return g.node('Mul', [input, g.floats('keep', [], [1 - a[0]])], [], output);
    case 'SpatialUpSamplingNearest':
    case 'SpatialUpSamplingBilinear': {
      // the output size as the module computed it: the batch and planes from the input, then H × W
      const [outH, outW] = y.shape.slice(-2);
      const spatial = inputShape.length === 4;
      const leading = g.node('Slice', [g.node('Shape', [input]), g.ints('start', [0]), g.ints('end', [spatial ? 2 : 1])]);
      const sizes = g.node('Concat', [leading, g.ints('size', [outH, outW])], [int('axis', 0)]);
      const nearest = module.type === 'SpatialUpSamplingNearest';
      const attributes = nearest
        ? [text('mode', 'nearest'), text('coordinate_transformation_mode', 'asymmetric'), text('nearest_mode', 'floor')]
        : [text('mode', 'linear'), text('coordinate_transformation_mode', 'align_corners')];
      return g.node('Resize', [input, '', '', sizes], attributes, output);
    }
    case 'SpatialAdaptiveMaxPooling':
    case 'SpatialAdaptiveAveragePooling': {
      // exact as a plain pooling when the output divides the input; otherwise the windows overlap unevenly
      const [outW, outH] = a;
      const [inH, inW] = inputShape.slice(-2);
      if (inH % outH !== 0 || inW % outW !== 0)
        throw new TorchError(
          `exportOnnx: ${module.type}(${outW}, ${outH}) exports only when it divides the input's ${inH}×${inW} (uneven windows have no ONNX operator)`,
        );
      const kernel = [inH / outH, inW / outW];
      const op = module.type === 'SpatialAdaptiveMaxPooling' ? 'MaxPool' : 'AveragePool';
      return g.node(op, [input], [ints('kernel_shape', kernel), ints('strides', kernel)], output);
    }
    case 'Mean':
    case 'Sum':
    case 'Max': {
      const [dim, nInputDims, sizeAverage] = module.args as [number, number, boolean | undefined];
      const axis = torch7Axis(dim, nInputDims, inputShape.length);
      if (module.type === 'Sum' && !sizeAverage) return g.node('ReduceSum', [input, g.ints('axes', [axis])], [int('keepdims', 0)], output);
      const op = module.type === 'Max' ? 'ReduceMax' : 'ReduceMean';
      return g.node(op, [input], [ints('axes', [axis]), int('keepdims', 0)], output);
    }
    case 'Normalize': {
      // x / (Σ|x|ᵖ + eps)^(1/p) over the last dimension
      const [p, eps] = a;
      const powered = g.node('Pow', [g.node('Abs', [input]), g.floats('p', [], [p])]);
      const sum = g.node('ReduceSum', [powered, g.ints('axes', [-1])], [int('keepdims', 1)]);
      const norm = g.node('Pow', [g.node('Add', [sum, g.floats('eps', [], [eps])]), g.floats('inverse_p', [], [1 / p])]);
      return g.node('Div', [input, norm], [], output);
    }
    case 'Transpose': {
      // the swaps in order, as one permutation
      const perm = inputShape.map((_, i) => i);
      for (const [d1, d2] of module.args as unknown as [number, number][]) {
        const [i, j] = [torch7Axis(d1, 0, perm.length), torch7Axis(d2, 0, perm.length)];
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return g.node('Transpose', [input], [ints('perm', perm)], output);
    }
    case 'LayerNorm': {
      // (x − mean) / √(var + eps) over the last dimensions, then the affine weight and bias (opset 13 has no LayerNormalization)
      const [shape, eps, affine] = module.args as unknown as [number[], number, boolean];
      const axes = shape.map((_, i) => i - shape.length);
      const centred = g.node('Sub', [input, g.node('ReduceMean', [input], [ints('axes', axes)])]);
      const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred])], [ints('axes', axes)]);
      const std = g.node('Sqrt', [g.node('Add', [variance, g.floats('eps', [], [eps])])]);
      if (!affine) return g.node('Div', [centred, std], [], output);
      const [w, b] = params();
      const scaled = g.node('Mul', [g.node('Div', [centred, std]), g.floats('weight', w.shape, w.data)]);
      return g.node('Add', [scaled, g.floats('bias', b.shape, b.data)], [], output);
    }
    case 'LSTM':
    case 'GRU':
      return recurrent(g, module, inputShape, input, output);
    case 'Narrow': {
      const [dim, offset] = a;
      const axis = torch7Axis(dim, 0, inputShape.length);
      const length = y.shape[axis];
      return g.node(
        'Slice',
        [input, g.ints('starts', [offset - 1]), g.ints('ends', [offset - 1 + length]), g.ints('axes', [axis])],
        [],
        output,
      );
    }
    default:
      throw new TorchError(`exportOnnx: no ONNX translation for ${module.type}`);
  }
}

/**
 * y = x − conv(pad(x), K over all planes) / coef, where coef = conv(pad(ones), K over all planes):
 * the border correction is a constant for the export's input size.
 */
function subtractiveNormalization(g: GraphBuilder, module: Module, inputShape: number[], input: string, output: string): string {
  const planes = module.args[0] as number;
  const given = module.args[1] as number[] | number[][];
  const kernel = Array.isArray(given[0]) ? (given as number[][]) : (given as number[]).map((u) => (given as number[]).map((v) => u * v));
  const kh = kernel.length;
  const kw = kernel[0].length;
  const [ph, pw] = [Math.floor(kh / 2), Math.floor(kw / 2)];
  const [height, width] = inputShape.slice(-2);
  const coef = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          const [yy, xx] = [y + u - ph, x + v - pw];
          if (yy >= 0 && yy < height && xx >= 0 && xx < width) sum += kernel[u][v];
        }
      }
      coef[y * width + x] = planes * sum;
    }
  }
  const weight = new Float64Array(planes * kh * kw);
  for (let c = 0; c < planes; c++) weight.set(kernel.flat(), c * kh * kw);
  const padded = g.node('Pad', [input, g.ints('pads', [0, 0, ph, pw, 0, 0, ph, pw])]);
  const local = g.node('Conv', [padded, g.floats('kernel', [1, planes, kh, kw], weight)], [ints('kernel_shape', [kh, kw])]);
  const mean = g.node('Div', [local, g.floats('coef', [1, 1, height, width], coef)]);
  return g.node('Sub', [input, mean], [], output);
}

/** A bias input, none after Torch7's noBias() (Gemm's, Conv's and ConvTranspose's bias is optional). */
function bias(g: GraphBuilder, b: { shape: number[]; data: Float32Array } | undefined): string[] {
  return b ? [g.floats('bias', b.shape, b.data)] : [];
}

/**
 * LSTM and GRU as ONNX's operators, one per layer (both directions in one): the weights' gate
 * blocks reordered from PyTorch's (LSTM i f g o, GRU r z n) to ONNX's (i o f c, z r h), the GRU
 * with linear_before_reset (PyTorch's formula). ONNX's output is T × directions × N × H: transposed
 * and reshaped to PyTorch's T × N × directions·H between layers.
 */
function recurrent(g: GraphBuilder, module: Module, inputShape: number[], input: string, output: string): string {
  const [, hidden, { numLayers, batchFirst, bidirectional }] = module.args as [number, number, Record<string, number>];
  if (inputShape.length !== 3)
    throw new TorchError(`exportOnnx: ${module.type} exports for batches of sequences (3-D input), not shape [${inputShape.join(', ')}]`);
  const lstm = module.type === 'LSTM';
  const gates = lstm ? [0, 3, 1, 2] : [1, 0, 2];
  const directions = bidirectional ? ['', '_reverse'] : [''];
  const named = new Map(module.namedParameters());
  const read = (name: string) => {
    const t = named.get(name)!;
    return { shape: t.shape, data: tidy(() => t.to('float32').cpu().data() as Float32Array) };
  };
  // the rows of each gate's block in ONNX's order
  const reorder = (data: Float32Array, columns: number) => {
    const block = hidden * columns;
    const out = new Float32Array(data.length);
    gates.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
    return out;
  };
  let x = batchFirst ? g.node('Transpose', [input], [ints('perm', [1, 0, 2])]) : input;
  for (let layer = 0; layer < numLayers; layer++) {
    const weights = (kind: string) => directions.map((d) => read(`${kind}_l${layer}${d}`));
    const stack = (parts: { shape: number[]; data: Float32Array }[], columns: number) => {
      const out = new Float32Array(parts.length * parts[0].data.length);
      parts.forEach((p, k) => out.set(reorder(p.data, columns), k * p.data.length));
      return out;
    };
    const wih = weights('weight_ih');
    const columns = wih[0].shape[1];
    const W = g.floats('W', [directions.length, gates.length * hidden, columns], stack(wih, columns));
    const R = g.floats('R', [directions.length, gates.length * hidden, hidden], stack(weights('weight_hh'), hidden));
    const [bih, bhh] = [weights('bias_ih'), weights('bias_hh')];
    const bias = new Float32Array(directions.length * 2 * gates.length * hidden);
    directions.forEach((_, d) => {
      bias.set(reorder(bih[d].data, 1), d * 2 * gates.length * hidden);
      bias.set(reorder(bhh[d].data, 1), (d * 2 + 1) * gates.length * hidden);
    });
    const B = g.floats('B', [directions.length, 2 * gates.length * hidden], bias);
    const attributes = [int('hidden_size', hidden), text('direction', bidirectional ? 'bidirectional' : 'forward')];
    if (!lstm) attributes.push(int('linear_before_reset', 1));
    const y = g.node(module.type, [x, W, R, B], attributes);
    x = g.node('Reshape', [g.node('Transpose', [y], [ints('perm', [0, 2, 1, 3])]), g.ints('shape', [0, 0, -1])]);
  }
  return g.node(batchFirst ? 'Transpose' : 'Identity', [x], batchFirst ? [ints('perm', [1, 0, 2])] : [], output);
}
