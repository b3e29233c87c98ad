#!/usr/bin/env node
// Builds the documentation site into dist/docs:
//   1. VitePress renders docs/ (local search index included);
//   2. Redocly renders docs/api/openapi.yaml into a self-contained HTML page (--inlineBundle: no CDN)
//      at dist/docs/api-reference.html, embedded by docs/api/reference.md;
//   3. openapi.yaml and asyncapi.yaml are copied next to the API pages that link to them.
// Exit code is non-zero when either step fails. Warnings are printed as-is (tests/docs fails on them).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = join(root, 'dist/docs');
const bin = (name) => join(root, 'node_modules/.bin', name);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) {
    console.error(`docs:build: ${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
    process.exit(r.status ?? 1);
  }
}

run(bin('vitepress'), ['build', 'docs']);
mkdirSync(outDir, { recursive: true });
run(bin('redocly'), [
  'build-docs',
  'docs/api/openapi.yaml',
  '--output',
  join(outDir, 'api-reference.html'),
  '--inlineBundle',
  '--title',
  'Parley API reference',
]);
// The specifications themselves, so the pages' links to ./openapi.yaml and ./asyncapi.yaml work on the site.
mkdirSync(join(outDir, 'api'), { recursive: true });
for (const f of ['openapi.yaml', 'asyncapi.yaml']) copyFileSync(join(root, 'docs/api', f), join(outDir, 'api', f));
console.log(`docs:build: site in ${outDir}`);
