/*
 * Start a real Prometheus (Debian package `prometheus`) on loopback for a test: it scrapes the
 * given targets as job "parley-server" and loads Parley's rule files. Reusable by the live
 * scrape test (point `targets` at a running server's METRICS_PORT).
 *
 *   const prom = await startPrometheus({ targets: ['127.0.0.1:9464'] });
 *   try { await prom.waitFor('up{job="parley-server"} == 1'); } finally { await prom.stop(); }
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { rulesDir } from './metric-names';

export type Sample = { metric: Record<string, string>; value: [number, string] };

export interface RunningPrometheus {
  url: string;
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<Sample[]>;
  /** Poll an instant query until it returns at least one sample (or time out). */
  waitFor(expr: string, timeoutMs?: number): Promise<Sample[]>;
  /** GET an API path (e.g. /api/v1/rules) and return `data`. */
  api<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
  logs(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrometheus(opts: { targets: string[]; ruleFiles?: string[]; scrapeInterval?: string; evaluationInterval?: string; binary?: string }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-prometheus-'));
  const ruleFiles = opts.ruleFiles ?? readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(rulesDir, f));
  const config = {
    global: { scrape_interval: opts.scrapeInterval ?? '1s', scrape_timeout: '1s', evaluation_interval: opts.evaluationInterval ?? '1s' },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: 'parley-server', metrics_path: '/metrics', static_configs: [{ targets: opts.targets }] }],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    opts.binary ?? 'prometheus',
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(url + path);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  const query = async (expr: string) => (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result;

  // Wait until ready (or fail with Prometheus' own output).
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 20 s:\n${output}`);
    }
    await sleep(100);
  }

  return {
    url,
    query,
    api,
    stop,
    logs: () => output,
    async waitFor(expr: string, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const r = await query(expr);
        if (r.length > 0) return r;
        if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
        await sleep(250);
      }
    },
  };
}
