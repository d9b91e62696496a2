/**
 * The op table's entries made callable: a Tensor method per TENSOR_OPS entry (installed on
 * Tensor.prototype, typed by declaration merging), and the functions of FUNCTION_OPS and
 * LINALG_OPS. Each checks its arguments by kind, calls the ATen operator through
 * native().callOp, and names itself and its tensors' shapes when LibTorch refuses.
 */
import { TorchError } from '../errors';
import { getDefaultDtype } from '../creation';
import { native, NativeTensor } from '../native';
import { DTYPES, Tensor, checkDevice, checkTensor, isFloatDtype, setCoreCall } from '../tensor';
import { checkBoolean, checkInteger, checkKeys, checkNumber, invalid } from '../validate';
import { CORE_OPS, FUNCTION_OPS, LINALG_OPS, OpFunctions, OpSpec, TENSOR_OPS, TensorOpMethods } from './table';

export { CORE_OPS, TENSOR_OPS, FUNCTION_OPS, LINALG_OPS };
export type { OpSpec, TensorOpMethods };

declare module '../tensor' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the op table's methods
  interface Tensor extends TensorOpMethods {}
}

/**
 * One argument checked by its kind; returns what the native call takes. Tensors made for the call
 * (a uint8 mask as bool) go into `temps`, freed after it.
 */
function checkArg(value: unknown, kind: string, what: string, temps: NativeTensor[]): unknown {
  switch (kind) {
    case 'tensor':
      return checkTensor(value, what).handle;
    case 'mask': {
      // a float mask was silently ignored by masked_fill; Torch7's masks were ByteTensors (uint8)
      const mask = checkTensor(value, what);
      if (mask.dtype === 'bool') return mask.handle;
      if (mask.dtype !== 'uint8') {
        throw new TorchError(
          `Expected a bool (or uint8) mask for ${what} but received a ${mask.dtype} tensor; make one with a comparison such as t.gt(0), or convert it with mask.to('bool')`,
          { code: 'DTYPE_MISMATCH' },
        );
      }
      const converted = native().to(mask.handle, 'bool', null);
      temps.push(converted);
      return converted;
    }
    case 'tensors':
      if (!Array.isArray(value) || value.length === 0) invalid('a non-empty array of Tensors', what, value);
      return value.map((t, i) => checkTensor(t, `${what}[${i}]`).handle);
    case 'int':
      return checkInteger(value, what);
    case 'ints':
      if (!Array.isArray(value)) invalid('an array of integers', what, value);
      return value.map((v, i) => checkInteger(v, `${what}[${i}]`));
    case 'number':
      return checkNumber(value, what, { finite: false });
    case 'bool':
      return checkBoolean(value, what);
    case 'string':
      if (typeof value !== 'string') invalid('a string', what, value);
      return value;
    case 'dtype':
      if (!(DTYPES as readonly unknown[]).includes(value)) invalid(`one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`, what, value);
      return value;
    case 'device':
      return checkDevice(value as string, what);
    case 'other':
      if (value instanceof Tensor) return checkTensor(value, what).handle;
      if (typeof value !== 'number') invalid('a Tensor or a number', what, value);
      return value;
    default:
      throw new TorchError(`op table: unknown argument kind '${kind}'`);
  }
}

/** Calls an entry with the caller's arguments (`self` first for methods). */
function call(name: string, spec: OpSpec, self: Tensor | null, values: unknown[]): unknown {
  if (values.length > spec.args.length)
    throw new TorchError(
      `${name}: takes at most ${spec.args.length} arguments (${spec.args.map(([n]) => n).join(', ')}) but got ${values.length}`,
    );
  const args: Record<string, unknown> = {};
  if (self) args.self = checkTensor(self, `${name}(self)`).handle;
  // the operands, whose shapes a failure names (read then: reading them costs a native call each)
  const operands: Tensor[] = self ? [self] : [];
  const temps: NativeTensor[] = [];
  try {
    return callChecked(name, spec, args, operands, temps, values, self);
  } finally {
    temps.forEach((t) => native().dispose(t));
  }
}

function callChecked(
  name: string,
  spec: OpSpec,
  args: Record<string, unknown>,
  operands: Tensor[],
  temps: NativeTensor[],
  values: unknown[],
  self: Tensor | null,
): unknown {
  spec.args.forEach(([arg, kind], i) => {
    const optional = kind.endsWith('?');
    const value = values[i];
    if (value === undefined || (optional && value === null)) {
      if (!optional) throw new TorchError(`${name}: its argument '${arg}' is required`);
      return;
    }
    args[arg] = checkArg(value, optional ? kind.slice(0, -1) : kind, `${name} ${arg}`, temps);
    if (value instanceof Tensor) operands.push(value);
  });
  if (spec.floating && args.dtype === undefined) args.dtype = getDefaultDtype();
  if (spec.floatResult) {
    const dtype = (values[spec.args.findIndex(([n]) => n === 'dtype')] as string | undefined) ?? (values[0] as Tensor).dtype;
    if (!isFloatDtype(dtype))
      throw new TorchError(`${name}: makes floating values, not ${dtype}; pass a dtype: ${name}(t, 'float32')`, { code: 'DTYPE_MISMATCH' });
  }
  let result: unknown;
  // a number where the entry takes a tensor or a number: the operator's Scalar overload
  const scalar =
    spec.scalarOverload !== undefined && spec.args.some(([, kind], i) => kind.startsWith('other') && typeof values[i] === 'number');
  // or another operator altogether (maximum with a number is clamp_min), whose argument has its own name
  if (scalar && spec.scalarAten) {
    args[spec.scalarArg!] = args.other;
    delete args.other;
  }
  try {
    result = native().callOp(
      scalar && spec.scalarAten ? spec.scalarAten : spec.aten,
      (scalar ? spec.scalarOverload : spec.overload) ?? '',
      args,
    );
  } catch (e) {
    if (!(e instanceof TorchError)) throw e;
    const shapes = operands.map((t) => `[${t.shape.join(', ')}]`);
    throw new TorchError(`${name}: ${e.reason}${shapes.length ? ` (shapes ${shapes.join(', ')})` : ''}`, {
      code: e.code,
      op: name,
      cause: e,
    });
  }
  return wrap(result, spec, self);
}

function wrap(result: unknown, spec: OpSpec, self: Tensor | null): unknown {
  switch (spec.returns) {
    case 'self':
      // the operator returns the tensor it changed: the caller's own Tensor, not a second handle
      native().dispose(result as NativeTensor);
      return self;
    case 'none':
      return undefined;
    case 'tensor':
      return new Tensor(result as NativeTensor);
    case 'tensors':
      return (result as NativeTensor[]).map((t) => new Tensor(t));
    case 'named': {
      const named = result as Record<string, NativeTensor>;
      // the schema's results, in order, under the entry's names
      return Object.fromEntries(Object.values(named).map((t, i) => [spec.names![i], new Tensor(t)]));
    }
    default:
      return result;
  }
}

/** One of CORE_OPS (a Tensor class method's operator): `key` is 'sum' or a form of it, 'sum.dims'. */
function callCore(key: string, self: Tensor, values: unknown[]): unknown {
  const spec = (CORE_OPS as Record<string, OpSpec>)[key];
  if (!spec) throw new TorchError(`op table: no core operator '${key}'`, { code: 'INTERNAL' });
  return call(key.split('.')[0], spec, self, values);
}
setCoreCall(callCore);

for (const [name, spec] of Object.entries(TENSOR_OPS) as [string, OpSpec][]) {
  if (name in Tensor.prototype) throw new TorchError(`op table: Tensor already has a method ${name}`);
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...values: unknown[]) {
      return call(name, spec, this, values);
    },
    writable: true,
    configurable: true,
  });
}

function functions<T extends Record<string, OpSpec>>(table: T, prefix: string): OpFunctions<T> {
  return Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [name, (...values: unknown[]) => callWithOptions(`${prefix}${name}`, spec, values)]),
  ) as unknown as OpFunctions<T>;
}

/**
 * A creation function also takes the options object that tensor(), zeros() and the others take,
 * where its dtype goes: eye(2, { dtype: 'float64', device: 'cuda', requiresGrad: true }).
 */
function callWithOptions(name: string, spec: OpSpec, values: unknown[]): unknown {
  const at = spec.args.findIndex(([arg]) => arg === 'dtype');
  const options = values[at];
  if (at < 0 || typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor)
    return call(name, spec, null, values);
  if (values.length > at + 1) throw new TorchError(`${name}: an options object ({ dtype, device, requiresGrad }) comes last`);
  checkKeys(options, ['dtype', 'device', 'requiresGrad'], name);
  const { dtype, device, requiresGrad } = options as { dtype?: string; device?: string; requiresGrad?: boolean };
  const hasDevice = spec.args.some(([arg]) => arg === 'device');
  if (device !== undefined && !hasDevice) throw new TorchError(`${name}: takes no device`);
  const result = call(name, spec, null, [...values.slice(0, at), dtype ?? null, ...(hasDevice ? [device ?? null] : [])]);
  if (requiresGrad !== undefined && checkBoolean(requiresGrad, `${name} requiresGrad`)) (result as Tensor).requiresGrad = true;
  return result;
}

/** eye, linspace, logspace, randint, stack, where, einsum. */
export const ops = functions(FUNCTION_OPS, '');
/** torch.linalg: solve, inv, det, cholesky, qr, svd, eigh, norm. */
export const linalg = functions(LINALG_OPS, 'linalg.');
