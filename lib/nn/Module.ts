/**
 * The Torch7 Module contract over a native module: forward, backward (parameter gradients
 * accumulate), zeroGradParameters, updateParameters, parameters, getParameters,
 * training/evaluate, type and device conversion.
 */
import { TorchError } from '../errors';
import { NativeModule, NativeTensor, native } from '../native';
import { Device, FloatDType, Tensor, checkTensor, checkDevice, isFloatDtype } from '../tensor';
import { checkBoolean, checkKeys, checkNumber, checkOneOf, invalid } from '../validate';
import { noGrad } from '../autograd';
import { getModuleDtype, zeros } from '../creation';
import { tidy } from '../memory';
import { ModelSummary, SummaryRow, makeSummary } from './summary';

/** A constructor argument as a module file stores it (JSON). */
/** How a module's 4-D parameters lie in memory (see Module.to). */
export const MEMORY_FORMATS = ['contiguous', 'channelsLast'] as const;
export type MemoryFormat = (typeof MEMORY_FORMATS)[number];
/** Module.to's options form: any of dtype, device and memory format at once. */
export interface ModuleToOptions {
  dtype?: FloatDType;
  device?: Device;
  memoryFormat?: MemoryFormat;
}

export type ModuleArg = number | boolean | string | number[] | number[][] | { [key: string]: number };

/**
 * What a module file stores to rebuild the module (see nn.save / nn.load): its type and its
 * constructor's arguments, with defaults filled, so that `new Type(...args)` rebuilds it.
 */
export interface ModuleSpec {
  type: string;
  args: ModuleArg[];
  children?: ModuleSpec[];
  /** Torch7's noBias() was called: the module has no bias. */
  noBias?: true;
  /** A module written in TypeScript (its class is code, not data: nn.save cannot write it). */
  typescript?: true;
}

/** How many TypeScript forwards run now, called from native code (inside them, modules a pass trains may be called). */
let nativeCallDepth = 0;
/** How many TypeScript forwards run now, however called: inside them, modules keep their input's graph. */
let typescriptForwardDepth = 0;

/**
 * How deep containers may nest. Every walk over a model (forward in C++, parameters, printing,
 * saving) recurses once per level, so a limit keeps them far from any stack's end.
 */
export const MAX_NESTING = 1000;

/** The named options the native module reads (native/engine/nn_*.cc), validated and complete. */
export type NativeOptions = Record<string, number | boolean | string | number[]>;

/**
 * What flows between modules: a tensor, or a table (Torch7's name for a list) of values. Table
 * modules (ConcatTable, CAddTable, JoinTable…) make and take tables.
 */
export type Value = Tensor | Value[];

/** A node of a graph of modules (see nn.gModule): a module and its parent nodes, or an input (no module). */
export class Node {
  /** @internal */
  constructor(
    readonly module: Module<Value, Value> | null,
    readonly parents: Node[],
  ) {}
}

/** The tensors of a value, depth first. */
export function leaves(value: Value): Tensor[] {
  return value instanceof Tensor ? [value] : value.flatMap(leaves);
}

/** @internal A value whose tensors are checked (not disposed, Tensors at all), for the native call; names the bad entry. */
export function nativeValue(value: unknown, what: string, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (depth > MAX_NESTING) throw new TorchError(`${what} nests tables more than ${MAX_NESTING} deep`);
    return value.map((v, i) => nativeValue(v, `${what}[${i}]`, depth + 1));
  }
  return checkTensor(value, what).handle;
}

/** @internal The native result as a Value of Tensors. */
export function fromNative(value: unknown): Value {
  return Array.isArray(value) ? value.map(fromNative) : new Tensor(value as NativeTensor);
}

/**
 * A module: Torch7's forward/backward on tensors (or tables of them, see Value). `Out` is what
 * forward returns and `In` what it takes: Tensors for all but the table modules (ConcatTable makes
 * a table, CAddTable takes one, ParallelTable both); a Sequential that ends in a table is declared
 * `new nn.Sequential<Value[]>()`.
 */
export abstract class Module<Out extends Value = Tensor, In extends Value = Tensor> {
  /** @internal */
  readonly handle: NativeModule;
  /** The last output of forward() (Torch7's module.output). */
  output: Out | null = null;
  /** The last result of backward() (Torch7's module.gradInput), shaped like the input. */
  gradInput: In | null = null;
  #busy = false;
  #noBias = false;
  #dtype: FloatDType = 'float64';
  #device: Device = 'cpu';
  #memoryFormat: MemoryFormat = 'contiguous';
  /** Torch7's class name (nn.Linear: 'Linear'); a TypeScript module's class name. */
  readonly type: string;
  /** The constructor's arguments, for nn.save and printing (none for a TypeScript module). */
  readonly args: ModuleArg[];
  /** A TypeScript module's registered children, by name; null for native modules. */
  #children: [string, Module<Value, Value>][] | null = null;

  /**
   * Native modules pass their Torch7 `type`, the constructor's `args` (validated, defaults filled)
   * and `options` naming the same values for the native module. A module written in TypeScript
   * calls `super()` with nothing, registers its parts (`register`, `parameter`) and overrides
   * `forward`; inside containers and the Trainer's native loop, its forward runs on the
   * JavaScript thread and records on the same autograd graph.
   */
  constructor(type?: string | { args?: ModuleArg[] }, args: ModuleArg[] = [], options: NativeOptions = {}) {
    this.args = args;
    if (typeof type !== 'string') {
      // a TypeScript module: super(), or super({ args }) with its constructor's arguments for nn.load
      if (type !== undefined && (typeof type !== 'object' || type === null || (type.args !== undefined && !Array.isArray(type.args)))) {
        invalid("nothing, or { args: [the constructor's arguments] }", `super() of ${new.target.name}`, type);
      }
      this.args = type?.args ?? [];
      this.type = new.target.name || 'Module';
      this.#children = [];
      this.handle = native().moduleJsCreate(this.type, (input: unknown) => this.#forwardFromNative(input));
      this.#dtype = getModuleDtype(); // what parameter() and register() convert to
      // the subclass's forward, wrapped: modules it calls keep the graph back to its input
      const own = new.target.prototype.forward as ((input: In) => Out) | undefined;
      if (own && own !== Module.prototype.forward) {
        Object.defineProperty(this, 'forward', {
          value: (input: In): Out => {
            this.#checkRegistered(`${this.type}.forward`);
            typescriptForwardDepth++;
            try {
              return own.call(this, input);
            } finally {
              typescriptForwardDepth--;
            }
          },
          writable: true,
          configurable: true,
        });
      }
      return;
    }
    // a subclass of a native module runs natively inside containers and the Trainer: an override of
    // forward would be ignored there, so it is refused (a TypeScript module extends nn.Module)
    if (new.target.prototype.forward !== Module.prototype.forward) {
      throw new TorchError(
        `${new.target.name} overrides forward of the native nn.${type}, which containers and the Trainer would not call; ` +
          `write it as a TypeScript module instead (class ${new.target.name} extends nn.Module, with the nn.${type} as a registered child)`,
      );
    }
    this.type = type;
    this.handle = native().moduleCreate(type, options);
    const dtype = getModuleDtype();
    if (dtype !== 'float64') {
      // created as float64 natively; not this.to(): a subclass's fields (a container's children) do not exist yet
      native().moduleTo(this.handle, dtype, 'cpu');
      this.#dtype = dtype;
    }
  }

  /**
   * Element type of the parameters: modules start as float64 (Torch7's default tensor type), or
   * as the dtype given to setDefaultDtype before they were created.
   */
  get dtype(): FloatDType {
    return this.#dtype;
  }
  /** Device of the parameters. */
  get device(): Device {
    return this.#device;
  }
  /** How 4-D parameters (convolution weights) lie in memory: 'contiguous' (NCHW) or 'channelsLast' (NHWC). */
  get memoryFormat(): MemoryFormat {
    return this.#memoryFormat;
  }

  /** What native code runs for a TypeScript module: its forward, its temporaries freed, its output held natively. */
  #forwardFromNative(input: unknown): unknown {
    nativeCallDepth++;
    try {
      return tidy(() => {
        const output = this.forward(fromNative(input) as In);
        if (!(output instanceof Tensor) && !Array.isArray(output))
          throw new TorchError(`${this.type}.forward must return a Tensor or an array of them, not ${typeof output}`);
        return native().moduleJsSnapshot(nativeValue(output, `${this.type}.forward's output`));
      });
    } finally {
      nativeCallDepth--;
    }
  }

  /**
   * A TypeScript module: registers `module` as the child `name` (its parameters join this one's,
   * named `name.weight`…) and returns it, for `this.fc = this.register('fc', new nn.Linear(4, 2))`.
   */
  protected register<M extends Module<Value, Value>>(name: string, module: M): M {
    const children = this.#claimName('register', name);
    if (!(module instanceof Module)) invalid('an nn module', `${this.type}.register module`, module);
    native().moduleJsChild(this.handle, name, module.handle);
    children.push([name, module]);
    if (module.#dtype !== this.#dtype || module.#device !== this.#device || module.#memoryFormat !== this.#memoryFormat) {
      native().moduleTo(module.handle, this.#dtype, this.#device, this.#memoryFormat);
    }
    module.#dtype = this.#dtype;
    module.#device = this.#device;
    module.#memoryFormat = this.#memoryFormat;
    return module;
  }

  /**
   * A TypeScript module: registers a trainable parameter, a copy of `init` in this module's dtype,
   * readable as `this[name]` (declare it: `declare scale: Tensor`). The property reads the live
   * parameter each time, so it follows getParameters() and the Trainer's updates.
   */
  protected parameter(name: string, init: Tensor): void {
    this.#claimName('parameter', name);
    checkTensor(init, `${this.type}.parameter init`);
    const converted = init.to(this.#dtype).to(this.#device);
    try {
      native().moduleJsParameter(this.handle, name, converted.handle);
    } finally {
      if (converted !== init) converted.dispose();
    }
    Object.defineProperty(this, name, {
      get: () => new Tensor(native().moduleJsGet(this.handle, name)),
      configurable: true,
      enumerable: false,
    });
  }

  /**
   * A TypeScript module: refuses a field that holds a module it did not register (PyTorch registers
   * `self.fc = nn.Linear(…)` by itself; here its parameters would silently be left out of training,
   * conversion and saving). Modules inside registered ones may be held too; #private fields are not read.
   */
  #checkRegistered(op: string): void {
    const children = this.#children;
    if (children === null) return;
    let inside: Set<Module<Value, Value>> | undefined;
    for (const [field, value] of Object.entries(this)) {
      for (const held of Array.isArray(value) ? value : [value]) {
        if (!(held instanceof Module) || children.some(([, c]) => c === held)) continue;
        inside ??= Module.#descendants(children.map(([, c]) => c));
        if (inside.has(held)) continue;
        throw new TorchError(
          `${op}: ${this.type}'s field '${field}' holds an nn.${held.type} that is not registered, so it would not be trained, ` +
            `converted or saved; register it in the constructor: this.${field} = this.register('${field}', …)` +
            (Array.isArray(value) ? ' (for a list of modules, register an nn.Sequential of them)' : ''),
        );
      }
    }
  }

  /** The modules inside `roots`, at any depth. */
  static #descendants(roots: Module<Value, Value>[]): Set<Module<Value, Value>> {
    const found = new Set<Module<Value, Value>>();
    const visit = (m: Module<Value, Value>) =>
      m.forEachChild((c) => {
        if (found.has(c)) return;
        found.add(c);
        visit(c);
      });
    roots.forEach(visit);
    return found;
  }

  /** Checks that a TypeScript module can register `name` (a new identifier); returns its children. */
  #claimName(what: 'register' | 'parameter', name: string): [string, Module<Value, Value>][] {
    const children = this.#children;
    if (children === null)
      throw new TorchError(
        `${this.type}.${what}: only a module written in TypeScript (class M extends nn.Module, super()) registers its parts`,
      );
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      invalid('a name of letters, digits and _', `${this.type}.${what} name`, name);
    if (children.some(([n]) => n === name) || native().moduleJsNames(this.handle).includes(name))
      throw new TorchError(`${this.type}.${what}: '${name}' is registered already`);
    return children;
  }

  /**
   * True between training() and evaluate() (Torch7's module.train). The native flag, so that a
   * module inside a container, or a model in a test pass, reads the mode it is run in; setting it
   * is training() or evaluate().
   */
  get train(): boolean {
    return native().moduleIsTraining(this.handle);
  }
  set train(flag: boolean) {
    if (checkBoolean(flag, `${this.type}.train`)) this.training();
    else this.evaluate();
  }

  /** Computes the output for one sample (C×H×W or a vector) or a batch (N×C×H×W or N×D), or for a table of them. */
  forward(input: In): Out {
    if (this.#children !== null) throw new TorchError(`${this.type} extends nn.Module but has no forward(input) of its own`);
    this.checkIdle('forward');
    const handles = nativeValue(input, 'forward(input)') as NativeTensor;
    // inside a TypeScript module's forward the input is part of its graph: kept, not made a leaf
    this.output = this.#withDtypeHint(
      input,
      () => fromNative(native().moduleForward(this.handle, handles, typescriptForwardDepth > 0)) as Out,
    );
    return this.output;
  }

  /**
   * Runs `call`; LibTorch's dtype mismatches ("mat1 and mat2 must have the same dtype") get both
   * dtypes and the call that fixes them: modules start as float64 (Torch7's default), tensors as
   * float32 (PyTorch's), so users meet this first.
   */
  #withDtypeHint<T>(value: Value, call: () => T): T {
    try {
      return call();
    } catch (e) {
      const input = leaves(value)[0];
      if (e instanceof TorchError && e.code === 'DTYPE_MISMATCH' && input && input.dtype !== this.dtype) {
        const fix =
          input.dtype === 'float32' || input.dtype === 'float64'
            ? ` or the model with model.${input.dtype === 'float32' ? 'float' : 'double'}()`
            : '';
        e.message += `; the model is ${this.dtype} but the input is ${input.dtype}: convert the input with input.to('${this.dtype}')${fix}`;
      }
      throw e;
    }
  }

  /**
   * Back-propagates gradOutput through the last forward(input): returns gradInput and adds the
   * parameter gradients to the accumulated ones (zero them with zeroGradParameters()).
   */
  backward(input: In, gradOutput: Out): In {
    this.checkIdle('backward');
    if (this.#children !== null)
      throw new TorchError(
        `${this.type}.backward: a module written in TypeScript has no Torch7 backward of its own (its forward is JavaScript); call backward on a container holding it, or use loss.backward()`,
      );
    const inputs = nativeValue(input, 'backward(input)') as NativeTensor;
    const gradOutputs = nativeValue(gradOutput, 'backward(gradOutput)') as NativeTensor;
    const gradInput = this.#withDtypeHint(input, () => fromNative(native().moduleBackward(this.handle, inputs, gradOutputs)) as In);
    this.gradInput = gradInput;
    return gradInput;
  }

  /** Sets every parameter gradient to zero. */
  zeroGradParameters(): void {
    native().moduleZeroGradParameters(this.handle);
  }

  /** p ← p − learningRate · ∂L/∂p for every parameter. */
  updateParameters(learningRate: number): void {
    this.checkIdle('updateParameters');
    native().moduleUpdateParameters(this.handle, checkNumber(learningRate, 'learningRate'));
  }

  /** [weights, gradWeights]: the parameter tensors and their gradients, in Torch7's order. They share memory with the module. */
  parameters(): [Tensor[], Tensor[]] {
    this.#checkRegistered(`${this.type}.parameters`);
    const { params, grads } = native().moduleParameters(this.handle);
    return [params.map((p) => new Tensor(p)), grads.map((g) => new Tensor(g))];
  }

  /**
   * [flatParameters, flatGradParameters]: one contiguous vector each, that every parameter (and
   * gradient) becomes a view of, as Torch7's getParameters(). Call it once, after to()/float().
   */
  getParameters(): [Tensor, Tensor] {
    this.#checkRegistered(`${this.type}.getParameters`);
    // flattening re-points every parameter: never under a pass that is stepping them
    this.checkIdle('getParameters');
    const [p, g] = native().moduleGetParameters(this.handle);
    return [new Tensor(p), new Tensor(g)];
  }

  /**
   * @internal A Trainer's or Optimizer's flat vectors, still the module's parameters; or, where
   * to(), setParameters or a getParameters() on a module inside re-pointed them since, fresh ones
   * (stepping stale ones would silently train nothing). `who` names the holder in errors.
   */
  currentFlat(params: Tensor, grads: Tensor, who: string): [Tensor, Tensor] {
    if (native().moduleViewsFlat(this.handle, params.handle, grads.handle)) return [params, grads];
    const [p, g] = this.getParameters();
    if (p.numel !== params.numel || p.dtype !== params.dtype || p.device !== params.device) {
      const was = `${params.numel} ${params.dtype} values on ${params.device}`;
      throw new TorchError(
        `${who}: the model's parameters changed since the ${who} was made (${was}, now ${p.numel} ${p.dtype} on ${p.device}), so its optimizer state no longer fits; make a new ${who}`,
      );
    }
    return [p, g];
  }

  /**
   * nngraph's `module(parents)`: a graph node applying this module to the outputs of the parent
   * nodes (one: its value; several: the table of their values). See nn.gModule.
   */
  declare node: (...parents: Node[]) => Node;

  /** Torch7's `weight` field: the module's weight (a view of it, read at each access, so that it follows getParameters()), or undefined for a module without one or a container. */
  get weight(): Tensor | undefined {
    return this.#own(0, 0);
  }
  /** Torch7's `bias` field (see weight). */
  get bias(): Tensor | undefined {
    return this.#own(0, 1);
  }
  /** Torch7's `gradWeight` field: the weight's accumulated gradient (see weight). */
  get gradWeight(): Tensor | undefined {
    return this.#own(1, 0);
  }
  /** Torch7's `gradBias` field (see weight). */
  get gradBias(): Tensor | undefined {
    return this.#own(1, 1);
  }

  /** The k-th parameter (which 0) or gradient (which 1) of a module that holds parameters itself. */
  #own(which: 0 | 1, k: number): Tensor | undefined {
    let container = false;
    this.forEachChild(() => (container = true));
    if (container) return undefined;
    const lists = this.parameters();
    const wanted = lists[which][k];
    lists.flat().forEach((t) => t !== wanted && t.dispose());
    return wanted;
  }

  /**
   * Every parameter with its name, as the equivalent PyTorch module's state dict names it: 'weight'
   * and 'bias' in a module, prefixed by the 0-based position in each container ('3.weight'). The
   * tensors share the module's memory.
   */
  namedParameters(): [string, Tensor][] {
    return this.#named(true, false);
  }

  /**
   * Every buffer (BatchNormalization's running_mean, running_var, num_batches_tracked) with its
   * state-dict name, as namedParameters; they share the module's memory.
   */
  namedBuffers(): [string, Tensor][] {
    return this.#named(false, true);
  }

  /** @internal Parameters and buffers in the order PyTorch's state_dict() lists them: each module's parameters, then its buffers. */
  namedState(): [string, Tensor][] {
    return this.#named(true, true);
  }

  #named(parameters: boolean, buffers: boolean): [string, Tensor][] {
    const named: [string, Tensor][] = [];
    const children: Module<Value, Value>[] = [];
    this.forEachChild((c) => children.push(c));
    // a TypeScript module: its own parameters by name, then its children's under their names (PyTorch's order)
    if (children.length > 0 && this.#children === null) {
      children.forEach((c, i) => c.#named(parameters, buffers).forEach(([name, t]) => named.push([`${i}.${name}`, t])));
      return named;
    }
    if (parameters) {
      // weight, bias; LSTM's weight_ih_l0, …; a TypeScript module's own
      const names = this.#children !== null ? native().moduleJsNames(this.handle) : native().moduleParameterNames(this.handle);
      const [params, grads] = this.parameters();
      grads.forEach((g) => g.dispose());
      params.forEach((p, k) => (k < names.length ? named.push([names[k], p]) : p.dispose()));
    }
    if (this.#children !== null) {
      this.#children.forEach(([prefix, c]) => c.#named(parameters, buffers).forEach(([name, t]) => named.push([`${prefix}.${name}`, t])));
      return named;
    }
    if (buffers) {
      const { names, tensors } = native().moduleBuffers(this.handle);
      names.forEach((name, k) => named.push([name, new Tensor(tensors[k])]));
    }
    return named;
  }

  /** The number of parameters (Torch7 trains them all). */
  numParameters(): number {
    const [params, grads] = this.parameters();
    const n = params.reduce((sum, p) => sum + p.numel, 0);
    params.concat(grads).forEach((t) => t.dispose());
    return n;
  }

  /**
   * A table of the modules with their output shapes for one input sample of `inputShape` (no batch
   * dimension: [1, 32, 32] for MNIST) and their parameter counts. Runs one forward pass without
   * gradients; printing the summary (toString) gives the table.
   */
  summary(inputShape: number[]): ModelSummary {
    if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      invalid('a sample shape of positive integers, e.g. [1, 32, 32]', 'summary inputShape', inputShape);
    }
    this.checkIdle('summary');
    // a batch of two: Torch7's View reads a batch of one as a single sample and drops its dimension
    let rows: SummaryRow[];
    try {
      rows = tidy(() => noGrad(() => this.describe(zeros([2, ...inputShape], { dtype: this.dtype, device: this.device }), 0)[0]));
    } catch (e) {
      throw new TorchError(
        `summary: a sample of shape [${inputShape.join(', ')}] does not fit this model (run as a batch of 2): ${(e as Error).message}`,
        { code: e instanceof TorchError ? e.code : 'INTERNAL', op: 'summary', cause: e },
      );
    }
    const one = (shape: number[]) => [1, ...shape.slice(1)];
    return makeSummary(
      rows.map((r) => ({ ...r, outputShape: one(r.outputShape), ...(r.outputShapes ? { outputShapes: r.outputShapes.map(one) } : {}) })),
    );
  }

  /** @internal This module's summary rows for `input`, and its output. */
  describe(input: Value, depth: number): [SummaryRow[], Value] {
    const previous = this.output;
    const output = this.forward(input as In);
    this.output = previous; // the summary's pass is not the module's last forward
    return [[{ depth, module: this.toString(), ...shapeOf(output), parameters: this.numParameters() }], output];
  }

  /** Training mode (Dropout active). Returns this. */
  training(): this {
    this.checkIdle('training');
    native().moduleSetTraining(this.handle, true);
    return this;
  }

  /** Evaluation mode. Returns this. */
  evaluate(): this {
    this.checkIdle('evaluate');
    native().moduleSetTraining(this.handle, false);
    return this;
  }

  /**
   * Moves the parameters to a device and/or converts their dtype (float16 and bfloat16 too, as
   * PyTorch's module.half(); for training, prefer the Trainer's `precision`, which keeps float32
   * master weights), or, with `{ memoryFormat: 'channelsLast' }`, lays convolution weights out as
   * NHWC (PyTorch's `model.to(memory_format=torch.channels_last)`; the Trainer then converts each
   * 4-D batch once). Returns this.
   */
  to(target: Device | FloatDType | ModuleToOptions): this {
    this.#checkRegistered(`${this.type}.to`);
    this.checkIdle('to');
    let next: [FloatDType, Device, MemoryFormat];
    if (typeof target === 'object' && target !== null) {
      checkKeys(target, ['dtype', 'device', 'memoryFormat'], 'to(options)');
      if (target.dtype !== undefined && !isFloatDtype(target.dtype)) invalid('a floating dtype', 'to(options) dtype', target.dtype);
      const device = target.device === undefined ? this.#device : checkDevice(target.device, 'to(options) device');
      const format =
        target.memoryFormat === undefined
          ? this.#memoryFormat
          : checkOneOf(target.memoryFormat, MEMORY_FORMATS, 'to(options) memoryFormat');
      next = [target.dtype ?? this.#dtype, device, format];
    } else if (isFloatDtype(target)) next = [target, this.#device, this.#memoryFormat];
    else next = [this.#dtype, checkDevice(target, 'to(target)'), this.#memoryFormat];
    // the module's dtype, device and layout change only once the conversion succeeded
    native().moduleTo(this.handle, ...next);
    [this.#dtype, this.#device, this.#memoryFormat] = next;
    this.onConverted();
    return this;
  }
  float(): this {
    return this.to('float32');
  }
  double(): this {
    return this.to('float64');
  }
  half(): this {
    return this.to('float16');
  }
  bfloat16(): this {
    return this.to('bfloat16');
  }
  cuda(): this {
    return this.to('cuda');
  }

  /** @internal Description used by nn.save. */
  spec(): ModuleSpec {
    this.#checkRegistered('nn.save');
    if (this.#children !== null)
      return { type: this.type, args: this.args, typescript: true, children: this.#children.map(([, c]) => c.spec()) };
    return { type: this.type, args: this.args, ...(this.#noBias ? { noBias: true as const } : {}) };
  }

  /**
   * Torch7's noBias() for the modules that have a bias (Linear and the convolutions expose it):
   * the bias is removed, not zeroed, so it is not trained, saved or exported. Returns this.
   */
  protected dropBias(): this {
    this.checkIdle('noBias');
    if (!this.#noBias) native().moduleNoBias(this.handle);
    this.#noBias = true;
    return this;
  }

  /**
   * @internal Marks the module (and what it contains) as used by a running training pass: JS
   * calls then fail, and so does a second pass over it or over a module it contains.
   */
  setBusy(busy: boolean): void {
    this.#busy = busy;
    this.forEachChild((c) => c.setBusy(busy));
  }

  /** @internal True while a pass trains this module, or a module inside it. */
  get busy(): boolean {
    if (this.#busy) return true;
    let inside = false;
    this.forEachChild((c) => (inside ||= c.busy));
    return inside;
  }

  /** @internal */
  protected forEachChild(fn: (child: Module<Value, Value>) => void): void {
    this.#children?.forEach(([, c]) => fn(c));
  }
  /** @internal Containers propagate dtype/device bookkeeping to their children. */
  protected onConverted(): void {
    this.forEachChild((c) => {
      c.#dtype = this.#dtype;
      c.#device = this.#device;
      c.#memoryFormat = this.#memoryFormat;
      c.onConverted();
    });
  }

  /** @internal Refuses `op` (a reader of the whole model: a save, an export) while a pass trains the model: it would read half-updated parameters. */
  refuseWhileTraining(op: string): void {
    if (this.busy) throw new TorchError(`${op}: the model is being trained by a running pass; await it first`, { code: 'BUSY', op });
  }

  private checkIdle(what: string): void {
    // a TypeScript module's forward, called by the pass that trains it, calls its children
    if (nativeCallDepth > 0 && what === 'forward') return;
    if (this.busy)
      throw new TorchError(`${this.type}.${what}: the module is being trained by a running pass; wait for it to finish`, { code: 'BUSY' });
  }

  toString(): string {
    return `nn.${this.type}(${this.args.map((a) => (typeof a === 'number' ? String(a) : JSON.stringify(a))).join(', ')})`;
  }
}

/** A summary row's shapes: the tensor's, or a table's tensors' (outputShape then the first's). */
export function shapeOf(output: Value): Pick<SummaryRow, 'outputShape' | 'outputShapes'> {
  if (output instanceof Tensor) return { outputShape: output.shape };
  const shapes = leaves(output).map((t) => t.shape);
  return { outputShape: shapes[0] ?? [], outputShapes: shapes };
}
