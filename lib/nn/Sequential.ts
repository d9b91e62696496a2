import { TorchError } from '../errors';
import { native } from '../native';
import { checkInteger, describe } from '../validate';
import { Tensor } from '../tensor';
import { MAX_NESTING, Module, ModuleSpec } from './Module';
import type { SummaryRow } from './summary';

/** The containers each module was added to (a module may be shared by several). */
const parents = new WeakMap<Module, Set<Sequential>>();

/** Every container that holds `m`, directly or through others. */
function ancestors(m: Module): Set<Module> {
  const found = new Set<Module>();
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
function levelsAbove(m: Module, memo = new Map<Module, number>()): number {
  let most = memo.get(m);
  if (most !== undefined) return most;
  most = 0;
  for (const p of parents.get(m) ?? []) most = Math.max(most, 1 + levelsAbove(p, memo));
  memo.set(m, most);
  return most;
}

/** Levels from `m` down to its deepest module, `m` included. */
function height(m: Module, memo = new Map<Module, number>()): number {
  let h = memo.get(m);
  if (h !== undefined) return h;
  h = 1 + (m instanceof Sequential ? m.modules.reduce((most, c) => Math.max(most, height(c, memo)), 0) : 0);
  memo.set(m, h);
  return h;
}

/**
 * A chain of modules; forward and backward run the whole chain natively in LibTorch.
 *
 * @example const net = new nn.Sequential().add(new nn.Linear(4, 8)).add(new nn.Tanh()).add(new nn.Linear(8, 2));
 */
export class Sequential extends Module {
  readonly modules: Module[] = [];

  /** `new nn.Sequential(a, b, c)` adds the modules in order, as PyTorch's; Torch7's form adds them with add(). */
  constructor(...modules: Module[]) {
    super('Sequential', []);
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TorchError(`Expected nn modules for new nn.Sequential(...modules) but argument ${i + 1} is ${describe(m)}`);
      this.add(m);
    });
  }

  /**
   * Appends a module (shared, not copied). Returns this, for chaining. A container cannot contain
   * itself, directly or through others, and containers nest at most MAX_NESTING (1000) deep.
   */
  add(module: Module): this {
    if (!(module instanceof Module)) throw new TorchError(`Expected an nn module for Sequential.add but received ${String(module)}`);
    if (module === this || ancestors(this).has(module)) throw new TorchError('Sequential.add: a container cannot contain itself (this would make a cycle)');
    const depth = levelsAbove(this) + 1 + height(module);
    if (depth > MAX_NESTING) throw new TorchError(`Sequential.add: containers would nest ${depth} deep; at most ${MAX_NESTING} levels are supported`);
    if (this.busy) throw new TorchError('Sequential.add: the container is being trained by a running pass; wait for it to finish');
    native().sequentialAdd(this.handle, module.handle);
    this.modules.push(module);
    if (!parents.has(module)) parents.set(module, new Set());
    parents.get(module)!.add(this);
    if (module.dtype !== this.dtype || module.device !== this.device) module.to(this.dtype).to(this.device);
    return this;
  }

  /** The i-th module, 1-based as in Torch7. */
  get(i: number): Module {
    checkInteger(i, 'Sequential.get(index) (1-based)', 1, Math.max(1, this.modules.length));
    if (i > this.modules.length) throw new TorchError(`Sequential.get: index ${i} but the container is empty`);
    return this.modules[i - 1];
  }

  /** Number of modules. */
  size(): number {
    return this.modules.length;
  }

  override spec(): ModuleSpec {
    return { type: 'Sequential', args: [], children: this.modules.map((m) => m.spec()) };
  }

  protected override forEachChild(fn: (child: Module) => void): void {
    this.modules.forEach(fn);
  }

  /** @internal Its own row, then its modules' rows, each fed the previous output. */
  override describe(input: Tensor, depth: number): [SummaryRow[], Tensor] {
    const rows: SummaryRow[] = [];
    let x = input;
    for (const m of this.modules) {
      const [inner, output] = m.describe(x, depth + 1);
      rows.push(...inner);
      x = output;
    }
    return [[{ depth, module: 'nn.Sequential', outputShape: x.shape, parameters: this.numParameters() }, ...rows], x];
  }

  override toString(): string {
    return `nn.Sequential {\n${this.modules.map((m, i) => `  (${i + 1}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n')}\n}`;
  }
}
