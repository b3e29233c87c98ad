#!/usr/bin/env node
// The repository's test command (README: `npm test`). Builds what the tests need, runs every
// Vitest project, then prints one closing line `N passed, N failed, N skipped`.
// Under CI=true a skipped test counts as a failure: CI must not hide a missing tool or service.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

if (run('npm', ['run', 'build']) !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
mkdirSync('test-results', { recursive: true });
const extra = process.argv.slice(2);
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json', ...extra]);

let passed = 0, failed = 0, skipped = 0;
try {
  const report = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed = report.numPassedTests;
  // A suite that failed outside any test (e.g. in beforeAll) counts once when no test of it failed.
  failed = report.numFailedTests || (report.numFailedTestSuites ?? 0);
  skipped = report.numPendingTests + report.numTodoTests;
} catch {
  failed = Math.max(failed, 1);
}
const ci = process.env.CI === 'true';
if (ci && skipped > 0) console.error(`CI=true: ${skipped} skipped test(s) count as failures`);
const failures = failed + (ci ? skipped : 0) + (status !== 0 && failed === 0 ? 1 : 0);
console.log(`${passed} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failures > 0 ? 1 : 0);
