/**
 * Saving and loading modules: a JSON description plus the parameter tensors, in one file
 * written atomically (temporary file + rename) with a digest that loading checks.
 */
import { TorchError } from '../errors';
import { NativeTensor, native } from '../native';
import { FLOAT_DTYPES, FloatDType, Tensor, isFloatDtype } from '../tensor';
import { FILE_FORMAT_VERSION, readArchive, writeArchive } from '../util/archive';
import { isTorch7File, load as loadTorch7 } from '../torch7/load';
import { checkFileName, describe, invalid } from '../validate';
import { MAX_NESTING, Module, ModuleSpec, Value } from './Module';
import { Criterion } from './criteria';

type ModuleClass = new (...args: never[]) => Module<Value, Value>;
const types = new Map<string, ModuleClass>();

/** @internal Registers the module classes nn.load rebuilds, by their Torch7 type names. */
export function registerNativeModules(classes: Record<string, ModuleClass>): void {
  for (const [type, moduleClass] of Object.entries(classes)) types.set(type, moduleClass);
}

/** Module classes written in TypeScript that nn.save writes and nn.load rebuilds, by class name. */
const typescriptTypes = new Map<string, ModuleClass>();

/**
 * Lets nn.save write models holding these TypeScript module classes, and nn.load rebuild them:
 * `nn.registerModules({ Residual })`. nn.load calls `new Residual(...args)` with the arguments the
 * instance passed to `super({ args })`, then loads the saved parameters into it.
 */
export function registerModules(classes: Record<string, ModuleClass>): void {
  if (typeof classes !== 'object' || classes === null)
    throw new TorchError('nn.registerModules takes an object of classes: nn.registerModules({ Residual })');
  for (const [name, moduleClass] of Object.entries(classes)) {
    if (typeof moduleClass !== 'function' || !(moduleClass.prototype instanceof Module))
      throw new TorchError(`nn.registerModules: '${name}' is not a class that extends nn.Module`);
    if (moduleClass.name !== name)
      throw new TorchError(
        `nn.registerModules: the class registered as '${name}' is named '${moduleClass.name}'; register it under its own name ({ ${moduleClass.name} })`,
      );
    typescriptTypes.set(name, moduleClass);
  }
}

/**
 * Reads a spec written in an older format as the current one. Version 1 stored SoftMax's beta
 * bare and SpatialSubtractiveNormalization's kernel as its row count followed by the values.
 */
export function upgradeSpec(spec: ModuleSpec, version: number): ModuleSpec {
  if (version >= 2) return spec;
  let args = spec.args;
  if (spec.type === 'SoftMax') args = [{ beta: spec.args[0] as number }];
  if (spec.type === 'SpatialSubtractiveNormalization') {
    const [nInputPlane, rows, ...flat] = spec.args as number[];
    const cols = flat.length / rows;
    args = [nInputPlane, rows === 1 ? flat : Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols))];
  }
  const children = spec.children?.map((c) => upgradeSpec(c, version));
  return { ...spec, args, ...(children ? { children } : {}) };
}

function build(spec: ModuleSpec): Module<Value, Value> {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string' || !Array.isArray(spec.args)) {
    throw new TorchError(`nn.load: the file describes a module as ${JSON.stringify(spec)?.slice(0, 80)}; expected { type, args }`);
  }
  if (spec.typescript) {
    const moduleClass = typescriptTypes.get(spec.type);
    if (!moduleClass)
      throw new TorchError(
        `nn.load: the file holds ${spec.type}, a module written in TypeScript; register its class first: nn.registerModules({ ${spec.type} })`,
      );
    let m: Module<Value, Value>;
    try {
      m = new moduleClass(...(spec.args as never[]));
    } catch (e) {
      const missing = spec.args.length === 0 && moduleClass.length > 0 ? argsMissing(spec.type, moduleClass.length) : '';
      throw new TorchError(
        `nn.load: new ${spec.type}(${spec.args.map((a) => JSON.stringify(a)).join(', ')}) failed: ${(e as Error).message}${missing}`,
        {
          cause: e,
        },
      );
    }
    // its constructor builds its children: they must be the ones saved
    if (JSON.stringify(m.spec()) !== JSON.stringify(spec))
      throw new TorchError(
        `nn.load: new ${spec.type}(${spec.args.map((a) => JSON.stringify(a)).join(', ')}) builds a different structure than the one saved`,
      );
    return m;
  }
  const moduleClass = types.get(spec.type);
  if (!moduleClass) throw new TorchError(`nn.load: unknown module type '${spec.type}' in the file`);
  const m = new moduleClass(...(spec.args as never[]));
  if (spec.noBias) {
    const noBias = (m as unknown as { noBias?: () => unknown }).noBias;
    if (typeof noBias !== 'function')
      throw new TorchError(`nn.load: the file says a ${spec.type} has no bias, but a ${spec.type} has none to remove`);
    noBias.call(m);
  }
  if (spec.children !== undefined) {
    const add = (m as unknown as { add?: (c: Module<Value, Value>) => unknown }).add;
    if (typeof add !== 'function')
      throw new TorchError(`nn.load: the file gives a ${spec.type} children, but a ${spec.type} holds no modules`);
    if (!Array.isArray(spec.children))
      throw new TorchError(`nn.load: the file gives a ${spec.type} children that are not a list`, { code: 'CORRUPT_FILE' });
    spec.children.forEach((c) => add.call(m, build(c)));
  }
  return m;
}

/** Refuses a description nested deeper than containers may be (before recursing into it). */
export function checkNesting(spec: ModuleSpec, file: string): void {
  const stack: [ModuleSpec, number][] = [[spec, 1]];
  while (stack.length > 0) {
    const [s, depth] = stack.pop()!;
    if (depth > MAX_NESTING) throw new TorchError(`'${file}' nests containers more than ${MAX_NESTING} deep`);
    if (Array.isArray(s?.children)) s.children.forEach((c) => stack.push([c, depth + 1]));
  }
}

/** Why nn.load could not call `new Type()` for a module that gave super() no arguments. */
const argsMissing = (type: string, count: number) =>
  ` (its constructor takes ${count} argument(s) but it called super() without them: call super({ args: [the constructor's arguments] }) so that nn.load can call new ${type}(...args))`;

/** Why nn.load could not rebuild the first module written in TypeScript in a spec that it could not, if any. */
function unloadableTypescript(spec: ModuleSpec): string | undefined {
  if (spec.typescript) {
    const moduleClass = typescriptTypes.get(spec.type);
    if (!moduleClass)
      return `${spec.type} is a module written in TypeScript whose class is not registered: call nn.registerModules({ ${spec.type} }) so that nn.load can rebuild it (or save its parameters with nn.saveStateDict)`;
    if (spec.args.length === 0 && moduleClass.length > 0)
      return `${spec.type} cannot be rebuilt by nn.load${argsMissing(spec.type, moduleClass.length)}`;
  }
  for (const c of spec.children ?? []) {
    const found = unloadableTypescript(c);
    if (found) return found;
  }
  return undefined;
}

/** Writes a module (structure, dtype and parameters) to a file, atomically. */
export function save(file: string, module: Module<Value, Value>): void {
  checkFileName(file, 'nn.save file');
  if (!(module instanceof Module)) {
    // a criterion holds no parameters: the code that builds it is its whole state
    const hint = (module as unknown) instanceof Criterion ? ' (criteria have no parameters to save: construct them again)' : '';
    invalid(`an nn module${hint}`, 'nn.save module', module);
  }
  module.refuseWhileTraining('nn.save');
  const spec = module.spec();
  const unloadable = unloadableTypescript(spec);
  if (unloadable) throw new TorchError(`nn.save: ${unloadable}`);
  const [params, grads] = module.parameters();
  grads.forEach((g) => g.dispose());
  // the buffers (running statistics) follow the parameters, as many as `buffers` says
  const buffers = module.namedBuffers().map(([, t]) => t);
  const description = JSON.stringify({
    format: 'nodetorch-module',
    version: FILE_FORMAT_VERSION,
    dtype: module.dtype,
    buffers: buffers.length,
    module: spec,
  });
  try {
    writeArchive(
      file,
      description,
      [...params, ...buffers].map((p) => p.handle),
    );
  } finally {
    params.forEach((p) => p.dispose());
    buffers.forEach((b) => b.dispose());
  }
}

/**
 * Reads a module written by nn.save (it comes back on the CPU with the saved dtype), or a Torch7
 * model file (torch.save of an nn module, as the study's model.net) through torch7.load.
 */
export function load<M extends Module<Value, Value> = Module>(file: string): M {
  checkFileName(file, 'nn.load file');
  if (isTorch7File(file)) {
    const value = loadTorch7(file);
    if (!(value instanceof Module))
      throw new TorchError(`nn.load: '${file}' is a Torch7 file holding ${describe(value)}, not an nn module`);
    return value as M;
  }
  const { description, tensors } = readArchive<{
    format: string;
    version: number;
    dtype: FloatDType;
    buffers?: number;
    module: ModuleSpec;
  }>(file, 'nn.load', 'nodetorch-module');
  try {
    checkNesting(description.module, file);
    if (!isFloatDtype(description.dtype)) {
      throw new TorchError(
        `nn.load: '${file}' gives the dtype ${JSON.stringify(description.dtype)}; expected one of ${FLOAT_DTYPES.join(', ')}`,
        {
          code: 'CORRUPT_FILE',
        },
      );
    }
    const module = build(upgradeSpec(description.module, description.version));
    module.to(description.dtype);
    const saved = description.buffers ?? 0; // files before buffers hold parameters only
    if (!Number.isInteger(saved) || saved < 0 || saved > tensors.length)
      throw new TorchError(`nn.load: '${file}' is damaged: it counts ${JSON.stringify(saved)} buffers`, { code: 'CORRUPT_FILE' });
    native().moduleSetParameters(module.handle, tensors.slice(0, tensors.length - saved));
    restoreBuffers(module, tensors.slice(tensors.length - saved), `nn.load: '${file}'`);
    return module as M;
  } finally {
    tensors.forEach((t) => new Tensor(t).dispose());
  }
}

/** Copies saved buffers into the module's (same count, shapes and kinds), or throws naming the first that differs. */
export function restoreBuffers(module: Module<Value, Value>, saved: NativeTensor[], what: string): void {
  const buffers = module.namedBuffers();
  try {
    if (buffers.length !== saved.length) throw new TorchError(`${what} holds ${saved.length} buffers but the model has ${buffers.length}`);
    buffers.forEach(([name, target], k) => {
      const shape = native().shape(saved[k]);
      if (shape.join() !== target.shape.join())
        throw new TorchError(`${what}: buffer '${name}' has shape [${shape.join(', ')}] but [${target.shape.join(', ')}] in the model`, {
          code: 'SHAPE_MISMATCH',
        });
    });
    buffers.forEach(([, target], k) => target.copy(new Tensor(saved[k])));
  } finally {
    buffers.forEach(([, t]) => t.dispose());
  }
}
