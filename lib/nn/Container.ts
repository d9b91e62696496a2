/**
 * Containers: modules that hold others (Sequential, Concat, ConcatTable, ParallelTable). Their
 * parameters are their modules' in order; forward runs natively over the whole tree.
 */
import { TorchError } from '../errors';
import { native } from '../native';
import { checkInteger, describe } from '../validate';
import { Tensor } from '../tensor';
import { MAX_NESTING, Module, ModuleArg, ModuleSpec, NativeOptions, Value, shapeOf } from './Module';
import type { SummaryRow } from './summary';

/** Any module, whatever its input and output. */
export type AnyModule = Module<Value, Value>;

/** The containers each module was added to (a module may be shared by several). */
const parents = new WeakMap<AnyModule, Set<Container<Value, Value>>>();

/** Every container that holds `m`, directly or through others. */
function ancestors(m: AnyModule): Set<AnyModule> {
  const found = new Set<AnyModule>();
  const stack = [m];
  while (stack.length > 0) {
    for (const p of parents.get(stack.pop()!) ?? []) {
      if (!found.has(p)) {
        found.add(p);
        stack.push(p);
      }
    }
  }
  return found;
}

/** The most containers above `m` on any path. */
function levelsAbove(m: AnyModule, memo = new Map<AnyModule, number>()): number {
  let most = memo.get(m);
  if (most !== undefined) return most;
  most = 0;
  for (const p of parents.get(m) ?? []) most = Math.max(most, 1 + levelsAbove(p, memo));
  memo.set(m, most);
  return most;
}

/** Levels from `m` down to its deepest module, `m` included. */
function height(m: AnyModule, memo = new Map<AnyModule, number>()): number {
  let h = memo.get(m);
  if (h !== undefined) return h;
  h = 1 + (m instanceof Container ? m.modules.reduce((most, c) => Math.max(most, height(c, memo)), 0) : 0);
  memo.set(m, h);
  return h;
}

export abstract class Container<Out extends Value = Tensor, In extends Value = Tensor> extends Module<Out, In> {
  readonly modules: AnyModule[] = [];

  /** `modules` given to the constructor are added in order, as PyTorch's containers. */
  protected constructor(type: string, args: ModuleArg[], options: NativeOptions, modules: unknown[]) {
    super(type, args, options);
    modules.forEach((m, i) => {
      if (!(m instanceof Module))
        throw new TorchError(`Expected nn modules for new nn.${type}(...modules) but argument ${i + 1 + args.length} is ${describe(m)}`);
      this.add(m as AnyModule);
    });
  }

  /**
   * Appends a module (shared, not copied). Returns this, for chaining. A container cannot contain
   * itself, directly or through others, and containers nest at most MAX_NESTING (1000) deep.
   */
  add(module: AnyModule): this {
    const type = this.type;
    if (!(module instanceof Module)) throw new TorchError(`Expected an nn module for ${type}.add but received ${String(module)}`);
    if (module === (this as unknown) || ancestors(this as unknown as AnyModule).has(module))
      throw new TorchError(`${type}.add: a container cannot contain itself (this would make a cycle)`);
    const depth = levelsAbove(this as unknown as AnyModule) + 1 + height(module);
    if (depth > MAX_NESTING)
      throw new TorchError(`${type}.add: containers would nest ${depth} deep; at most ${MAX_NESTING} levels are supported`);
    if (this.busy)
      throw new TorchError(`${type}.add: the container is being trained by a running pass; wait for it to finish`, { code: 'BUSY' });
    native().sequentialAdd(this.handle, module.handle);
    this.modules.push(module);
    if (!parents.has(module)) parents.set(module, new Set());
    parents.get(module)!.add(this as unknown as Container<Value, Value>);
    if (module.dtype !== this.dtype || module.device !== this.device || module.memoryFormat !== this.memoryFormat) {
      module.to({ dtype: this.dtype, device: this.device, memoryFormat: this.memoryFormat });
    }
    return this;
  }

  /**
   * The i-th module, 1-based as in Torch7. Typed as a tensor module unless told
   * (`get<nn.ConcatTable>(2)`): containers hold any module.
   */
  get<M extends AnyModule = Module>(i: number): M {
    checkInteger(i, `${this.type}.get(index) (1-based)`, 1, Math.max(1, this.modules.length));
    if (i > this.modules.length) throw new TorchError(`${this.type}.get: index ${i} but the container is empty`);
    return this.modules[i - 1] as M;
  }

  /** Number of modules. */
  size(): number {
    return this.modules.length;
  }

  override spec(): ModuleSpec {
    return { type: this.type, args: this.args, children: this.modules.map((m) => m.spec()) };
  }

  protected override forEachChild(fn: (child: AnyModule) => void): void {
    this.modules.forEach(fn);
  }

  /** @internal The rows of module k run on inputs[k], for every module, and their outputs. */
  protected describeEach(inputs: Value[], depth: number): [SummaryRow[], Value[]] {
    const rows: SummaryRow[] = [];
    const outputs = this.modules.map((m, k) => {
      const [inner, output] = m.describe(inputs[k], depth + 1);
      rows.push(...inner);
      return output;
    });
    return [rows, outputs];
  }

  /** @internal Its own row (for `output`), then its modules' rows. */
  protected containerRows(depth: number, output: Value, rows: SummaryRow[]): [SummaryRow[], Value] {
    return [[{ depth, module: `nn.${this.type}`, ...shapeOf(output), parameters: this.numParameters() }, ...rows], output];
  }

  override toString(): string {
    const args = this.args.length > 0 ? `(${this.args.join(', ')})` : '';
    return `nn.${this.type}${args} {\n${this.modules.map((m, i) => `  (${i + 1}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n')}\n}`;
  }
}
