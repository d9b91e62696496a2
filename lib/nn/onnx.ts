/**
 * ONNX export: a model as an ONNX graph (opset 13, float32), built with the official ONNX schema
 * (onnx-proto, protobufjs) so that onnxruntime, a browser (onnxruntime-web) or any ONNX consumer
 * runs it. Each Torch7 module becomes the ONNX operators that compute the same function in
 * evaluation mode; the batch dimension is symbolic ('N').
 */
import type { onnx as OnnxSchema } from 'onnx-proto';
import { TorchError } from '../errors';
import { noGrad } from '../autograd';
import { zeros } from '../creation';
import { tidy } from '../memory';
import { Tensor } from '../tensor';
import { writeFileAtomic } from '../util/atomic';
import { checkFileName, checkKeys, invalid } from '../validate';
import { Module } from './Module';
import { Sequential } from './Sequential';
import { AnyModule, Container } from './Container';

const TABLE_MODULES = ['CAddTable', 'CMulTable', 'JoinTable', 'SplitTable', 'SelectTable'];

/** The ONNX schema (onnx-proto), loaded on the first export: requiring nodetorch does not need it. */
function schema(): typeof OnnxSchema {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first export
  return (require('onnx-proto') as { onnx: typeof OnnxSchema }).onnx;
}

/** The ONNX operator set the export targets (onnxruntime and onnxruntime-web run it). */
export const ONNX_OPSET = 13;

export interface OnnxOptions {
  /** The shape of one sample, without the batch dimension: [1, 32, 32] for MNIST. */
  inputShape: number[];
}

/** One module to translate: its input shape (with a batch of 2) and the names of its input and output values. */
interface Step {
  module: Module;
  inputShape: number[];
  input: string;
  output: string;
}

/** Collects the graph: nodes in order, constant tensors (weights) and unique names. */
class GraphBuilder {
  readonly nodes: OnnxSchema.INodeProto[] = [];
  readonly initializers: OnnxSchema.ITensorProto[] = [];
  #count = 0;

  name(hint: string): string {
    return `${hint}_${this.#count++}`;
  }

  node(opType: string, inputs: string[], attributes: OnnxSchema.IAttributeProto[] = [], output = this.name(opType.toLowerCase())): string {
    this.nodes.push({ opType, input: inputs, output: [output], name: this.name(opType), attribute: attributes });
    return output;
  }

  /** A float32 constant. */
  floats(hint: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(hint);
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, dataType: schema().TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** An int64 constant (shapes, pads). */
  ints(hint: string, values: number[]): string {
    const name = this.name(hint);
    const data = BigInt64Array.from(values, BigInt);
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: schema().TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }
}

const ints = (name: string, values: number[]): OnnxSchema.IAttributeProto => ({
  name,
  ints: values,
  type: schema().AttributeProto.AttributeType.INTS,
});
const int = (name: string, value: number): OnnxSchema.IAttributeProto => ({
  name,
  i: value,
  type: schema().AttributeProto.AttributeType.INT,
});
const float = (name: string, value: number): OnnxSchema.IAttributeProto => ({
  name,
  f: value,
  type: schema().AttributeProto.AttributeType.FLOAT,
});

/** The ONNX bytes of `model` for samples of `inputShape`. */
export function toOnnx(model: Module, options: OnnxOptions): Uint8Array {
  if (!(model instanceof Module)) invalid('an nn module', 'exportOnnx model', model);
  if (typeof options !== 'object' || options === null) invalid('{ inputShape }', 'exportOnnx options', options);
  checkKeys(options, ['inputShape'], 'exportOnnx options');
  const { inputShape } = options;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    invalid('a sample shape of positive integers, e.g. [1, 32, 32]', 'exportOnnx inputShape', inputShape);
  }
  const leaves: AnyModule[] = [];
  const flatten = (m: AnyModule) => (m instanceof Sequential ? m.modules.forEach(flatten) : leaves.push(m));
  flatten(model);
  // tables (ConcatTable, CAddTable…) do not export yet: said before running anything
  const table = leaves.find((m) => m instanceof Container || TABLE_MODULES.includes(m.type));
  if (table) throw new TorchError(`exportOnnx: no ONNX translation for ${table.type} (modules that make or take tables do not export yet)`);
  // every module's input shape, from one forward pass in evaluation mode over a batch of 2
  const shapes: number[][] = [];
  let outputShape: number[] = [];
  const wasTraining = model.train;
  model.evaluate();
  try {
    tidy(() =>
      noGrad(() => {
        let x: Tensor = zeros([2, ...inputShape], { dtype: model.dtype, device: model.device });
        for (const leaf of leaves) {
          shapes.push(x.shape);
          x = (leaf as Module).forward(x);
        }
        outputShape = x.shape;
      }),
    );
  } catch (e) {
    throw new TorchError(`exportOnnx: a sample of shape [${inputShape.join(', ')}] does not fit this model: ${(e as Error).message}`, {
      code: e instanceof TorchError ? e.code : 'INTERNAL',
      op: 'exportOnnx',
      cause: e,
    });
  } finally {
    if (wasTraining) model.training();
  }

  const graph = new GraphBuilder();
  let value = 'input';
  leaves.forEach((module, k) => {
    const output = k === leaves.length - 1 ? 'output' : graph.name('x');
    value = translate(graph, { module: module as Module, inputShape: shapes[k], input: value, output });
  });
  if (leaves.length === 0) graph.node('Identity', ['input'], [], 'output');

  const tensorType = (dims: (number | string)[]): OnnxSchema.ITypeProto => ({
    tensorType: {
      elemType: schema().TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  });
  const proto = schema().ModelProto.create({
    irVersion: 7,
    producerName: 'nodetorch',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: 'nodetorch',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [{ name: 'input', type: tensorType(['N', ...inputShape]) }],
      output: [{ name: 'output', type: tensorType(['N', ...outputShape.slice(1)]) }],
    },
  });
  return schema().ModelProto.encode(proto).finish();
}

/** Writes `model` as an ONNX file (atomically) for samples of `options.inputShape`. */
export function exportOnnx(model: Module, file: string, options: OnnxOptions): void {
  checkFileName(file, 'exportOnnx file');
  writeFileAtomic(file, toOnnx(model, options));
}

/** Adds the nodes computing one module; returns the name of its output value (always step.output). */
function translate(g: GraphBuilder, { module, inputShape, input, output }: Step): string {
  const a = module.args as number[];
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
        [input, g.floats('weight', w.shape, w.data), g.floats('bias', b.shape, b.data)],
        [ints('kernel_shape', [kH, kW]), ints('strides', [dH, dW]), ints('pads', [padH, padW, padH, padW])],
        output,
      );
    }
    case 'Linear': {
      const [w, b] = params();
      return g.node('Gemm', [input, g.floats('weight', w.shape, w.data), g.floats('bias', b.shape, b.data)], [int('transB', 1)], output);
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
