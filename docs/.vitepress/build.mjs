#!/usr/bin/env node
// Builds the documentation site into dist/docs:
//   1. VitePress renders docs/ (local search index included);
//   2. Redocly renders docs/api/openapi.yaml into a self-contained HTML page (--inlineBundle: no CDN)
//      at dist/docs/api-reference.html, embedded by docs/api/reference.md;
//   3. openapi.yaml and asyncapi.yaml are copied next to the API pages that link to them.
// Exit code is non-zero when either step fails. Warnings are printed as-is (tests/docs fails on them).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
// Redoc 3 in the browser reports page views and errors to otel.cloud.redocly.com unless its
// options say disableTelemetry (the CLI writes false whatever the flags say), and loads its
// attribution logo from cdn.redoc.ly. Turn the first off, draw the logo locally (the attribution
// link stays). The browser test in tests/docs checks that the site makes no off-site request.
const reference = join(outDir, 'api-reference.html');
const logo = (w) =>
  `data:image/svg+xml,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="16"><text x="0" y="12" font-family="sans-serif" font-size="12" fill="#888">Redocly</text></svg>`)}`;
const html = readFileSync(reference, 'utf8');
const patched = html
  .replaceAll('https://cdn.redoc.ly/redoc/logo-mini-full.svg', logo(60))
  .replaceAll('https://cdn.redoc.ly/redoc/logo-mini.svg', logo(60))
  // no /favicon.ico request from this page either
  .replace('<head>', '<head><link rel="icon" href="data:,">')
  .replace(/const __redoc_options = (\{.*?\});/, (_, json) => `const __redoc_options = ${JSON.stringify({ ...JSON.parse(json), disableTelemetry: true })};`);
if (!/const __redoc_options = \{.*"disableTelemetry":true/.test(patched) || patched.includes('https://cdn.redoc.ly/')) {
  console.error('docs:build: could not turn off Redoc telemetry / the CDN logo (Redoc output changed?)');
  process.exit(1);
}
writeFileSync(reference, patched);
// The specifications themselves, so the pages' links to ./openapi.yaml and ./asyncapi.yaml work on the site.
mkdirSync(join(outDir, 'api'), { recursive: true });
for (const f of ['openapi.yaml', 'asyncapi.yaml']) copyFileSync(join(root, 'docs/api', f), join(outDir, 'api', f));
console.log(`docs:build: site in ${outDir}`);
