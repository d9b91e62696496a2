/**
 * nngraph's nn.gModule and nodetorch's gModule. nngraph keeps a forward graph (fg) and a backward
 * graph (bg) of nngraph.Node objects sharing one `data` table per node: the node's module, its
 * inputs in order (`mapindex`: the inputs' data tables, with reverse keys), a split node for several
 * graph inputs and select nodes picking each. nodetorch keeps the modules in order with each one's
 * inputs as indices (negative: a graph input). Reading walks fg's topological order; writing builds
 * what nngraph's gModule constructor builds (nngraph/gmodule.lua, graph/init.lua).
 */
import { TorchError } from '../errors';
import * as nn from './nn-classes';
import { Module, Value } from '../nn/Module';
import { WriteContext, Written } from './codecs';
import { Fields } from './fields';
import { LuaObject, LuaTable, LuaValue } from './lua';
import { Torch7Object } from './values';

type AnyModule = Module<Value, Value>;

/** The array part (keys 1..n) of a Lua table. */
function listOf(v: LuaValue | undefined): LuaValue[] {
  const out: LuaValue[] = [];
  if (!(v instanceof LuaTable)) return out;
  for (let i = 1; v.get(i) !== undefined; i++) out.push(v.get(i)!);
  return out;
}

function isObject(v: LuaValue | undefined, className?: string): v is LuaObject {
  return (
    v !== null &&
    typeof v === 'object' &&
    !(v instanceof LuaTable) &&
    v.kind === 'object' &&
    (className === undefined || v.className === className)
  );
}

export function readGraph(f: Fields): AnyModule {
  const dataOf = (node: LuaValue | undefined, what: string): LuaTable => {
    const data = isObject(node) && node.fields instanceof LuaTable ? node.fields.get('data') : undefined;
    if (!(data instanceof LuaTable)) f.fail(`has ${what} that is not an nngraph.Node with data`);
    return data;
  };
  const forward = listOf(f.raw('forwardnodes')).map((n, i) => dataOf(n, `forwardnodes[${i + 1}]`));
  if (forward.length === 0) f.fail('has no forwardnodes');
  const innode = dataOf(f.raw('innode'), 'an innode');
  const outnode = dataOf(f.raw('outnode'), 'an outnode');
  const source = new Map<LuaTable, number>();
  const inputSplits = new Set<LuaTable>();
  const modules: AnyModule[] = [];
  const parents: number[][] = [];
  let nInputs = f.has('nInputs') ? f.integer('nInputs') : 1;
  const sourceOf = (d: LuaValue, k: number): number => {
    const s = d instanceof LuaTable ? source.get(d) : undefined;
    if (s === undefined) f.fail(`has forwardnodes[${k + 1}] fed by a node that comes later or is not in the graph`);
    return s;
  };
  const addNode = (m: AnyModule, from: number[], d: LuaTable) => {
    source.set(d, modules.length);
    modules.push(m);
    parents.push(from);
  };
  forward.forEach((d, k) => {
    if (d === outnode) return;
    const inputs = listOf(d.get('mapindex'));
    const luaModule = d.get('module');
    const split = d.get('nSplitOutputs');
    const select = d.get('selectindex');
    if (d === innode) {
      if (typeof split !== 'number') source.set(d, -1);
      return;
    }
    if (luaModule === undefined && typeof split === 'number') {
      // the split of several graph inputs; or a node's split(n) of a table, picked by its select nodes
      if (inputs[0] === innode) {
        inputSplits.add(d);
        if (!f.has('nInputs')) nInputs = split;
      } else source.set(d, sourceOf(inputs[0], k));
      return;
    }
    if (luaModule === undefined && typeof select === 'number') {
      if (inputs[0] instanceof LuaTable && inputSplits.has(inputs[0])) source.set(d, -select);
      else addNode(new nn.SelectTable(select), [sourceOf(inputs[0], k)], d);
      return;
    }
    if (luaModule === undefined) {
      if (inputs.length !== 1) f.fail(`has forwardnodes[${k + 1}] without a module and with ${inputs.length} inputs`);
      source.set(d, sourceOf(inputs[0], k));
      return;
    }
    const m = f.value(luaModule, `${f.path}.forwardnodes[${k + 1}].data.module`);
    if (!(m instanceof Module))
      return f.fail(
        `has forwardnodes[${k + 1}] holding a ${isObject(luaModule) ? luaModule.className : 'value'}, not an nn module nodetorch has`,
      );
    const from = inputs.map((p) => sourceOf(p, k));
    // nngraph's graph inputs are conventionally nn.Identity()() nodes: they are the inputs themselves
    if (m instanceof nn.Identity && from.length === 1 && from[0] < 0) source.set(d, from[0]);
    else addNode(m as AnyModule, from, d);
  });
  const outputs = listOf(outnode.get('mapindex')).map((d) => sourceOf(d, forward.length - 1));
  if (outputs.length === 0) f.fail('has an outnode with no inputs');
  const g = new nn.gModule(nInputs, parents, outputs);
  const withWeights = modules.find((m) => m.numParameters() > 0);
  g.to(withWeights?.dtype ?? 'float64');
  modules.forEach((m) => g.add(m));
  return g;
}

/** What a graph's fields are in nngraph, for a nodetorch gModule. */
export function writeGraph(g: nn.gModule<Value, Value>, ctx: WriteContext): Written {
  const [nInputs, parents, outputs] = g.spec().args as [number, number[][], number[]];
  const modules = g.modules;
  type Data = Record<string, unknown>;
  const mapindex = (inputs: Data[]) =>
    new Map<unknown, unknown>([...inputs.map((d, i) => [i + 1, d] as const), ...inputs.map((d, i) => [d, i + 1] as const)]);
  const node = (fields: Data): Data => ({ annotations: {}, ...fields });
  const innode = node({ input: [] });
  const inputNodes: Data[] = [];
  if (nInputs === 1) inputNodes.push(node({ module: ctx.sub('nn.Identity', {}), mapindex: mapindex([innode]) }));
  else {
    const split = node({ nSplitOutputs: nInputs, mapindex: mapindex([innode]) });
    for (let i = 1; i <= nInputs; i++) {
      const select = node({ selectindex: i, input: [], mapindex: mapindex([split]) });
      inputNodes.push(node({ module: ctx.sub('nn.Identity', {}), mapindex: mapindex([select]) }));
    }
  }
  const moduleNodes: Data[] = [];
  const dataOf = (p: number) => (p < 0 ? inputNodes[-1 - p] : moduleNodes[p]);
  const once = (list: number[], what: string) => {
    if (new Set(list).size !== list.length)
      throw new TorchError(
        `torch7.save: the graph's ${what} takes one value twice, which nngraph cannot hold (insert an nn.Identity node)`,
      );
  };
  modules.forEach((m, k) => {
    once(parents[k], `node ${k + 1}`);
    moduleNodes.push(node({ module: m, mapindex: mapindex(parents[k].map(dataOf)) }));
  });
  once(outputs, 'output list');
  const outnode = node({ input: [], mapindex: mapindex(outputs.map(dataOf)) });

  // the backward graph: nodes whose children are their inputs, found breadth first from outnode
  const bg = buildGraph(outnode, (d) => inputsOf(d));
  // the forward graph: the same data, children are the consumers (bg's edges reversed)
  const fg = reverseGraph(bg);
  const forwardnodes = topologicalOrder(fg.nodeOf.get(outnode)!, (n) => fg.inputs.get(n) ?? []);
  const backwardnodes = topologicalOrder(fg.nodeOf.get(innode)!, (n) => fg.childrenOf.get(n) ?? []).map((n) =>
    bg.nodeOf.get(dataOfNode(n))!,
  );
  forwardnodes.forEach((n) => (dataOfNode(n).forwardNodeId = (n.fields as Data).id));
  return {
    nInputs,
    verbose: false,
    innode: fg.nodeOf.get(innode),
    outnode: bg.nodeOf.get(outnode),
    fg: fg.graph,
    bg: bg.graph,
    forwardnodes,
    backwardnodes,
    modules: forwardnodes.map((n) => dataOfNode(n).module).filter((m) => m !== undefined),
  };
}

function inputsOf(d: Record<string, unknown>): Record<string, unknown>[] {
  const m = d.mapindex as Map<unknown, unknown> | undefined;
  const out: Record<string, unknown>[] = [];
  for (let i = 1; m?.has(i); i++) out.push(m.get(i) as Record<string, unknown>);
  return out;
}

function dataOfNode(n: Torch7Object): Record<string, unknown> {
  return (n.fields as Record<string, unknown>).data as Record<string, unknown>;
}

interface Built {
  graph: Torch7Object;
  nodeOf: Map<Record<string, unknown>, Torch7Object>;
  edges: [Torch7Object, Torch7Object][];
}

/** A graph.Graph: nodes and edges in the order graph.lua adds them (ids = place in nodes). */
function makeGraph(edges: [Torch7Object, Torch7Object][]): Torch7Object {
  const nodes: Torch7Object[] = [];
  const edgeObjects: Torch7Object[] = [];
  for (const [from, to] of edges) {
    edgeObjects.push(new Torch7Object('graph.Edge', { from, to }));
    for (const n of [from, to]) {
      if (!nodes.includes(n)) {
        nodes.push(n);
        (n.fields as Record<string, unknown>).id = nodes.length;
      }
      const children = (from.fields as Record<string, unknown>).children as Map<unknown, unknown>;
      if (n === to && !children.has(to)) {
        const i = [...children.keys()].filter((k) => typeof k === 'number').length + 1;
        children.set(i, to);
        children.set(to, i);
      }
    }
  }
  const indexed = <T>(list: T[]) =>
    new Map<unknown, unknown>([...list.map((v, i) => [i + 1, v] as const), ...list.map((v, i) => [v, i + 1] as const)]);
  return new Torch7Object('graph.Graph', { nodes: indexed(nodes), edges: indexed(edgeObjects) });
}

function newNode(data: Record<string, unknown>): Torch7Object {
  return new Torch7Object('nngraph.Node', { data, id: 0, children: new Map(), visited: false, marked: false });
}

function buildGraph(root: Record<string, unknown>, next: (d: Record<string, unknown>) => Record<string, unknown>[]): Built {
  const nodeOf = new Map<Record<string, unknown>, Torch7Object>([[root, newNode(root)]]);
  const edges: [Torch7Object, Torch7Object][] = [];
  const queue = [root];
  while (queue.length > 0) {
    const d = queue.shift()!;
    for (const child of next(d)) {
      if (!nodeOf.has(child)) {
        nodeOf.set(child, newNode(child));
        queue.push(child);
      }
      edges.push([nodeOf.get(d)!, nodeOf.get(child)!]);
    }
  }
  return { graph: makeGraph(edges), nodeOf, edges };
}

function reverseGraph(bg: Built): Built & { inputs: Map<Torch7Object, Torch7Object[]>; childrenOf: Map<Torch7Object, Torch7Object[]> } {
  const nodeOf = new Map<Record<string, unknown>, Torch7Object>();
  const get = (n: Torch7Object) => {
    const d = dataOfNode(n);
    if (!nodeOf.has(d)) nodeOf.set(d, newNode(d));
    return nodeOf.get(d)!;
  };
  const edges = bg.edges.map(([from, to]) => [get(to), get(from)] as [Torch7Object, Torch7Object]);
  const inputs = new Map<Torch7Object, Torch7Object[]>();
  const childrenOf = new Map<Torch7Object, Torch7Object[]>();
  for (const [from, to] of edges) {
    if (!(inputs.get(to) ?? []).includes(from)) inputs.set(to, [...(inputs.get(to) ?? []), from]);
    if (!(childrenOf.get(from) ?? []).includes(to)) childrenOf.set(from, [...(childrenOf.get(from) ?? []), to]);
  }
  // a node's inputs in its mapindex order (the forward order of its arguments)
  for (const [n, list] of inputs) {
    const order = inputsOf(dataOfNode(n));
    list.sort((a, b) => order.indexOf(dataOfNode(a)) - order.indexOf(dataOfNode(b)));
  }
  return { graph: makeGraph(edges), nodeOf, edges, inputs, childrenOf };
}

/** Depth-first post-order from `root` along `next`: every node after the nodes it reaches. */
function topologicalOrder(root: Torch7Object, next: (n: Torch7Object) => Torch7Object[]): Torch7Object[] {
  const order: Torch7Object[] = [];
  const seen = new Set<Torch7Object>([root]);
  const stack: [Torch7Object, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const children = next(top[0]);
    if (top[1] < children.length) {
      const child = children[top[1]++];
      if (!seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}
