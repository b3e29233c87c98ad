/*
 * A real Prometheus loads every Parley rule file, scrapes a synthetic exporter on loopback
 * that speaks the same metric names, and evaluates the recording rules and an alert.
 * (The live test against a real Parley server reuses prometheus-harness.ts.)
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import { alertRules, rules } from './metric-names';
import { startPrometheus, type RunningPrometheus } from './prometheus-harness';

/** Counters that grow on every scrape: 9 OK and 1 failing request per scrape, one Redis client down. */
function syntheticExporter(): Promise<{ server: Server; target: string }> {
  let n = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    n += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# TYPE http_requests_total counter',
        `http_requests_total{method="GET",route="/api/v1/rooms",status="200"} ${n * 90}`,
        `http_requests_total{method="POST",route="/api/v1/rooms/:roomId/messages",status="500"} ${n * 10}`,
        '# TYPE parley_redis_connected gauge',
        'parley_redis_connected{client="command"} 1',
        'parley_redis_connected{client="subscriber"} 0',
        '# TYPE parley_db_up gauge',
        'parley_db_up 1',
        '',
      ].join('\n'),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, target: `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
  }));
}

describe.skipIf(skipWithout('prometheus'))('real Prometheus with Parley rules', () => {
  let prom: RunningPrometheus;
  let exporter: Server;

  beforeAll(async () => {
    const e = await syntheticExporter();
    exporter = e.server;
    prom = await startPrometheus({ targets: [e.target] });
  });

  afterAll(async () => {
    await prom?.stop();
    await new Promise((r) => exporter?.close(r));
  });

  it('loads every rule group and rule without errors', async () => {
    const data = await prom.api<{ groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> }>('/api/v1/rules');
    const loaded = data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules().map((r) => r.alert ?? r.record!).sort());
    // Give every group one evaluation, then no rule may report an error.
    await prom.waitFor('parley:http_requests:rate5m');
    const after = (await prom.api<{ groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> }>('/api/v1/rules')).groups.flatMap((g) => g.rules);
    expect(after.filter((r) => r.health === 'err').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });

  it('scrapes the target as job parley-server and evaluates the 5xx recording rule', async () => {
    await prom.waitFor('up{job="parley-server"} == 1');
    const ratio = await prom.waitFor('parley:http_requests_5xx:ratio_rate5m');
    expect(ratio[0].metric.job).toBe('parley-server');
    expect(Number(ratio[0].value[1])).toBeCloseTo(0.1, 5);
  });

  it('puts ParleyRedisDisconnected into pending for the disconnected client only', async () => {
    const pending = await prom.waitFor('ALERTS{alertname="ParleyRedisDisconnected"}');
    expect(pending.map((s) => [s.metric.client, s.metric.alertstate, s.metric.severity])).toEqual([['subscriber', 'pending', 'critical']]);
    const declared = alertRules().find((a) => a.alert === 'ParleyRedisDisconnected')!;
    expect(declared.for).toBe('2m');
  });

  it('keeps ParleyServerDown quiet while the target is up', async () => {
    await prom.waitFor('up{job="parley-server"} == 1');
    expect(await prom.query('ALERTS{alertname="ParleyServerDown"}')).toEqual([]);
  });
});
