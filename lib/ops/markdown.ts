/**
 * The API reference's list of the op table's operators (docs/api/tensors.md), generated from the
 * table (scripts/ops-table.ts prints it; a test checks that the page holds exactly this).
 */
import { FUNCTION_OPS, LINALG_OPS, OpSpec, TENSOR_OPS } from './table';

function rows(table: Record<string, OpSpec>, call: (name: string, args: string) => string): string[] {
  return Object.entries(table).map(([name, spec]) => {
    const args = spec.args.map(([arg, kind]) => (kind.endsWith('?') ? `${arg}?` : arg)).join(', ');
    return `| \`${call(name, args)}\` | ${spec.doc} | \`aten::${spec.aten}${spec.overload ? `.${spec.overload}` : ''}\` |`;
  });
}

export function opsMarkdown(): string {
  const count = Object.keys(TENSOR_OPS).length + Object.keys(FUNCTION_OPS).length + Object.keys(LINALG_OPS).length;
  return [
    `The op table (\`lib/ops/table.ts\`) holds ${count} operators:`,
    '',
    '| call | what | LibTorch operator |',
    '| --- | --- | --- |',
    ...rows(TENSOR_OPS, (name, args) => `t.${name}(${args})`),
    ...rows(FUNCTION_OPS, (name, args) => `${name}(${args})`),
    ...rows(LINALG_OPS, (name, args) => `linalg.${name}(${args})`),
  ].join('\n');
}
