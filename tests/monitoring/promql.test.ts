import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { skipWithout } from '../support/tools';
import { dashboardExpressions, metricNamesIn, ruleExpressions, substituteGrafanaVariables } from './metric-names';

/** Check expressions with promtool by wrapping each in a recording rule of a temporary rule file. */
function promtoolCheck(exprs: string[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parley-promql-'));
  const file = join(dir, 'exprs.yaml');
  writeFileSync(file, stringify({ groups: [{ name: 'exprs', rules: exprs.map((expr, i) => ({ record: `parley_test:expr_${i}:check`, expr })) }] }, { lineWidth: 0 }));
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('PromQL expressions', () => {
  const dash = dashboardExpressions();
  const rule = ruleExpressions();

  it('finds the dashboards and rules expressions', () => {
    expect(dash.length).toBeGreaterThan(50);
    expect(rule.length).toBeGreaterThan(20);
  });

  it('substitutes Grafana variables with valid PromQL', () => {
    expect(substituteGrafanaVariables('rate(x{a=~"$namespace"}[$__rate_interval])')).toBe('rate(x{a=~".*"}[5m])');
  });

  it('parse with the Prometheus Lezer grammar', () => {
    for (const e of [...rule, ...dash]) expect(() => metricNamesIn(e.expr), e.where).not.toThrow();
  });

  it('the grammar check rejects broken PromQL', () => {
    expect(() => metricNamesIn('sum(rate(http_requests_total[5m])')).toThrow(/syntax error/);
  });

  describe.skipIf(skipWithout('promtool'))('promtool', () => {
    it('parses every dashboard expression', () => {
      const r = promtoolCheck(dash.map((e) => e.expr));
      expect(r.status, r.output).toBe(0);
      expect(r.output).toContain(`SUCCESS: ${dash.length} rules found`);
    });

    it('rejects a broken expression (the check is real)', () => {
      const r = promtoolCheck(['sum by (route (rate(http_requests_total[5m]))']);
      expect(r.status).not.toBe(0);
    });
  });
});
