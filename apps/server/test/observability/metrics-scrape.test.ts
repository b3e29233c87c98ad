import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { referencedMetricNames } from '../../../../tests/monitoring/metric-names.js';
import { backends, createBackend, startTestServer, type Backend } from '../support/harness.js';
import { driveTraffic, scrape, type Sample } from './traffic.js';

/*
 * Every metric name a dashboard panel or alert/recording rule references (deploy/monitoring,
 * via tests/monitoring/metric-names.ts: histogram series already expanded to _bucket/_sum/
 * _count, recording-rule outputs and external metrics removed) must be present as at least
 * one sample in a live scrape after ordinary traffic. A name with only HELP/TYPE lines and no
 * sample does not count: Prometheus stores nothing for it.
 */

/** Exported only by a server with Redis configured (REDIS_URL); absent on the embedded default by design. */
const REDIS_ONLY = new Set(['parley_redis_connected']);

describe.each(backends())('live /metrics scrape on %s', (backendName) => {
  let backend: Backend;
  let server: RunningServer;
  let samples: Sample[];

  beforeAll(async () => {
    backend = await createBackend(backendName);
    server = await startTestServer(backend);
    await driveTraffic(server.url);
    samples = await scrape(server.metricsUrl);
  });
  afterAll(async () => {
    await server?.shutdown();
    await backend?.dispose();
  });

  it('has a sample for every metric referenced by dashboards and rules', () => {
    const referenced = referencedMetricNames();
    expect(referenced.size).toBeGreaterThan(20);
    const present = new Set(samples.map((s) => s.name));
    const expected = [...referenced].filter((n) => backendName !== 'pglite' || !REDIS_ONLY.has(n));
    const missing = expected.filter((n) => !present.has(n)).sort();
    expect(missing, `referenced by deploy/monitoring but missing from the scrape on ${backendName}`).toEqual([]);
    if (backendName !== 'pglite') for (const n of REDIS_ONLY) expect(present.has(n), n).toBe(true);
  });

  it('counts the traffic it was given, with bounded labels', () => {
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
    expect(value('parley_registrations_total')).toBeGreaterThanOrEqual(2);
    expect(value('parley_logins_total', { result: 'success' })).toBeGreaterThanOrEqual(1);
    expect(value('parley_logins_total', { result: 'failure' })).toBeGreaterThanOrEqual(1);
    expect(value('parley_messages_created_total', { room_kind: 'public' })).toBeGreaterThanOrEqual(2);
    expect(value('parley_ws_frames_received_total', { type: 'message.send' })).toBeGreaterThanOrEqual(1);
    expect(value('parley_ws_frames_rejected_total', { reason: 'invalid' })).toBeGreaterThanOrEqual(1);
    expect(value('parley_ws_connections_opened_total')).toBeGreaterThanOrEqual(2);
    expect(value('parley_ws_connections_closed_total')).toBeGreaterThanOrEqual(2);
    expect(value('parley_ws_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(value('http_requests_total', { method: 'POST', route: '/api/v1/auth/login', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(value('http_request_duration_seconds_count', { route: '/api/v1/rooms/:roomId/messages' })).toBeGreaterThanOrEqual(1);
    // Zero-initialised series for bounded label sets exist before the first event.
    expect(samples.some((s) => s.name === 'parley_message_send_failures_total' && s.labels.reason === 'database')).toBe(true);
    expect(samples.some((s) => s.name === 'parley_rate_limit_rejections_total' && s.labels.scope === 'upload')).toBe(true);
    // No user or room ids in labels.
    const ids = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    const leaking = samples.filter((s) => Object.values(s.labels).some((v) => ids.test(v)));
    expect(leaking.map((s) => `${s.name}${JSON.stringify(s.labels)}`)).toEqual([]);
  });
});
