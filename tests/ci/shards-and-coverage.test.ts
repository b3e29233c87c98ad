// ci.yml's test shards cover every test file exactly once, and the coverage gate fails below
// its floor and never lowers it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWorkflows, repoRoot } from './workflows';
// @ts-expect-error plain ESM scripts without type declarations
import { SHARD_NAMES, filtersFor, listTestFiles, shardOf } from '../../scripts/ci/test-shards.mjs';
// @ts-expect-error plain ESM scripts without type declarations
import { METRICS, checkCoverage, ratchet } from '../../scripts/ci/coverage-gate.mjs';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'parley-ci-cov-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('test shards', () => {
  const files: string[] = listTestFiles(repoRoot);

  it('ci.yml runs exactly the shards test-shards.mjs defines', () => {
    const ci = loadWorkflows().find((w) => w.file === 'ci.yml')!;
    const matrix = (ci.doc.jobs.test!.strategy as { matrix: { include: { shard: string }[] } }).matrix.include.map((i) => i.shard);
    expect([...matrix].sort()).toEqual([...SHARD_NAMES].sort());
  });

  it('finds the repository test files (this file included) and none under node_modules', () => {
    expect(files).toContain('tests/ci/shards-and-coverage.test.ts');
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('assigns every test file to exactly one shard, and the shard filters select exactly those files', () => {
    const selected = new Map<string, string[]>();
    for (const shard of SHARD_NAMES as string[]) {
      const filters: string[] = filtersFor(shard, files);
      for (const f of files.filter((file) => filters.some((flt) => file.startsWith(flt)))) selected.set(f, [...(selected.get(f) ?? []), shard]);
    }
    for (const f of files) expect(selected.get(f), f).toEqual([shardOf(f)]);
  });

  it('a named shard without files yields no filters (so run-shard.sh runs nothing, never everything)', () => {
    expect(filtersFor('k8s', ['apps/server/src/a.test.ts'])).toEqual([]);
    expect(filtersFor('rest', ['apps/server/src/a.test.ts', 'tests/docs/links.test.ts'])).toEqual(['tests/docs/links.test.ts']);
    expect(() => filtersFor('nope', files)).toThrow(/unknown shard/);
  });
});

describe('coverage gate', () => {
  const summary = (pct: number) => ({ total: Object.fromEntries((METRICS as string[]).map((m) => [m, { pct }])) });
  const floor = { lines: 60, statements: 60, functions: 55, branches: 50 };

  it('passes at or above the floor and fails below it, naming the metric', () => {
    expect(checkCoverage(summary(70), floor).failures).toEqual([]);
    const low = checkCoverage({ total: { ...summary(70).total, branches: { pct: 49.5 } } }, floor);
    expect(low.failures).toEqual(['branches coverage 49.50 % is below the floor of 50 %']);
    expect(checkCoverage({ total: {} }, floor).failures).toHaveLength(4);
  });

  it('ratchets the floor up to the measured whole percent and never down', () => {
    expect(ratchet(summary(72.9), floor)).toEqual({ lines: 72, statements: 72, functions: 72, branches: 72 });
    expect(ratchet(summary(10), floor)).toEqual(floor);
  });

  it('the CLI exits 1 below the floor and 0 above; --ratchet rewrites the file only upwards', async () => {
    const thresholds = join(tmp, 'thresholds.json');
    const sum = join(tmp, 'summary.json');
    writeFileSync(thresholds, JSON.stringify(floor));
    writeFileSync(sum, JSON.stringify(summary(40)));
    const gate = (...extra: string[]) =>
      exec(process.execPath, [join(repoRoot, 'scripts/ci/coverage-gate.mjs'), '--summary', sum, '--thresholds', thresholds, ...extra]).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
    expect(await gate()).toBe(1);
    expect(await gate('--ratchet')).toBe(1);
    expect(JSON.parse(readFileSync(thresholds, 'utf8'))).toEqual(floor);
    writeFileSync(sum, JSON.stringify(summary(81.4)));
    expect(await gate('--ratchet')).toBe(0);
    expect(JSON.parse(readFileSync(thresholds, 'utf8'))).toEqual({ lines: 81, statements: 81, functions: 81, branches: 81 });
  });

  it('the committed floor is a real measurement, not zero', () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, 'scripts/ci/coverage-thresholds.json'), 'utf8')) as Record<string, unknown>;
    for (const m of METRICS as string[]) {
      expect(typeof committed[m], m).toBe('number');
      expect(committed[m] as number, m).toBeGreaterThan(0);
    }
    expect(String(committed.measured)).toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});
