#!/usr/bin/env node
// Splits the repository's one test command (`npm test`, every Vitest project) into the named
// jobs of .github/workflows/ci.yml, so GitHub runs exactly the tests `.ci/run` runs here —
// in parallel, each job with only the tools and services it needs — and no test file can be
// left out: every *.test.* file belongs to exactly one shard, `rest` takes what no named
// shard claims.
//
//   node scripts/ci/test-shards.mjs <shard>     Vitest filters for that shard, one per line
//   node scripts/ci/test-shards.mjs --list      every test file with its shard
//
// ci.yml runs `npm test -- --passWithNoTests <filters>` (scripts/ci/run-shard.sh). The filters
// are ABSOLUTE paths: Vitest matches a relative filter against each file's path relative to its
// own project root, so `apps/` would match nothing in the `server` project (root apps/server),
// while an absolute directory matches every file under it in every project.
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Named shards: path prefixes (relative to the repository root, `/`-separated). */
export const SHARDS = {
  'unit-integration': ['apps/', 'packages/'],
  e2e: ['tests/e2e/'],
  api: ['tests/api/'],
  k8s: ['tests/k8s/', 'tests/kubernetes/'],
  monitoring: ['tests/monitoring/', 'tests/observability/'],
  containers: ['tests/docker/', 'tests/containers/', 'tests/compose/'],
  ci: ['tests/ci/'],
};
export const SHARD_NAMES = [...Object.keys(SHARDS), 'rest'];

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-results', '.release']);
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;

/** Every test file under root (relative, `/`-separated), sorted. */
export function listTestFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(`${dir}${sep}${entry.name}`);
      } else if (TEST_FILE.test(entry.name)) {
        out.push(relative(root, `${dir}${sep}${entry.name}`).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

export function shardOf(file) {
  for (const [name, prefixes] of Object.entries(SHARDS)) {
    if (prefixes.some((p) => file.startsWith(p))) return name;
  }
  return 'rest';
}

/** The Vitest filters for one shard: prefixes for named shards, files for `rest`. */
export function filtersFor(shard, files) {
  if (shard === 'rest') return files.filter((f) => shardOf(f) === 'rest');
  const prefixes = SHARDS[shard];
  if (!prefixes) throw new Error(`unknown shard "${shard}" (known: ${SHARD_NAMES.join(', ')})`);
  return prefixes.filter((p) => files.some((f) => f.startsWith(p)));
}

function main() {
  const arg = process.argv[2];
  const root = new URL('../..', import.meta.url).pathname;
  const files = listTestFiles(root);
  if (arg === '--list') {
    for (const f of files) console.log(`${shardOf(f)}\t${f}`);
    return;
  }
  if (!arg || !SHARD_NAMES.includes(arg)) {
    console.error(`usage: test-shards.mjs <${SHARD_NAMES.join('|')}> | --list`);
    process.exit(2);
  }
  for (const f of filtersFor(arg, files)) console.log(join(root, f));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
