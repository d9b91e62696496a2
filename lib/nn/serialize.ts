/**
 * Saving and loading modules: a JSON description plus the parameter tensors, in one file
 * written atomically (temporary file + rename).
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { Tensor } from '../tensor';
import { readArchive, writeArchive } from '../util/archive';
import { Module, ModuleSpec } from './Module';

type Factory = (args: number[]) => Module;
const factories = new Map<string, Factory>();

/** @internal Registers how to rebuild a module type from its spec. */
export function registerModule(type: string, factory: Factory): void {
  factories.set(type, factory);
}

function build(spec: ModuleSpec): Module {
  const factory = factories.get(spec.type);
  if (!factory) throw new TorchError(`nn.load: unknown module type '${spec.type}' in the file`);
  const m = factory(spec.args);
  if (spec.children) {
    const add = (m as unknown as { add(c: Module): unknown }).add.bind(m);
    spec.children.forEach((c) => add(build(c)));
  }
  return m;
}

/** Writes a module (structure, dtype and parameters) to a file, atomically. */
export function save(file: string, module: Module): void {
  if (!(module instanceof Module)) throw new TorchError(`Expected an nn module for nn.save but received ${String(module)}`);
  const [params] = module.parameters();
  const description = JSON.stringify({ format: 'nodetorch-module', version: 1, dtype: module.dtype, module: module.spec() });
  try {
    writeArchive(file, description, params.map((p) => p.handle));
  } finally {
    params.forEach((p) => p.dispose());
  }
}

/** Reads a module written by nn.save; it comes back on the CPU with the saved dtype. */
export function load(file: string): Module {
  const { json, tensors } = readArchive(file, 'nn.load');
  const description = JSON.parse(json) as { format: string; dtype: 'float32' | 'float64'; module: ModuleSpec };
  if (description.format !== 'nodetorch-module') throw new TorchError(`nn.load: '${file}' is not a nodetorch module file`);
  const module = build(description.module);
  module.to(description.dtype);
  native().moduleSetParameters(module.handle, tensors);
  tensors.forEach((t) => new Tensor(t).dispose());
  return module;
}
