import { TorchError } from '../errors';
import { native } from '../native';
import { checkInteger } from '../validate';
import { Module, ModuleSpec } from './Module';

/**
 * A chain of modules; forward and backward run the whole chain natively in LibTorch.
 *
 * @example const net = new nn.Sequential().add(new nn.Linear(4, 8)).add(new nn.Tanh()).add(new nn.Linear(8, 2));
 */
export class Sequential extends Module {
  readonly modules: Module[] = [];

  constructor() {
    super('Sequential', []);
  }

  /** Appends a module (shared, not copied). Returns this, for chaining. */
  add(module: Module): this {
    if (!(module instanceof Module)) throw new TorchError(`Expected an nn module for Sequential.add but received ${String(module)}`);
    if (module === this) throw new TorchError('Sequential.add: a container cannot contain itself');
    native().sequentialAdd(this.handle, module.handle);
    this.modules.push(module);
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

  override toString(): string {
    return `nn.Sequential {\n${this.modules.map((m, i) => `  (${i + 1}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n')}\n}`;
  }
}
