/**
 * A walk over a pickle's opcodes (protocols 2 to 5, the subset torch.save writes) that finds a
 * dictionary given the same string key twice. A state dict cannot hold one when Python writes it,
 * but a crafted or damaged file can, and readers disagree on it: Python's pickle keeps the last
 * value, LibTorch's unpickler the first. Nothing is built: strings are kept as keys, dictionaries
 * as their key sets, everything else as an opaque value.
 */

type Value =
  | { kind: 'str'; s: string }
  | { kind: 'dict'; keys: Set<string> }
  | { kind: 'global'; name: string }
  | { kind: 'mark' }
  | { kind: 'other' };

/** Callables whose result is a dictionary: torch.save(model.state_dict()) writes an OrderedDict as REDUCE of one. */
const DICT_TYPES = new Set(['collections.OrderedDict', 'builtins.dict', '__builtin__.dict']);

const OTHER: Value = { kind: 'other' };
const MARK: Value = { kind: 'mark' };

/**
 * The first string key that a dictionary in the pickle `data` is given twice, or undefined when
 * there is none. Also undefined (not judged) where the pickle uses an opcode this walk does not
 * follow: the unpickler's own errors speak for such files.
 */
export function duplicateDictKey(data: Buffer): string | undefined {
  const stack: Value[] = [];
  const memo = new Map<number, Value>();
  let at = 0;
  const take = (n: number) => {
    if (n < 0 || at + n > data.length) throw new RangeError('a negative or truncated length');
    const start = at;
    at += n;
    return start;
  };
  const pop = () => stack.pop() ?? OTHER;
  // one splice, not a pop per item: a pickle may put millions of items under one mark
  const popToMark = () => {
    const mark = stack.lastIndexOf(MARK);
    const items = stack.splice(mark + 1);
    if (mark >= 0) stack.pop();
    return items;
  };
  const str = (offset: number, length: number): Value => ({ kind: 'str', s: data.toString('utf8', offset, offset + length) });
  const setItems = (dict: Value | undefined, items: Value[]): string | undefined => {
    if (dict?.kind !== 'dict') return undefined;
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i];
      if (key.kind !== 'str') continue;
      if (dict.keys.has(key.s)) return key.s;
      dict.keys.add(key.s);
    }
    return undefined;
  };
  try {
    while (at < data.length) {
      const op = data[take(1)];
      let duplicate: string | undefined;
      switch (op) {
        case 0x80:
          take(1);
          break; // PROTO
        case 0x95:
          take(8);
          break; // FRAME
        case 0x7d:
          stack.push({ kind: 'dict', keys: new Set() });
          break; // EMPTY_DICT
        case 0x5d:
        case 0x29:
        case 0x8f:
        case 0x4e:
        case 0x88:
        case 0x89:
          stack.push(OTHER);
          break; // EMPTY_LIST/TUPLE/SET, NONE, NEWTRUE/FALSE
        case 0x28:
          stack.push(MARK);
          break; // MARK
        case 0x58: {
          const n = data.readUInt32LE(take(4));
          stack.push(str(take(n), n));
          break;
        } // BINUNICODE
        case 0x8c:
        case 0x55: {
          const n = data[take(1)];
          stack.push(str(take(n), n));
          break;
        } // SHORT_BINUNICODE, SHORT_BINSTRING
        case 0x54: {
          const n = data.readInt32LE(take(4));
          stack.push(str(take(n), n));
          break;
        } // BINSTRING
        case 0x8d: {
          const n = Number(data.readBigUInt64LE(take(8)));
          stack.push(str(take(n), n));
          break;
        } // BINUNICODE8
        case 0x42:
          take(data.readUInt32LE(take(4)));
          stack.push(OTHER);
          break; // BINBYTES
        case 0x43:
          take(data[take(1)]);
          stack.push(OTHER);
          break; // SHORT_BINBYTES
        case 0x8e:
          take(Number(data.readBigUInt64LE(take(8))));
          stack.push(OTHER);
          break; // BINBYTES8
        case 0x63: {
          // GLOBAL: module\nname\n
          const start = at;
          for (let lines = 0; lines < 2;) if (data[take(1)] === 0x0a) lines++;
          stack.push({ kind: 'global', name: data.toString('utf8', start, at - 1).replace('\n', '.') });
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = pop();
          const module = pop();
          stack.push(module.kind === 'str' && name.kind === 'str' ? { kind: 'global', name: `${module.s}.${name.s}` } : OTHER);
          break;
        }
        case 0x71:
          memo.set(data[take(1)], stack[stack.length - 1] ?? OTHER);
          break; // BINPUT
        case 0x72:
          memo.set(data.readUInt32LE(take(4)), stack[stack.length - 1] ?? OTHER);
          break; // LONG_BINPUT
        case 0x94:
          memo.set(memo.size, stack[stack.length - 1] ?? OTHER);
          break; // MEMOIZE
        case 0x68:
          stack.push(memo.get(data[take(1)]) ?? OTHER);
          break; // BINGET
        case 0x6a:
          stack.push(memo.get(data.readUInt32LE(take(4))) ?? OTHER);
          break; // LONG_BINGET
        case 0x4b:
          take(1);
          stack.push(OTHER);
          break; // BININT1
        case 0x4d:
          take(2);
          stack.push(OTHER);
          break; // BININT2
        case 0x4a:
          take(4);
          stack.push(OTHER);
          break; // BININT
        case 0x47:
          take(8);
          stack.push(OTHER);
          break; // BINFLOAT
        case 0x8a:
          take(data[take(1)]);
          stack.push(OTHER);
          break; // LONG1
        case 0x8b:
          take(data.readUInt32LE(take(4)));
          stack.push(OTHER);
          break; // LONG4
        case 0x74:
        case 0x6c:
        case 0x91:
          popToMark();
          stack.push(OTHER);
          break; // TUPLE, LIST, FROZENSET
        case 0x85:
          pop();
          stack.push(OTHER);
          break; // TUPLE1
        case 0x86:
          pop();
          pop();
          stack.push(OTHER);
          break; // TUPLE2
        case 0x87:
          pop();
          pop();
          pop();
          stack.push(OTHER);
          break; // TUPLE3
        case 0x64: {
          // DICT
          const dict: Value = { kind: 'dict', keys: new Set() };
          duplicate = setItems(dict, popToMark());
          stack.push(dict);
          break;
        }
        case 0x61:
          pop();
          break; // APPEND
        case 0x65:
        case 0x90:
          popToMark();
          break; // APPENDS, ADDITEMS
        case 0x73: {
          const value = pop();
          const key = pop();
          duplicate = setItems(stack[stack.length - 1], [key, value]);
          break;
        } // SETITEM
        case 0x75: {
          const items = popToMark();
          duplicate = setItems(stack[stack.length - 1], items);
          break;
        } // SETITEMS
        case 0x52:
        case 0x81: {
          // REDUCE, NEWOBJ: callable(args)
          pop();
          const callable = pop();
          stack.push(callable.kind === 'global' && DICT_TYPES.has(callable.name) ? { kind: 'dict', keys: new Set() } : OTHER);
          break;
        }
        case 0x92:
          pop();
          pop();
          pop();
          stack.push(OTHER);
          break; // NEWOBJ_EX
        case 0x51:
          pop();
          stack.push(OTHER);
          break; // BINPERSID
        case 0x62:
          pop();
          break; // BUILD: the object stays
        case 0x30:
          pop();
          break; // POP
        case 0x31:
          popToMark();
          break; // POP_MARK
        case 0x32:
          stack.push(stack[stack.length - 1] ?? OTHER);
          break; // DUP
        case 0x2e:
          return undefined; // STOP
        default:
          return undefined; // an opcode not followed here
      }
      if (duplicate !== undefined) return duplicate;
    }
  } catch {
    return undefined; // truncated: the unpickler reports it
  }
  return undefined;
}
