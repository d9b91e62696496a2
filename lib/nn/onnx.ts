/**
 * ONNX export: a model as an ONNX graph (opset 13, float32), built with the official ONNX schema
 * (onnx-proto, protobufjs) so that onnxruntime, a browser (onnxruntime-web) or any ONNX consumer
 * runs it. Each Torch7 module becomes the ONNX operators that compute the same function in
 * evaluation mode; the batch dimension is symbolic ('N'). This file walks the model: containers
 * (Sequential, ConcatTable, ParallelTable, Concat, gModule) and the table modules become wiring and
 * the operators that join or split values; lib/nn/onnx-layers.ts translates the tensor modules.
 */
import type { onnx as OnnxSchema } from 'onnx-proto';
import { TorchError } from '../errors';
import { noGrad } from '../autograd';
import { zeros } from '../creation';
import { tidy } from '../memory';
import { Tensor } from '../tensor';
import { writeFileAtomic } from '../util/atomic';
import { checkFileName, checkKeys, invalid } from '../validate';
import { Module, Value } from './Module';
import { AnyModule, Container } from './Container';
import { GraphBuilder, int, schema, torch7Axis } from './onnx-graph';
import { translateLayer } from './onnx-layers';

/** The ONNX operator set the export targets (onnxruntime and onnxruntime-web run it). */
export const ONNX_OPSET = 13;

export interface OnnxOptions {
  /** The shape of one sample, without the batch dimension: [1, 32, 32] for MNIST. */
  inputShape: number[];
}

/** The ONNX names of a value, in its shape: one name for a tensor, a list for a table. */
type Names = string | Names[];

/** The ONNX bytes of `model` for samples of `inputShape`. */
export function toOnnx(model: Module, options: OnnxOptions): Uint8Array {
  if (!(model instanceof Module)) invalid('an nn module', 'exportOnnx model', model);
  model.refuseWhileTraining('exportOnnx');
  if (typeof options !== 'object' || options === null) invalid('{ inputShape }', 'exportOnnx options', options);
  checkKeys(options, ['inputShape'], 'exportOnnx options');
  const { inputShape } = options;
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    invalid('a sample shape of positive integers, e.g. [1, 32, 32]', 'exportOnnx inputShape', inputShape);
  }
  const graph = new GraphBuilder();
  let outputShape: number[] = [];
  const wasTraining = model.train;
  model.evaluate();
  try {
    // one pass in evaluation mode over a batch of 2 gives every module's input (for the shapes)
    tidy(() =>
      noGrad(() => {
        const x = zeros([2, ...inputShape], { dtype: model.dtype, device: model.device });
        const [y, names] = emit(graph, model, x, 'input', inputShape);
        if (!(y instanceof Tensor) || typeof names !== 'string')
          throw new TorchError('exportOnnx: the model outputs a table; an ONNX export needs one tensor output');
        outputShape = y.shape;
        if (names === 'input') graph.node('Identity', ['input'], [], 'output');
        else graph.rename(names, 'output');
      }),
    );
  } finally {
    if (wasTraining) model.training();
  }

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

/** Runs one module on the export's batch, naming it in the error when the sample does not fit. */
function run(module: AnyModule, x: Value, inputShape: number[]): Value {
  try {
    return (module as Module<Value, Value>).forward(x);
  } catch (e) {
    throw new TorchError(`exportOnnx: a sample of shape [${inputShape.join(', ')}] does not fit this model: ${(e as Error).message}`, {
      code: e instanceof TorchError ? e.code : 'INTERNAL',
      op: 'exportOnnx',
      cause: e,
    });
  }
}

const isTable = (v: Value): v is Value[] => Array.isArray(v);
const tensorNames = (names: Names, what: string): string[] => {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
    throw new TorchError(`exportOnnx: ${what} takes a table of tensors; this one holds tables`);
  return names as string[];
};

/**
 * Adds the nodes computing `module` on the value named `input` (whose value on the export's batch
 * is `x`); returns the module's value and its names.
 */
function emit(g: GraphBuilder, module: AnyModule, x: Value, input: Names, inputShape: number[]): [Value, Names] {
  const children = module instanceof Container ? module.modules : [];
  const each = (inputs: Value[], names: Names[]) => children.map((child, k) => emit(g, child, inputs[k], names[k], inputShape));
  switch (module.type) {
    case 'Sequential': {
      let value: [Value, Names] = [x, input];
      for (const child of children) value = emit(g, child, value[0], value[1], inputShape);
      return value;
    }
    case 'ConcatTable': {
      const outs = each(
        children.map(() => x),
        children.map(() => input),
      );
      return [outs.map((o) => o[0]), outs.map((o) => o[1])];
    }
    case 'ParallelTable': {
      if (!isTable(x) || !Array.isArray(input)) throw new TorchError('exportOnnx: ParallelTable takes a table');
      const outs = each(x, input);
      return [outs.map((o) => o[0]), outs.map((o) => o[1])];
    }
    case 'Concat': {
      const outs = each(
        children.map(() => x),
        children.map(() => input),
      );
      const y = run(module, x, inputShape) as Tensor;
      const axis = torch7Axis(module.args[0] as number, 0, y.shape.length);
      return [
        y,
        g.node(
          'Concat',
          tensorNames(
            outs.map((o) => o[1]),
            'Concat',
          ),
          [int('axis', axis)],
        ),
      ];
    }
    case 'gModule':
      return emitGraph(g, module, x, input, inputShape);
    case 'Identity':
      return [x, input];
    case 'SelectTable': {
      if (!isTable(x) || !Array.isArray(input)) throw new TorchError('exportOnnx: SelectTable takes a table');
      const index = module.args[0] as number;
      const k = index < 0 ? x.length + index : index - 1;
      return [run(module, x, inputShape), input[k]];
    }
  }
  if (module instanceof Container) throw new TorchError(`exportOnnx: no ONNX translation for ${module.type}`);
  const y = run(module, x, inputShape);
  if (isTable(x) || isTable(y)) return [y, tableModule(g, module as Module, x, y, input)];
  return [y, translateLayer(g, { module: module as Module, x, y, input: input as string, output: g.name('x') })];
}

/** The table modules: they join a table into a tensor, or split a tensor into a table. */
function tableModule(g: GraphBuilder, module: Module, x: Value, y: Value, input: Names): Names {
  const axisOf = (t: Tensor) => torch7Axis(module.args[0] as number, module.args[1] as number, t.shape.length);
  switch (module.type) {
    case 'CAddTable':
      return g.node('Sum', tensorNames(input, 'CAddTable'));
    case 'CMulTable':
      return tensorNames(input, 'CMulTable').reduce((product, name) => g.node('Mul', [product, name]));
    case 'JoinTable':
      return g.node('Concat', tensorNames(input, 'JoinTable'), [int('axis', axisOf((x as Tensor[])[0]))]);
    case 'SplitTable': {
      const axis = axisOf(x as Tensor);
      const parts = (y as Tensor[]).map(() => g.name('part'));
      g.nodeOutputs('Split', [input as string], [int('axis', axis)], parts);
      return parts.map((part) => g.node('Squeeze', [part, g.ints('axes', [axis])]));
    }
    default:
      throw new TorchError(`exportOnnx: no ONNX translation for ${module.type}`);
  }
}

/** nngraph's gModule: its nodes in order, each fed its parents' values (a table for several). */
function emitGraph(g: GraphBuilder, module: AnyModule, x: Value, input: Names, inputShape: number[]): [Value, Names] {
  const [nInputs, parents, outputs] = module.args as [number, number[][], number[]];
  if (nInputs > 1 && (!isTable(x) || x.length !== nInputs))
    throw new TorchError(`exportOnnx: this gModule takes a table of ${nInputs} inputs; an ONNX export has one tensor input`);
  const inputs: [Value, Names][] = nInputs === 1 ? [[x, input]] : (x as Value[]).map((v, j) => [v, (input as Names[])[j]]);
  const values: [Value, Names][] = [];
  const valueOf = (k: number) => (k < 0 ? inputs[-1 - k] : values[k]);
  (module as Container).modules.forEach((child, k) => {
    const from = parents[k].map(valueOf);
    const fed: [Value, Names] = from.length === 1 ? from[0] : [from.map((f) => f[0]), from.map((f) => f[1])];
    values.push(emit(g, child, fed[0], fed[1], inputShape));
  });
  if (outputs.length === 1) return valueOf(outputs[0]);
  const outs = outputs.map(valueOf);
  return [outs.map((o) => o[0]), outs.map((o) => o[1])];
}
