/**
 * The API reference's list of the op table's operators (docs/api/tensors.md), generated from the
 * table (scripts/ops-table.ts prints it; a test checks that the page holds exactly this).
 */
import { CORE_OPS, FUNCTION_OPS, LINALG_OPS, OpSpec, TENSOR_OPS } from './table';

function rows(table: Record<string, OpSpec>, call: (name: string, args: string) => string): string[] {
  return Object.entries(table).map(([name, spec]) => {
    const args = spec.args.map(([arg, kind]) => (kind.endsWith('?') ? `${arg}?` : arg)).join(', ');
    return `| \`${call(name, args)}\` | ${spec.doc} | \`aten::${spec.aten}${spec.overload ? `.${spec.overload}` : ''}\` |`;
  });
}

export function opsMarkdown(): string {
  const tables = [CORE_OPS, TENSOR_OPS, FUNCTION_OPS, LINALG_OPS];
  const count = tables.reduce((n, table) => n + Object.keys(table).length, 0);
  return [
    `The op table (\`lib/ops/table.ts\`) holds ${count} entries (an operator with two forms, as \`t.sum()\` and \`t.sum(dim)\`, has two):`,
    '',
    '| call | what | LibTorch operator |',
    '| --- | --- | --- |',
    // CORE_OPS keys name a form after a dot ('sum.dims'): the method is the part before it
    ...rows(CORE_OPS, (name, args) => `t.${name.split('.')[0]}(${args})`),
    ...rows(TENSOR_OPS, (name, args) => `t.${name}(${args})`),
    ...rows(FUNCTION_OPS, (name, args) => `${name}(${args})`),
    ...rows(LINALG_OPS, (name, args) => `linalg.${name}(${args})`),
  ].join('\n');
}
