/**
 * nngraph's graphs of modules: `nn.Input()` makes an input node, `module.node(...parents)` a node
 * that applies the module to its parents' outputs (one parent: its value; several: the table of
 * their values, in order), and `new nn.gModule(inputs, outputs)` the module that runs the graph,
 * natively, in topological order. A module appears in one node only.
 *
 * @example
 * const x = nn.Input();
 * const h = new nn.Linear(4, 8).node(x);
 * const y = new nn.CAddTable().node(new nn.Linear(8, 8).node(new nn.Tanh().node(h)), h);
 * const net = new nn.gModule([x], [new nn.Linear(8, 2).node(y)]);
 */
import { TorchError } from '../errors';
import { Tensor } from '../tensor';
import { checkArity, checkInteger } from '../validate';
import { AnyModule, Container } from './Container';
import { Module, Node, Value } from './Module';
import type { SummaryRow } from './summary';

export { Node };

/** An input of a graph (nngraph's nn.Identity()()). */
export function Input(): Node {
  return new Node(null, []);
}

interface Structure {
  nInputs: number;
  /** For each node in topological order, its parents: node indices, or −1 − j for input j. */
  parents: number[][];
  /** The output nodes' indices (or −1 − j for an input passed straight through). */
  outputs: number[];
}

/** The graph's modules in topological order and its structure, from its input and output nodes. */
function sortGraph(inputs: Node[], outputs: Node[]): { modules: AnyModule[]; structure: Structure } {
  const check = (nodes: unknown, what: string): Node[] => {
    if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((n) => !(n instanceof Node))) {
      throw new TorchError(`Expected a non-empty array of graph nodes (nn.Input(), module.node(...)) for gModule ${what}`);
    }
    return nodes;
  };
  check(inputs, 'inputs');
  check(outputs, 'outputs');
  inputs.forEach((n, j) => {
    if (n.module !== null) throw new TorchError(`gModule inputs[${j}] is a ${n.module.type} node; inputs are made by nn.Input()`);
  });
  const index = new Map<Node, number>();
  inputs.forEach((n, j) => index.set(n, -1 - j));
  const order: Node[] = [];
  const modules = new Set<AnyModule>();
  // depth first from the outputs, parents before children; nodes are immutable, so no cycle can form
  const visit = (root: Node) => {
    const stack: [Node, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [node, expanded] = stack.pop()!;
      if (index.has(node)) continue;
      if (node.module === null) throw new TorchError('gModule: the graph uses an nn.Input() that is not among its inputs');
      if (expanded) {
        if (modules.has(node.module))
          throw new TorchError(`gModule: ${node.module.type} appears in two nodes of the graph; a module can be in one node only`);
        modules.add(node.module);
        index.set(node, order.length);
        order.push(node);
        continue;
      }
      stack.push([node, true]);
      for (let p = node.parents.length - 1; p >= 0; p--) if (!index.has(node.parents[p])) stack.push([node.parents[p], false]);
    }
  };
  outputs.forEach(visit);
  return {
    modules: order.map((n) => n.module!),
    structure: {
      nInputs: inputs.length,
      parents: order.map((n) => n.parents.map((p) => index.get(p)!)),
      outputs: outputs.map((n) => index.get(n)!),
    },
  };
}

/** A stored structure (from a model file), checked: every index names an input or an earlier node. */
function checkStored(nInputs: unknown, parents: unknown, outputs: unknown): Structure {
  const n = checkInteger(nInputs, 'gModule nInputs', 1, 1_000_000);
  if (!Array.isArray(parents) || parents.some((p) => !Array.isArray(p) || p.length === 0)) {
    throw new TorchError('gModule: a stored graph gives each node a non-empty list of parents');
  }
  const nodes = parents.length;
  (parents as unknown[][]).forEach((list, k) =>
    list.forEach((p, i) => checkInteger(p, `gModule node ${k} parent ${i} (an input −1…−${n} or an earlier node)`, -n, k - 1)),
  );
  if (!Array.isArray(outputs) || outputs.length === 0) throw new TorchError('gModule: a stored graph names its outputs');
  outputs.forEach((o, i) => checkInteger(o, `gModule output ${i}`, -n, nodes - 1));
  return { nInputs: n, parents: parents as number[][], outputs: outputs as number[] };
}

/** nngraph's gModule: runs a graph of modules (see nn.Input and Module.node). */
export class gModule<Out extends Value = Tensor, In extends Value = Tensor> extends Container<Out, In> {
  readonly #structure: Structure;

  /**
   * `new nn.gModule(inputs, outputs)`: the graph between these nodes. (nn.load rebuilds one from its
   * stored structure, `new nn.gModule(nInputs, parents, outputs)` followed by add() of its modules.)
   */
  constructor(inputs: Node[] | number, outputs: Node[] | number[][], stored?: number[]) {
    checkArity(arguments, 3, 'nn.gModule(inputs, outputs)');
    let modules: AnyModule[] = [];
    let structure: Structure;
    if (typeof inputs === 'number') {
      structure = checkStored(inputs, outputs, stored);
    } else {
      ({ modules, structure } = sortGraph(inputs, outputs as Node[]));
    }
    const { nInputs, parents, outputs: out } = structure;
    const options = { nInputs, parentCounts: parents.map((p) => p.length), parents: parents.flat(), outputs: out };
    super('gModule', [nInputs, parents, out], options, modules);
    this.#structure = structure;
  }

  /** @internal Its own row, then its nodes' rows, each fed its parents' outputs. */
  override describe(input: Value, depth: number): [SummaryRow[], Value] {
    const { nInputs, parents, outputs } = this.#structure;
    const inputs = nInputs === 1 ? [input] : (input as Value[]);
    const values: Value[] = [];
    const valueOf = (k: number) => (k < 0 ? inputs[-1 - k] : values[k]);
    const rows: SummaryRow[] = [];
    this.modules.forEach((m, k) => {
      const from = parents[k].map(valueOf);
      const [inner, output] = m.describe(from.length === 1 ? from[0] : from, depth + 1);
      rows.push(...inner);
      values.push(output);
    });
    return this.containerRows(depth, outputs.length === 1 ? valueOf(outputs[0]) : outputs.map(valueOf), rows);
  }

  override toString(): string {
    return super.toString().replace(/^nn\.gModule\([^)]*\)/, `nn.gModule(${this.#structure.nInputs} → ${this.#structure.outputs.length})`);
  }
}

/** Registers Module.node (here, not in Module.ts, which gModule's file imports). */
export function installNode(): void {
  Object.defineProperty(Module.prototype, 'node', {
    value: function (this: AnyModule, ...parents: Node[]): Node {
      if (parents.length === 0) throw new TorchError(`${this.type}.node(...parents) needs at least one parent node`);
      parents.forEach((p, i) => {
        if (!(p instanceof Node))
          throw new TorchError(`Expected graph nodes for ${this.type}.node(...parents) but argument ${i + 1} is not one`);
      });
      return new Node(this, parents);
    },
    writable: true,
    configurable: true,
  });
}
