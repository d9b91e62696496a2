/**
 * Prints the README's op table section from lib/ops/table.ts:
 *   npm run build:ts && node dist/scripts/ops-table.js
 */
import { opsMarkdown } from '../lib/ops/markdown';

console.log(opsMarkdown());
