import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from '../src/config/docs.js';
import { CONFIG_VARS } from '../src/config/schema.js';

describe('docs/configuration.md', () => {
  const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  it('is the output of `npm run config:docs` (no drift from the schema)', () => {
    expect(committed).toBe(renderConfigDocs());
  });
  it('documents every variable', () => {
    for (const name of Object.keys(CONFIG_VARS)) expect(committed).toContain(`| \`${name}\` |`);
  });
});
