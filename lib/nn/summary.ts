/**
 * A model's summary: one row per module (containers, then their modules indented), with the output
 * shape for one input sample and the parameter count, as Keras' summary() or torchsummary print.
 */

export interface SummaryRow {
  /** Nesting depth (0: the model itself). */
  depth: number;
  /** The module as Torch7 prints it, e.g. nn.Linear(1600, 128). */
  module: string;
  /** The output shape for a batch of one sample (the batch dimension first, printed as N); a table's first tensor's. */
  outputShape: number[];
  /** For a table output: the shapes of its tensors, depth first (printed in braces). */
  outputShapes?: number[][];
  /** Parameters of this module (a container counts its modules'). */
  parameters: number;
}

export interface ModelSummary {
  rows: SummaryRow[];
  /** All parameters (Torch7 has no frozen ones: all are trained). */
  parameters: number;
  /** The table, as printed. */
  toString(): string;
}

const count = (n: number) => n.toLocaleString('en-US');

export function makeSummary(rows: SummaryRow[]): ModelSummary {
  const parameters = rows.length > 0 ? rows[0].parameters : 0;
  return {
    rows,
    parameters,
    toString() {
      const shape = (s: number[]) => `[${['N', ...s.slice(1)].join(', ')}]`;
      const cells = rows.map((r) => [
        `${'  '.repeat(r.depth)}${r.depth === 0 || / \{\n/.test(r.module) ? r.module.split(' ')[0] : r.module}`,
        r.outputShapes ? `{${r.outputShapes.map(shape).join(', ')}}` : shape(r.outputShape),
        count(r.parameters),
      ]);
      const header = ['module', 'output shape', 'parameters'];
      const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
      const line = (row: string[]) => `${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padStart(widths[2])}`;
      const rule = '-'.repeat(widths[0] + widths[1] + widths[2] + 4);
      return [line(header), rule, ...cells.map(line), rule, `${count(parameters)} parameters`].join('\n');
    },
  };
}
