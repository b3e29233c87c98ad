/**
 * Merges the contract coverage recorded by the server tests (test-results/contract-coverage/*.json,
 * written by apps/server/test/support/contract-setup.ts) into one report: which operations and
 * statuses, and which WebSocket messages, the run exercised.
 *
 *   npm run api:coverage      (after `npx vitest run --project server`)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = `${root}test-results/contract-coverage`;
const openapi = parse(readFileSync(`${root}docs/api/openapi.yaml`, 'utf8'));
const asyncapi = parse(readFileSync(`${root}docs/api/asyncapi.yaml`, 'utf8'));

const operations = new Map<string, Set<number>>();
const messages = new Map<string, number>();
let files = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
  const c = JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')) as { operations: Record<string, number[]>; messages: Record<string, number> };
  files++;
  for (const [id, statuses] of Object.entries(c.operations)) for (const s of statuses) (operations.get(id) ?? operations.set(id, new Set()).get(id)!).add(s);
  for (const [key, n] of Object.entries(c.messages)) messages.set(key, (messages.get(key) ?? 0) + n);
}

const lines = ['# API contract coverage', '', `From ${files} test file run(s).`, '', '| Operation | Documented statuses | Exercised |', '|---|---|---|'];
let missingOps = 0;
for (const item of Object.values(openapi.paths) as Record<string, any>[]) {
  for (const op of Object.values(item)) {
    const seen = [...(operations.get(op.operationId) ?? [])].sort();
    if (!seen.length) missingOps++;
    lines.push(`| ${op.operationId} | ${Object.keys(op.responses).join(' ')} | ${seen.join(' ') || '**none**'} |`);
  }
}
lines.push('', '| Message | Frames seen |', '|---|---|');
let missingMessages = 0;
for (const key of Object.keys(asyncapi.components.messages)) {
  if (!messages.get(key)) missingMessages++;
  lines.push(`| ${key} | ${messages.get(key) ?? '**none**'} |`);
}
const report = lines.join('\n') + '\n';
writeFileSync(`${root}test-results/contract-coverage.md`, report);
console.log(report);
console.log(`${missingOps} operation(s) and ${missingMessages} message(s) not exercised`);
process.exit(missingOps || missingMessages ? 1 : 0);
