/**
 * The ONNX graph under construction (the official schema, onnx-proto): nodes in order, constant
 * tensors (weights, shapes) and unique value names; and the attribute makers the translations use.
 */
import type { onnx as OnnxSchema } from 'onnx-proto';

/** The ONNX schema (onnx-proto), loaded on the first export: requiring nodetorch does not need it. */
export function schema(): typeof OnnxSchema {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first export
  return (require('onnx-proto') as { onnx: typeof OnnxSchema }).onnx;
}

export class GraphBuilder {
  readonly nodes: OnnxSchema.INodeProto[] = [];
  readonly initializers: OnnxSchema.ITensorProto[] = [];
  #count = 0;

  name(hint: string): string {
    return `${hint}_${this.#count++}`;
  }

  node(opType: string, inputs: string[], attributes: OnnxSchema.IAttributeProto[] = [], output = this.name(opType.toLowerCase())): string {
    return this.nodeOutputs(opType, inputs, attributes, [output])[0];
  }

  /** A node with several outputs (Split). */
  nodeOutputs(opType: string, inputs: string[], attributes: OnnxSchema.IAttributeProto[], outputs: string[]): string[] {
    this.nodes.push({ opType, input: inputs, output: outputs, name: this.name(opType), attribute: attributes });
    return outputs;
  }

  /** A float32 constant. */
  floats(hint: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(hint);
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, dataType: schema().TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** An int64 constant (shapes, pads, axes). */
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

  /** Gives the value `from` (a node's output) the name `to`: the graph's output keeps its fixed name. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.output = node.output!.map((n) => (n === from ? to : n));
      node.input = node.input!.map((n) => (n === from ? to : n));
    }
  }
}

export const ints = (name: string, values: number[]): OnnxSchema.IAttributeProto => ({
  name,
  ints: values,
  type: schema().AttributeProto.AttributeType.INTS,
});
export const int = (name: string, value: number): OnnxSchema.IAttributeProto => ({
  name,
  i: value,
  type: schema().AttributeProto.AttributeType.INT,
});
export const float = (name: string, value: number): OnnxSchema.IAttributeProto => ({
  name,
  f: value,
  type: schema().AttributeProto.AttributeType.FLOAT,
});
export const text = (name: string, value: string): OnnxSchema.IAttributeProto => ({
  name,
  s: new TextEncoder().encode(value),
  type: schema().AttributeProto.AttributeType.STRING,
});

/** Torch7's dimension (1-based, negative from the end) of a value of `rank` dimensions, 0-based; moved past the batch when the value has more than nInputDims (0: never), as native/engine/nn_layers.cc's torch7Dimension. */
export function torch7Axis(dim: number, nInputDims: number, rank: number): number {
  let d = dim < 0 ? rank + dim : dim - 1;
  if (dim > 0 && nInputDims > 0 && rank > nInputDims) d += 1;
  return d;
}
