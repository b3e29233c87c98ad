import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { setupObservability, type ObservabilityHooks } from '../../src/observability/setup.js';
import { withSpan } from '../../src/observability/span.js';
import type { RunningServer } from '../../src/server.js';
import type { Backend } from '../support/harness.js';

/*
 * OpenTelemetry end to end, in the order main.ts uses: setupObservability (OTLP endpoint
 * set) BEFORE the server modules are imported (this file imports them dynamically), then a
 * real server handles traffic. An OTLP/HTTP receiver in a separate process (so its own
 * requests are not traced) records what the exporter sends. Checked: HTTP server spans with
 * route templates, Fastify spans, PostgreSQL and Redis client spans in the same trace (on
 * the PostgreSQL+Redis backend), W3C traceparent propagation, withSpan, and trace/span ids
 * on the log lines written during a request.
 */
const RECEIVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    process.stdout.write(JSON.stringify({ path: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }) + '\\n');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface Receiver {
  process: ChildProcess;
  port: number;
  posts: Array<{ path: string; type: string; body: string }>;
}

/** Starts the OTLP/HTTP receiver in a child process; every POST body is recorded. */
async function startReceiver(): Promise<Receiver> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const posts: Receiver['posts'] = [];
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.port) resolve(msg.port);
      else posts.push(msg);
    });
    child.once('exit', (code) => reject(new Error(`OTLP receiver exited ${code}`)));
  });
  return { process: child, port, posts };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  scope: string;
}

function attrValue(v: any): unknown {
  if (!v) return undefined;
  return v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? v.arrayValue;
}

/** Spans and resources from the OTLP JSON export requests. */
function decode(posts: Receiver['posts']): { spans: OtlpSpan[]; resources: Array<Record<string, unknown>> } {
  const spans: OtlpSpan[] = [];
  const resources: Array<Record<string, unknown>> = [];
  for (const p of posts) {
    if (p.path !== '/v1/traces') continue;
    const body = JSON.parse(p.body);
    for (const rs of body.resourceSpans ?? []) {
      resources.push(Object.fromEntries((rs.resource?.attributes ?? []).map((a: any) => [a.key, attrValue(a.value)])));
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind, scope: ss.scope?.name, attributes: Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, attrValue(a.value)])) });
        }
      }
    }
  }
  return { spans, resources };
}

describe('OpenTelemetry tracing over OTLP/HTTP', () => {
  let receiver: Receiver;
  let posts: Receiver['posts'] = [];
  let backend: Backend;
  let server: RunningServer;
  let hooks: ObservabilityHooks;
  let withRedis = false;
  const raw: string[] = [];
  let spans: OtlpSpan[] = [];
  let resources: Array<Record<string, unknown>> = [];
  const parentTrace = randomBytes(16).toString('hex');
  const parentSpan = randomBytes(8).toString('hex');
  const requestId = 'trace-test-request-0001';
  const urlSecret = `url-secret-${randomBytes(8).toString('hex')}`;
  let manualTraceId = '';

  beforeAll(async () => {
    receiver = await startReceiver();
    posts = receiver.posts;
    const port = receiver.port;

    // Server modules (and with them pg, ioredis, fastify) load only after tracing is set up.
    const config0 = loadConfig({});
    const destination = new Writable({ write: (chunk, _e, done) => (raw.push(chunk.toString()), done()) });
    const log = createLogger('info', { release: 'trace-test' }, { destination });
    hooks = await setupObservability({ ...config0, release: '1.2.3-trace-test', otel: { endpoint: `http://127.0.0.1:${port}`, serviceName: 'parley-server' } }, log);

    const harness = await import('../support/harness.js');
    const { Api } = await import('../support/client.js');
    const { startServer } = await import('../../src/server.js');
    const name = harness.backends().includes('postgres+redis') ? 'postgres+redis' : 'pglite';
    withRedis = name === 'postgres+redis';
    backend = await harness.createBackend(name);
    const config = loadConfig({ ...harness.TEST_ENV, ...backend.env, LOG_LEVEL: 'info', RELEASE: '1.2.3-trace-test', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    server = await startServer(config, { log, migrate: false });

    const api = new Api(server.url);
    const reg = await api.post('/api/v1/auth/register', { username: `trace${process.pid}`, password: 'correct horse battery staple' });
    expect(reg.status).toBe(201);
    const user = new Api(server.url, reg.body.accessToken);
    const room = await user.post('/api/v1/rooms', { kind: 'public', name: 'traced room' });
    expect(room.status, raw.filter((l) => l.includes('"level":"error"')).join('\n')).toBe(201);
    const sent = await user.request('POST', `/api/v1/rooms/${room.body.id}/messages`, { body: 'traced hello', clientKey: `k-${requestId}` }, {
      'x-request-id': requestId,
      traceparent: `00-${parentTrace}-${parentSpan}-01`,
    });
    expect(sent.status).toBe(201);
    expect((await api.get('/health/ready')).status).toBe(200);
    expect((await api.get(`/api/v1/config?access_token=${urlSecret}`)).status).toBe(200);

    await withSpan('ws message.send', { 'parley.ws.frame_type': 'message.send', 'parley.test': true, skipped: undefined }, async () => {
      log.info('inside a manual span');
    }, { newTrace: true, kind: 'server' });
    await expect(withSpan('failing span', {}, async () => {
      throw new Error('span failure');
    })).rejects.toThrow('span failure');

    await hooks.flush(); // shuts the tracer provider down: everything is exported
    await new Promise((r) => setTimeout(r, 200));
    ({ spans, resources } = decode(posts));
    manualTraceId = spans.find((s) => s.name === 'ws message.send')?.traceId ?? '';
  });

  afterAll(async () => {
    await server?.shutdown().catch(() => undefined);
    await backend?.dispose();
    receiver?.process.kill('SIGTERM');
  });

  it('exports to <endpoint>/v1/traces as OTLP JSON with service name and version', () => {
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.path === '/v1/traces' && p.type?.startsWith('application/json'))).toBe(true);
    expect(resources.length).toBeGreaterThan(0);
    expect(resources[0]).toMatchObject({ 'service.name': 'parley-server', 'service.version': '1.2.3-trace-test' });
  });

  it('has HTTP server spans with route templates that continue an incoming traceparent', () => {
    const send = spans.find((s) => s.kind === 2 && s.attributes['http.route'] === '/api/v1/rooms/:roomId/messages');
    expect(send, `server spans: ${spans.filter((s) => s.kind === 2).map((s) => s.name).join(', ')}`).toBeDefined();
    expect(send!.traceId).toBe(parentTrace);
    expect(send!.parentSpanId).toBe(parentSpan);
    expect(spans.some((s) => s.scope === '@fastify/otel' && s.traceId === parentTrace)).toBe(true);
    // Probes are not traced.
    expect(spans.some((s) => String(s.attributes['url.path'] ?? s.attributes['http.target'] ?? '').startsWith('/health'))).toBe(false);
  });

  it('exports no credential from a URL query', () => {
    const config = spans.filter((s) => s.kind === 2 && s.attributes['http.route'] === '/api/v1/config');
    expect(config.length).toBeGreaterThan(0);
    const leaks = spans.flatMap((s) => Object.entries(s.attributes).filter(([, v]) => String(v).includes(urlSecret)).map(([k]) => `${s.scope}: ${s.name} ${k}`));
    expect(leaks).toEqual([]);
    expect(posts.some((p) => p.body.includes(urlSecret))).toBe(false);
  });

  it('has PostgreSQL client spans inside the request trace', () => {
    if (!withRedis) {
      // Embedded PGlite is not a network client: only the PostgreSQL backend has pg spans.
      expect(spans.some((s) => s.scope?.includes('instrumentation-pg'))).toBe(false);
      return;
    }
    const pgSpans = spans.filter((s) => s.scope?.includes('instrumentation-pg') && s.traceId === parentTrace);
    expect(pgSpans.length).toBeGreaterThan(0);
    expect(pgSpans.some((s) => String(s.attributes['db.system'] ?? s.attributes['db.system.name']) === 'postgresql')).toBe(true);
    // (ioredis is checked on the server binary below: Vitest imports it in a way the ESM hook does not see.)
  });

  it('records manual spans from withSpan (new trace, attributes, errors)', () => {
    const manual = spans.find((s) => s.name === 'ws message.send');
    expect(manual).toBeDefined();
    expect(manual!.kind).toBe(2);
    expect(manual!.parentSpanId || undefined).toBeUndefined();
    expect(manual!.attributes).toMatchObject({ 'parley.ws.frame_type': 'message.send', 'parley.test': true });
    expect('skipped' in manual!.attributes).toBe(false);
    expect(spans.some((s) => s.name === 'failing span')).toBe(true);
  });

  it('puts trace and span ids on log lines written inside spans', () => {
    const lines = raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const inside = lines.find((l) => l.msg === 'inside a manual span');
    expect(inside?.trace_id).toBe(manualTraceId);
    expect(inside?.span_id).toMatch(/^[0-9a-f]{16}$/);
    const requestLines = lines.filter((l) => l.reqId === requestId);
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    for (const l of requestLines) expect(l.trace_id, JSON.stringify(l)).toBe(parentTrace);
    const outside = lines.find((l) => l.msg === 'listening');
    expect(outside?.trace_id).toBeUndefined();
  });
});

/*
 * The production start-up path: `node apps/server/dist/main.js` (built by `npm run build`,
 * which `npm test` runs first) on PostgreSQL + Redis with OTEL_EXPORTER_OTLP_ENDPOINT set.
 * main.ts sets up tracing before importing the server, so pg and ioredis are patched
 * through the ESM loader hook; on SIGTERM the process flushes the exporter and exits 0.
 * Sentry is on as well (its envelopes go to the same recorder): both together must work.
 */
const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const pgAndRedis = Boolean(inject('pgTemplate') && inject('redisAvailable'));

describe.skipIf(!pgAndRedis)('the server binary traces PostgreSQL and Redis', () => {
  let receiver: Receiver;
  let backend: Backend;
  let child: ChildProcess;
  const stdout: Record<string, any>[] = [];
  let exitCode: number | null = null;
  let spans: OtlpSpan[] = [];
  const parentTrace = randomBytes(16).toString('hex');
  const requestId = 'trace-binary-request-01';

  beforeAll(async () => {
    expect(existsSync(MAIN), `${MAIN} is missing: run npm run build (npm test does)`).toBe(true);
    receiver = await startReceiver();
    const harness = await import('../support/harness.js');
    const { Api } = await import('../support/client.js');
    backend = await harness.createBackend('postgres+redis');
    child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...harness.TEST_ENV, ...backend.env, LOG_LEVEL: 'info', RELEASE: '7.7.7-binary', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, SENTRY_DSN: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${receiver.port}/5`, SENTRY_TRACES_SAMPLE_RATE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const entry = JSON.parse(line);
        stdout.push(entry);
        if (entry.msg === 'listening') resolve(entry.url);
      });
      void exited.then((code) => reject(new Error(`server exited ${code} before listening`)));
    });

    const api = new Api(url);
    const reg = await api.post('/api/v1/auth/register', { username: `tbin${process.pid}`, password: 'correct horse battery staple' });
    expect(reg.status).toBe(201);
    const user = new Api(url, reg.body.accessToken);
    const room = await user.post('/api/v1/rooms', { kind: 'public', name: 'binary traced room' });
    const sent = await user.request('POST', `/api/v1/rooms/${room.body.id}/messages`, { body: 'hello', clientKey: `k-${requestId}` }, {
      'x-request-id': requestId,
      traceparent: `00-${parentTrace}-${randomBytes(8).toString('hex')}-01`,
    });
    expect(sent.status).toBe(201);
    child.kill('SIGTERM');
    exitCode = await exited;
    await new Promise((r) => setTimeout(r, 200));
    ({ spans } = decode(receiver.posts));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    receiver?.process.kill('SIGTERM');
    await backend?.dispose();
  });

  it('exits 0 on SIGTERM after flushing the spans (and Sentry\'s envelopes)', () => {
    expect(exitCode).toBe(0);
    expect(spans.length).toBeGreaterThan(0);
    expect(receiver.posts.some((p) => p.path.startsWith('/api/5/envelope/'))).toBe(true);
    expect(stdout.some((l) => l.msg === 'error tracking enabled (Sentry)')).toBe(true);
    expect(stdout.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });

  it('has HTTP, PostgreSQL and Redis spans in the request trace', () => {
    const inTrace = spans.filter((s) => s.traceId === parentTrace);
    expect(inTrace.some((s) => s.kind === 2 && s.attributes['http.route'] === '/api/v1/rooms/:roomId/messages')).toBe(true);
    expect(inTrace.some((s) => s.scope?.includes('instrumentation-pg'))).toBe(true);
    const redis = inTrace.filter((s) => s.scope?.includes('instrumentation-ioredis'));
    expect(redis.length, `scopes in trace: ${[...new Set(inTrace.map((s) => s.scope))].join(', ')}`).toBeGreaterThan(0);
    expect(redis.every((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(true);
  });

  it('writes the trace id on the stdout log lines of the request', () => {
    const lines = stdout.filter((l) => l.reqId === requestId);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.trace_id).toBe(parentTrace);
    expect(stdout.some((l) => l.msg === 'tracing enabled (OTLP/HTTP)')).toBe(true);
  });
});
