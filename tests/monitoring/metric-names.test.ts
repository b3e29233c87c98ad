import { describe, expect, it } from 'vitest';
import {
  allReferencedNames,
  defaultSeriesNames,
  definedMetrics,
  definedSeriesNames,
  externalMetrics,
  recordingRuleNames,
  referencedMetricNames,
} from './metric-names';

describe('metric names used by rules and dashboards', () => {
  it('parses the metrics contract (apps/server/src/observability/metrics.ts)', () => {
    const defined = definedMetrics();
    expect(defined.get('http_requests_total')).toBe('counter');
    expect(defined.get('http_request_duration_seconds')).toBe('histogram');
    expect(defined.get('parley_ws_delivery_latency_seconds')).toBe('histogram');
    expect(definedSeriesNames()).toContain('parley_db_query_duration_seconds_bucket');
    expect(definedSeriesNames()).not.toContain('parley_db_query_duration_seconds');
  });

  it('each is defined by Parley, a prom-client default, a recording rule, or listed as external', async () => {
    const own = definedSeriesNames();
    const defaults = await defaultSeriesNames();
    const recorded = recordingRuleNames();
    const external = new Set(externalMetrics().map((m) => m.name));
    const unknown = [...allReferencedNames()].filter(([n]) => !own.has(n) && !defaults.has(n) && !recorded.has(n) && !external.has(n));
    expect(unknown.map(([n, where]) => `${n} (${where[0]})`)).toEqual([]);
  });

  it('referencedMetricNames() holds only names a Parley server exports', async () => {
    const names = referencedMetricNames();
    const exported = new Set([...definedSeriesNames(), ...(await defaultSeriesNames())]);
    expect(names.size).toBeGreaterThan(30);
    for (const n of names) expect(exported, n).toContain(n);
    // Spot checks: used by alerts, dashboards and the SLO rules.
    for (const n of ['http_requests_total', 'http_request_duration_seconds_bucket', 'parley_ws_delivery_latency_seconds_bucket', 'parley_db_pool_max', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(names).toContain(n);
    }
  });

  it('uses every recording rule it defines... and only recording rules that exist', () => {
    const recorded = recordingRuleNames();
    const referenced = allReferencedNames();
    for (const [n, where] of referenced) if (n.includes(':')) expect(recorded, `${n} in ${where[0]}`).toContain(n);
  });

  it('lists external metrics with a source, none of them clashing with Parley or prom-client names', async () => {
    const own = definedSeriesNames();
    const defaults = await defaultSeriesNames();
    const external = externalMetrics();
    expect(external.map((m) => m.name)).toEqual(expect.arrayContaining([
      'kube_pod_status_ready',
      'kube_pod_container_status_restarts_total',
      'kube_pod_container_resource_limits',
      'container_memory_working_set_bytes',
      'certmanager_certificate_expiration_timestamp_seconds',
    ]));
    for (const m of external) {
      expect(m.source, m.name).toMatch(/\S{3,}/);
      expect(own.has(m.name) || defaults.has(m.name), m.name).toBe(false);
    }
    const names = external.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('does not list external metrics nobody uses', () => {
    const referenced = allReferencedNames();
    const unused = externalMetrics().filter((m) => !referenced.has(m.name)).map((m) => m.name);
    expect(unused).toEqual([]);
  });
});
