/**
 * nn modules between Torch7 objects and nodetorch modules: the class's codec (codecs.ts) gives the
 * constructor's arguments; here the parameters and buffers are copied, the dtype and training mode
 * kept, containers filled, and nngraph's gModule rebuilt (graph.ts).
 */
import { TorchError } from '../errors';
import * as nn from './nn-classes';
import { Container } from '../nn/Container';
import { Module, Value } from '../nn/Module';
import { CODECS, Codec, WriteContext, Written } from './codecs';
import { Convert, Fields } from './fields';
import { readGraph, writeGraph } from './graph';
import { LuaObject, LuaTable, LuaTensor, LuaValue } from './lua';
import { Torch7Object } from './values';
import { Torch7TensorData } from './writer';

type AnyModule = Module<Value, Value>;

const BY_CLASS = new Map<string, Codec & { type: string }>(Object.entries(CODECS).map(([type, codec]) => [codec.t7, { ...codec, type }]));

/** The dtype a Torch7 module computes in: its _type, else its weight's or output's element type. */
function dtypeOf(f: Fields): 'float32' | 'float64' | undefined {
  const type = f.raw('_type');
  if (typeof type === 'string') return /Double/.test(type) ? 'float64' : 'float32';
  for (const name of ['weight', 'running_mean', 'output']) {
    const t = f.raw(name);
    if (t && typeof t === 'object' && 'kind' in t && t.kind === 'tensor')
      return (t as LuaTensor).elementType === 'Double' ? 'float64' : 'float32';
  }
  return undefined;
}

/** Reads the nn objects of one file as modules; other classes give undefined. */
export function moduleReader(file: string, root: LuaValue): (object: LuaObject, path: string, convert: Convert) => unknown {
  const planes = inferPlanes(root);
  const inProgress = new Set<LuaObject>();
  return (object, path, convert) => {
    const f = new Fields(object, convert, path, file, planes.get(object));
    if (object.className === 'nn.gModule') return guard(object, () => withMode(readGraph(f), f));
    const codec = BY_CLASS.get(object.className);
    if (!codec) return undefined;
    return guard(object, () => readModule(codec, f));
  };
  function guard(object: LuaObject, read: () => AnyModule): AnyModule {
    if (inProgress.has(object))
      throw new TorchError(`torch7.load: '${file}': a ${object.className} contains itself`, { code: 'CORRUPT_FILE' });
    inProgress.add(object);
    try {
      return read();
    } finally {
      inProgress.delete(object);
    }
  }
}

function readModule(codec: Codec, f: Fields): AnyModule {
  const m = codec.read(f);
  const dtype = dtypeOf(f);
  if (m instanceof Container) {
    const children = f.modules();
    const childType = children.find((c) => c.numParameters() > 0)?.dtype;
    m.to(childType ?? dtype ?? 'float64');
    children.forEach((c) => m.add(c));
  } else {
    m.to(dtype ?? 'float64');
    copyState(m, f, codec);
  }
  return withMode(m, f);
}

/** Evaluation mode where Torch7's module was evaluating (train false). */
function withMode(m: AnyModule, f: Fields): AnyModule {
  if (f.raw('train') === false) m.evaluate();
  return m;
}

/** Copies the file's weights and running statistics into the module's (same element order). */
export function copyState(m: AnyModule, f: Fields, codec?: Pick<Codec, 't7Shape'>): void {
  const own = [...m.namedParameters().map(([n, t]) => [n, t, false] as const), ...m.namedBuffers().map(([n, t]) => [n, t, true] as const)];
  try {
    for (const [name, target, isBuffer] of own) {
      // Torch7 keeps no count of batches (nodetorch writes one beside its fields)
      if (name === 'num_batches_tracked' && !f.has(name)) continue;
      let source = f.tensor(name, true);
      if (!source && name === 'running_var' && f.has('running_std')) {
        // BatchNormalization files before version 2 keep 1/sqrt(var + eps)
        const std = f.tensor('running_std');
        source = std.pow(-2).sub(f.number('eps', 1e-5));
      }
      if (!source) {
        if (name === 'bias' && !isBuffer) {
          // Torch7's noBias() left the field nil: the module loses its bias too (a zero one where it has no noBias)
          const noBias = (m as unknown as { noBias?: () => unknown }).noBias;
          if (typeof noBias === 'function') noBias.call(m);
          else target.zero();
          continue;
        }
        f.fail(`has no tensor '${name}'`);
      }
      const expected = codec?.t7Shape?.(name, target.shape) ?? target.shape;
      if (source.numel !== target.numel) f.fail(`has a '${name}' of shape [${source.shape}]; expected [${expected}]`);
      const shaped = source.reshape(target.shape);
      target.copy(shaped);
      shaped.dispose();
    }
  } finally {
    own.forEach(([, t]) => t.dispose());
  }
}

/** Where a SpatialLPPooling keeps no plane count, the count the modules before it in its container give. */
function inferPlanes(root: LuaValue): Map<LuaObject, number> {
  const found = new Map<LuaObject, number>();
  const seen = new Set<unknown>();
  const stack: LuaValue[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof LuaTable) {
      v.entries.forEach((value, key) => stack.push(key, value));
      continue;
    }
    if (v.kind !== 'object') continue;
    stack.push(v.fields);
    const modules = v.fields instanceof LuaTable ? v.fields.get('modules') : undefined;
    if (!(modules instanceof LuaTable)) continue;
    let planes: number | undefined;
    for (let i = 1; modules.get(i) !== undefined; i++) {
      const m = modules.get(i);
      if (m === null || typeof m !== 'object' || !('kind' in m) || m.kind !== 'object' || !(m.fields instanceof LuaTable)) continue;
      const out = m.fields.get('nOutputPlane');
      const mean = m.fields.get('running_mean');
      if (typeof out === 'number') planes = out;
      else if (mean && typeof mean === 'object' && 'kind' in mean && mean.kind === 'tensor') planes = mean.sizes.reduce((a, b) => a * b, 1);
      if (m.className === 'nn.SpatialLPPooling' && planes !== undefined) found.set(m, planes);
    }
  }
  return found;
}

/** Writes nodetorch modules as Torch7 objects with the fields torch/nn's code uses. */
export function moduleWriter(): (value: object, path: string) => unknown {
  const written = new Map<AnyModule, Torch7Object>();
  return (value, path) => {
    if (!(value instanceof Module)) return undefined;
    return writeModule(value as AnyModule, path, written);
  };
}

function writeModule(m: AnyModule, path: string, written: Map<AnyModule, Torch7Object>): Torch7Object {
  const known = written.get(m);
  if (known) return known;
  const spec = m.spec();
  const codec = CODECS[spec.type];
  if (!codec && spec.type !== 'gModule') throw new TorchError(`torch7.save: ${path} is an nn.${spec.type}, which has no Torch7 form`);
  // float16 and bfloat16 modules are written as Float: Torch7's nn ran no 16-bit modules on the CPU
  const element = m.dtype === 'float64' ? 'Double' : 'Float';
  const empty = () => new Torch7TensorData(element, [0], m.dtype === 'float64' ? new Float64Array(0) : new Float32Array(0));
  const common = (fields: Written, train: boolean): Written => ({
    output: empty(),
    gradInput: empty(),
    _type: m.dtype === 'float64' ? 'torch.DoubleTensor' : 'torch.FloatTensor',
    train,
    ...fields,
  });
  const ctx: WriteContext = {
    sub: (className, fields, params = {}) => {
      const grads = Object.fromEntries(
        Object.entries(params).map(([n, t]) => [
          `grad${n[0].toUpperCase()}${n.slice(1)}`,
          new Torch7TensorData(element, t.sizes, new (m.dtype === 'float64' ? Float64Array : Float32Array)(t.data.length)),
        ]),
      );
      return new Torch7Object(className, common({ ...fields, ...params, ...grads }, m.train));
    },
    tensor: (values, shape) =>
      new Torch7TensorData(element, shape, m.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values)),
    longStorage: (values) =>
      new Torch7TensorData(
        'Long',
        [values.length],
        BigInt64Array.from(values, (v) => BigInt(v)),
        true,
      ),
  };
  const object = new Torch7Object(codec ? (codec.writeClass?.(spec.args as unknown[]) ?? codec.t7) : 'nn.gModule', {}, codec?.version ?? 1);
  written.set(m, object);
  if (!codec) {
    object.fields = common(writeGraph(m as nn.gModule<Value, Value>, ctx), m.train);
    return object;
  }
  const fields = common(codec.write(spec.args as unknown[], ctx, m), m.train);
  if (m instanceof Container) fields.modules = [...m.modules];
  for (const [name, t] of [...m.namedParameters(), ...m.namedBuffers()]) {
    if (m instanceof Container) {
      t.dispose();
      continue;
    }
    if (name === 'num_batches_tracked') {
      // not Torch7's (it keeps no count): read back by nodetorch, ignored by Torch7
      fields[name] = new Torch7TensorData('Long', [], t.data() as BigInt64Array);
      t.dispose();
      continue;
    }
    const shape = codec.t7Shape?.(name, t.shape) ?? t.shape;
    const data = t.data() as Float64Array | Float32Array;
    fields[name] = new Torch7TensorData(element, shape, data);
    if (name === 'weight' || name === 'bias')
      fields[`grad${name[0].toUpperCase()}${name.slice(1)}`] = new Torch7TensorData(
        element,
        shape,
        new (data.constructor as Float64ArrayConstructor)(data.length),
      );
    t.dispose();
  }
  object.fields = fields;
  return object;
}
