import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, repoRoot, rules } from './metric-names';

const RUNBOOK_PREFIX = 'https://github.com/parley-chat/parley/blob/main/docs/runbooks/';

describe('alert rules', () => {
  const alerts = alertRules();

  it('includes every alert the issue asks for', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of [
      'ParleyHighErrorRate',
      'ParleyLatencyBudgetBurnFast',
      'ParleyLatencyBudgetBurnSlow',
      'ParleyWebSocketDeliveryLatencyHigh',
      'ParleyPodNotReady',
      'ParleyPodRestarting',
      'ParleyMemoryNearLimit',
      'ParleyDatabasePoolSaturated',
      'ParleyRedisDisconnected',
      'ParleyMessageSendFailures',
      'ParleyFanoutPublishFailures',
      'ParleyCertificateExpiringSoon',
      'ParleyBackupTooOld',
    ]) {
      expect(names).toContain(required);
    }
  });

  it('has unique alert and recording rule names', () => {
    const names = rules().map((r) => r.alert ?? r.record);
    expect(new Set(names).size).toBe(names.length);
  });

  it('uses the brief threshold for the 5xx ratio: 5xx rate relative to traffic over 5m > 5 %', () => {
    const expr = alerts.find((a) => a.alert === 'ParleyHighErrorRate')!.expr.replace(/\s+/g, ' ');
    expect(expr).toContain('rate(http_requests_total{job="parley-server", status=~"5.."}[5m])');
    expect(expr).toMatch(/\/ sum by \(job, namespace\) \(rate\(http_requests_total\{job="parley-server"\}\[5m\]\)\) \) > 0\.05/);
  });

  it('computes the latency SLO burn from recording rules over short and long windows', () => {
    const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) expect(recorded).toContain(`parley:slo_http_latency:error_ratio_rate${w}`);
    const fast = alerts.find((a) => a.alert === 'ParleyLatencyBudgetBurnFast')!.expr;
    expect(fast).toMatch(/error_ratio_rate1h > \(14\.4 \* 0\.01\)[\s\S]*error_ratio_rate5m > \(14\.4 \* 0\.01\)/);
    expect(fast).toMatch(/error_ratio_rate6h > \(6 \* 0\.01\)[\s\S]*error_ratio_rate30m > \(6 \* 0\.01\)/);
  });

  it('names recording rules level:metric:operations', () => {
    for (const r of rules().filter((r) => r.record)) expect(r.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  for (const a of alerts) {
    describe(a.alert!, () => {
      it('has a severity label and summary/description annotations', () => {
        expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
        expect(a.annotations?.summary?.length).toBeGreaterThan(10);
        expect(a.annotations?.description?.length).toBeGreaterThan(20);
      });

      it('links a runbook that exists and says how to diagnose and fix', () => {
        expect(a.annotations?.runbook_url).toBe(`${RUNBOOK_PREFIX}${a.alert}.md`);
        const file = join(repoRoot, 'docs/runbooks', `${a.alert}.md`);
        expect(existsSync(file), file).toBe(true);
        const text = readFileSync(file, 'utf8');
        expect(text).toMatch(new RegExp(`^# ${a.alert}$`, 'm'));
        expect(text).toMatch(/^## Diagnosis$/m);
        expect(text).toMatch(/^## Remedy$/m);
        expect(text).toContain(a.labels!.severity);
      });

      it('is listed in the runbook index', () => {
        const index = readFileSync(join(repoRoot, 'docs/runbooks/README.md'), 'utf8');
        expect(index).toContain(`| ${a.alert} | ${a.labels!.severity} |`);
      });
    });
  }
});
