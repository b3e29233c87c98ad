/**
 * Writes the API contract generated from the code: docs/api/openapi.yaml (from the Fastify route
 * schemas via @fastify/swagger) and docs/api/asyncapi.yaml (from the protocol's TypeBox frame
 * schemas). With --check, writes nothing and exits 1 when the committed files differ.
 *
 *   npm run specs:generate     npm run specs:check
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderSpecs } from './render.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const check = process.argv.includes('--check');
const files = await renderSpecs();
let stale = 0;
for (const [path, text] of Object.entries(files)) {
  const full = root + path;
  let current = '';
  try {
    current = readFileSync(full, 'utf8');
  } catch {
    /* missing */
  }
  if (current === text) continue;
  if (check) {
    console.error(`${path} is out of date: run npm run specs:generate and commit the result`);
    stale++;
  } else {
    writeFileSync(full, text);
    console.log(`wrote ${path}`);
  }
}
if (check && stale) process.exit(1);
if (check) console.log('specs are up to date');
