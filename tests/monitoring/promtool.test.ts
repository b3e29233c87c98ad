import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools';
import { alertRules, monitoringDir, rulesDir } from './metric-names';

const testsDir = join(monitoringDir, 'tests');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(rulesDir, f));
const testFiles = readdirSync(testsDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(testsDir, f));

type AlertTest = { eval_time: string; alertname: string; exp_alerts?: Array<{ exp_labels?: Record<string, unknown>; exp_annotations?: Record<string, string> }> };
type TestFile = { rule_files: string[]; tests: Array<{ name?: string; alert_rule_test?: AlertTest[] }> };
const parsedTests = testFiles.map((f) => ({ file: f, doc: parse(readFileSync(f, 'utf8')) as TestFile }));

describe.skipIf(skipWithout('promtool'))('promtool', () => {
  it('accepts every rule file (promtool check rules)', () => {
    const r = spawnSync('promtool', ['check', 'rules', ...ruleFiles], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/FAILED/);
  });

  it('passes every unit test (promtool test rules)', () => {
    const r = spawnSync('promtool', ['test', 'rules', ...testFiles], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(testFiles.length);
  });

  it('fails a unit test whose expectation is wrong (the runner really checks)', () => {
    // A copy of one firing expectation with a wrong severity must fail.
    const { file, doc } = parsedTests[0];
    const broken = structuredClone(doc);
    const t = broken.tests.flatMap((x) => x.alert_rule_test ?? []).find((a) => (a.exp_alerts ?? []).length > 0)!;
    (t.exp_alerts![0].exp_labels as Record<string, unknown>).severity = 'not-a-severity';
    broken.rule_files = broken.rule_files.map((r) => join(testsDir, r));
    const tmp = join(mkdtempSync(join(tmpdir(), 'parley-promtool-')), 'broken.test.yaml');
    writeFileSync(tmp, JSON.stringify(broken));
    const r = spawnSync('promtool', ['test', 'rules', tmp], { encoding: 'utf8' });
    expect(r.status, `${file} copy`).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/not-a-severity/);
  });
});

describe('promtool unit-test coverage', () => {
  const tests = parsedTests.flatMap(({ doc }) => doc.tests.flatMap((t) => t.alert_rule_test ?? []));

  it('covers only alerts that exist', () => {
    const names = new Set(alertRules().map((r) => r.alert));
    for (const t of tests) expect(names, t.alertname).toContain(t.alertname);
  });

  for (const rule of alertRules()) {
    it(`${rule.alert} has a test that fires it and one that proves it quiet`, () => {
      const mine = tests.filter((t) => t.alertname === rule.alert);
      expect(mine.some((t) => (t.exp_alerts ?? []).length > 0), 'firing test').toBe(true);
      expect(mine.some((t) => (t.exp_alerts ?? []).length === 0), 'quiet test').toBe(true);
    });
  }

  it('every rule file is loaded by some test file', () => {
    const loaded = new Set(parsedTests.flatMap(({ doc }) => doc.rule_files.map((r) => join(testsDir, r))));
    for (const f of ruleFiles) expect(loaded, f).toContain(f);
  });
});
