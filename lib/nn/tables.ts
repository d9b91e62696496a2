/**
 * Torch7's table modules (a table is a list of values: tensors or tables) and the containers that
 * make them, with Torch7's names, arguments and semantics: dimensions and indices are 1-based, and
 * with `nInputDims` an input of more dimensions is a batch, so the dimension moves one along.
 * A residual block, as fb.resnet.torch built it:
 *
 * @example new nn.Sequential(new nn.ConcatTable(body, new nn.Identity()), new nn.CAddTable(), new nn.ReLU())
 */
import { Tensor } from '../tensor';
import { checkArity, checkInteger } from '../validate';
import { AnyModule, Container } from './Container';
import { Module, Value } from './Module';
import type { SummaryRow } from './summary';

/** Applies each of its modules to the same input; outputs the table of their outputs. */
export class ConcatTable extends Container<Value[]> {
  constructor(...modules: AnyModule[]) {
    super('ConcatTable', [], {}, modules);
  }

  /** @internal */
  override describe(input: Value, depth: number): [SummaryRow[], Value] {
    const [rows, outputs] = this.describeEach(
      this.modules.map(() => input),
      depth,
    );
    return this.containerRows(depth, outputs, rows);
  }
}

/** Applies its i-th module to the i-th entry of its input table; outputs the table of their outputs. */
export class ParallelTable extends Container<Value[], Value[]> {
  constructor(...modules: AnyModule[]) {
    super('ParallelTable', [], {}, modules);
  }

  /** @internal */
  override describe(input: Value, depth: number): [SummaryRow[], Value] {
    const [rows, outputs] = this.describeEach(input as Value[], depth);
    return this.containerRows(depth, outputs, rows);
  }
}

/**
 * Torch7's Concat(dimension): applies each of its modules to the same input and joins their outputs
 * along `dimension` (1-based, of the output as it is: 2 for the channels of an N×C×H×W batch).
 */
export class Concat extends Container {
  constructor(dimension: number, ...modules: AnyModule[]) {
    super('Concat', [dimensionArg(dimension, 'Concat dimension')], { dimension }, modules);
  }

  /** @internal */
  override describe(input: Value, depth: number): [SummaryRow[], Value] {
    const [rows] = this.describeEach(
      this.modules.map(() => input),
      depth,
    );
    const [own, output] = Module.prototype.describe.call(this, input, depth);
    return [[...own, ...rows], output];
  }
}

/** The sum of the tensors of its input table (element-wise). */
export class CAddTable extends Module<Tensor, Value[]> {
  constructor() {
    checkArity(arguments, 0, 'nn.CAddTable()');
    super('CAddTable', []);
  }
}

/** The product of the tensors of its input table (element-wise). */
export class CMulTable extends Module<Tensor, Value[]> {
  constructor() {
    checkArity(arguments, 0, 'nn.CMulTable()');
    super('CMulTable', []);
  }
}

/** The tensors of its input table joined along `dimension` (1-based; with nInputDims, one further along for a batch). */
export class JoinTable extends Module<Tensor, Value[]> {
  constructor(dimension: number, nInputDims = 0) {
    checkArity(arguments, 2, 'nn.JoinTable(dimension[, nInputDims])');
    super('JoinTable', [dimensionArg(dimension, 'JoinTable dimension'), checkInteger(nInputDims, 'JoinTable nInputDims', 0)], {
      dimension,
      nInputDims,
    });
  }
}

/** Its input tensor split along `dimension` (1-based; with nInputDims, one further along for a batch) into a table of slices. */
export class SplitTable extends Module<Tensor[]> {
  constructor(dimension: number, nInputDims = 0) {
    checkArity(arguments, 2, 'nn.SplitTable(dimension[, nInputDims])');
    super('SplitTable', [dimensionArg(dimension, 'SplitTable dimension'), checkInteger(nInputDims, 'SplitTable nInputDims', 0)], {
      dimension,
      nInputDims,
    });
  }
}

/** Entry `index` of its input table (1-based; −1 is the last). */
export class SelectTable extends Module<Value, Value[]> {
  constructor(index: number) {
    checkArity(arguments, 1, 'nn.SelectTable(index)');
    super('SelectTable', [dimensionArg(index, 'SelectTable index')], { index });
  }
}

/**
 * Torch7's Narrow(dimension, offset, length = 1): `length` entries from `offset` along `dimension`
 * (both 1-based; a negative dimension counts from the end); a negative length counts from the end
 * (−1: up to the last).
 */
export class Narrow extends Module {
  constructor(dimension: number, offset: number, length = 1) {
    checkArity(arguments, 3, 'nn.Narrow(dimension, offset[, length])');
    const args = [
      dimensionArg(dimension, 'Narrow dimension'),
      checkInteger(offset, 'Narrow offset (1-based)', 1),
      dimensionArg(length, 'Narrow length'),
    ];
    super('Narrow', args, { dimension, offset, length });
  }
}

/** A 1-based position: a non-zero integer (negative counts from the end). */
function dimensionArg(value: number, what: string): number {
  checkInteger(value, `${what} (1-based, negative from the end)`);
  if (value === 0) checkInteger(value, `${what} (1-based, negative from the end: not 0)`, 1);
  return value;
}
