// Writes docs/configuration.md from the configuration schema (apps/server/src/config/schema.ts).
// `--check` exits 1 when the committed file differs (the drift test runs the same renderer).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../apps/server/src/config/docs.js';

const target = new URL('../docs/configuration.md', import.meta.url);
const rendered = renderConfigDocs();
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== rendered) {
    console.error('docs/configuration.md is out of date: run `npm run config:docs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, rendered);
}
