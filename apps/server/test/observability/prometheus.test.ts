import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { rulesDir } from '../../../../tests/monitoring/metric-names.js';
import { skipWithout } from '../../../../tests/support/tools.js';
import { createBackend, startTestServer, type Backend } from '../support/harness.js';
import { Api, sleep } from '../support/client.js';
import { driveTraffic } from './traffic.js';

/*
 * End to end: a real Prometheus (Debian package `prometheus`) scrapes a running server's
 * metrics port on loopback as job "parley-server" and evaluates the project's own rule files
 * (deploy/monitoring/rules/parley-app.yaml and parley-slo.yaml, expressions unchanged; only
 * the evaluation intervals are shortened to 1 s so the test takes seconds, not minutes).
 * Checked through the Prometheus HTTP API: the target is up, recording rules produce values
 * from the live traffic, no rule fails to evaluate, and when the server stops the
 * target-down alerts go pending.
 */
const RULE_FILES = ['parley-app.yaml', 'parley-slo.yaml'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe.skipIf(skipWithout('prometheus'))('Prometheus scrapes the server and evaluates the rules', () => {
  let backend: Backend;
  let server: RunningServer;
  let prometheus: ChildProcess;
  let promUrl = '';
  let dir = '';
  let stopTraffic = false;
  let traffic: Promise<void> = Promise.resolve();
  let serverStopped = false;
  const promLog: string[] = [];

  const api = async (path: string): Promise<any> => {
    const res = await fetch(`${promUrl}${path}`);
    const body = (await res.json()) as { status: string; data: any; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> =>
    (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

  beforeAll(async () => {
    backend = await createBackend('pglite');
    server = await startTestServer(backend);
    await driveTraffic(server.url);
    // Keep requests flowing so rate() over consecutive scrapes is above zero, and probe
    // readiness as the kubelet / compose healthcheck do (it updates parley_db_up).
    const anon = new Api(server.url);
    traffic = (async () => {
      for (let i = 0; !stopTraffic; i++) {
        await anon.get(i % 5 === 0 ? '/health/ready' : '/api/v1/config').catch(() => undefined);
        await sleep(100);
      }
    })();

    dir = mkdtempSync(join(tmpdir(), 'parley-prom-'));
    for (const f of RULE_FILES) writeFileSync(join(dir, f), readFileSync(join(rulesDir, f), 'utf8').replace(/^(\s+)interval:\s*\S+$/gm, '$1interval: 1s'));
    const target = new URL(server.metricsUrl).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        ...RULE_FILES.map((f) => `  - ${join(dir, f)}`),
        'scrape_configs:',
        '  - job_name: parley-server',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ["${target}"]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (d) => promLog.push(String(d)));
    prometheus.stderr?.on('data', (d) => promLog.push(String(d)));
    await waitFor('Prometheus to be ready', async () => ((await fetch(`${promUrl}/-/ready`).catch(() => null))?.ok ? true : undefined)).catch((err) => {
      throw new Error(`${(err as Error).message}\n${promLog.join('')}`);
    });
  });

  afterAll(async () => {
    stopTraffic = true;
    await traffic;
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus.once('exit', r));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    if (!serverStopped) await server?.shutdown();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the metrics port as job parley-server', async () => {
    const up = await waitFor('target up', async () => {
      const r = await query('up{job="parley-server"}');
      return r.length === 1 && r[0]!.value[1] === '1' ? r : undefined;
    });
    expect(up[0]!.metric.instance).toBe(new URL(server.metricsUrl).host);
    const built = await waitFor('parley_build_info', async () => {
      const r = await query('parley_build_info{job="parley-server"}');
      return r.length ? r : undefined;
    });
    expect(built[0]!.metric.node).toBe(process.version);
  });

  it('evaluates the recording rules on live traffic', async () => {
    const rate = await waitFor('parley:http_requests:rate5m > 0', async () => {
      const r = await query('parley:http_requests:rate5m{job="parley-server"}');
      return r.length && Number(r[0]!.value[1]) > 0 ? r : undefined;
    });
    expect(rate[0]!.metric).toMatchObject({ job: 'parley-server' });
    const slo = await waitFor('SLO ratio', async () => {
      const r = await query('parley:slo_http_latency:error_ratio_rate5m{job="parley-server"}');
      return r.length && r[0]!.value[1] !== 'NaN' ? r : undefined;
    });
    // Loopback requests are fast: almost none of them is slower than 500 ms.
    expect(Number(slo[0]!.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(slo[0]!.value[1])).toBeLessThan(0.5);
  });

  it('evaluates every rule of the loaded files without errors; availability and error alerts stay inactive', async () => {
    const data = await waitFor('rule groups evaluated', async () => {
      const d = await api('/api/v1/rules');
      const rules = d.groups.flatMap((g: any) => g.rules);
      return rules.length && rules.every((r: any) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001')) ? d : undefined;
    });
    const rules = data.groups.flatMap((g: any) => g.rules.map((r: any) => ({ ...r, group: g.name })));
    expect(rules.length).toBeGreaterThan(15);
    const broken = rules.filter((r: any) => r.health !== 'ok').map((r: any) => `${r.group}/${r.name}: ${r.lastError}`);
    expect(broken).toEqual([]);
    // Alerts about what this test controls stay quiet on a healthy server. (Resource alerts such
    // as event-loop lag depend on the machine: PGlite runs queries on the server's own thread.)
    const quiet = ['ParleyServerDown', 'ParleyServerTargetDown', 'ParleyDatabaseDown', 'ParleyHighErrorRate', 'ParleyMessageSendFailures', 'ParleyFanoutPublishFailures', 'ParleyDatabasePoolSaturated'];
    const byName = new Map(rules.map((r: any) => [r.name, r]));
    for (const name of quiet) {
      expect(byName.get(name), `${name} is loaded`).toBeDefined();
      expect(byName.get(name).state, name).toBe('inactive');
    }
  });

  it('puts the target-down alerts in pending when the server stops', async () => {
    stopTraffic = true;
    await traffic;
    await server.shutdown();
    serverStopped = true;
    const alerts = await waitFor('ParleyServerTargetDown pending', async () => {
      const a = (await api('/api/v1/alerts')).alerts as Array<{ labels: Record<string, string>; state: string }>;
      return a.some((x) => x.labels.alertname === 'ParleyServerTargetDown' && x.state === 'pending') ? a : undefined;
    });
    const down = alerts.find((x) => x.labels.alertname === 'ParleyServerTargetDown')!;
    expect(down.labels).toMatchObject({ job: 'parley-server', severity: 'warning' });
    expect(alerts.some((x) => x.labels.alertname === 'ParleyServerDown' && x.state === 'pending')).toBe(true);
  });
});
