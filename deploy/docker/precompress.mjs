#!/usr/bin/env node
// Writes .gz and .br next to every compressible file of a built static site, for nginx's
// gzip_static / brotli_static. Keeps a compressed copy only when it is actually smaller.
// Usage: node precompress.mjs <dir>
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: precompress.mjs <dir>');
  process.exit(2);
}
const compressible = /\.(?:html|js|mjs|css|json|svg|txt|xml|webmanifest|wasm|ico)$/i; // not .map: rarely fetched
let files = 0;
let before = 0;
let gz = 0;
let br = 0;
function walk(d) {
  for (const entry of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (compressible.test(entry.name) && statSync(p).size >= 256) {
      const data = readFileSync(p);
      const g = gzipSync(data, { level: 9 });
      const b = brotliCompressSync(data, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
      });
      files += 1;
      before += data.length;
      if (g.length < data.length) { writeFileSync(`${p}.gz`, g); gz += g.length; }
      if (b.length < data.length) { writeFileSync(`${p}.br`, b); br += b.length; }
    }
  }
}
walk(dir);
console.log(`precompressed ${files} files: ${before} bytes -> gzip ${gz}, brotli ${br}`);
