/**
 * Prints the op table section of docs/api/tensors.md from lib/ops/table.ts:
 *   npm run build:ts && node dist/scripts/ops-table.js
 */
import { opsMarkdown } from '../lib/ops/markdown';

console.log(opsMarkdown());
