#!/usr/bin/env node
// `npm start`: build what is missing or stale, then run the server on the embedded default
// (PGlite under ./data, in-process event bus) unless DATABASE_URL / REDIS_URL are set.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const serverEntry = 'apps/server/dist/main.js';
const stale = (src, out) => !existsSync(out) || newest(src) > statSync(out).mtimeMs;
const needsBuild =
  stale('apps/server/src', serverEntry) ||
  stale('packages/protocol/src', serverEntry) ||
  (existsSync('apps/web/src') && stale('apps/web/src', 'apps/web/dist/index.html'));
if (needsBuild) {
  console.error('parley: building (first start or sources changed)…');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const child = spawn(process.execPath, [serverEntry, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
