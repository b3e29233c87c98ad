import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { reportError } from '../../src/observability/report.js';
import { setupObservability, type ObservabilityHooks } from '../../src/observability/setup.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createBackend, TEST_ENV, type Backend } from '../support/harness.js';
import { Api } from '../support/client.js';

/*
 * A real @sentry/node (initialised by setupObservability because SENTRY_DSN is set) sends
 * to a recording endpoint on loopback. A server error is provoked on a request that carries
 * a password in its body, a bearer token and session cookies; the envelope must carry the
 * release, environment, route and request id, a stable fingerprint for known error classes,
 * and none of the secrets or personal data.
 */
// Secrets are generated, not literal: Sentry sends source context lines of stack frames.
const PASSWORD = `pw-${randomUUID()}`;
const QUERY_SECRET = `q-${randomUUID()}`;
const DB_PASSWORD = `db-${randomUUID()}`;
const EMAIL = `someone.${randomUUID().slice(0, 8)}@example.com`;
const IP = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const RELEASE = 'parley@9.9.9-sentry-test';
const ENVIRONMENT = 'observability-test';

interface Envelope {
  raw: string;
  header: Record<string, any>;
  items: Array<{ header: Record<string, any>; payload: any }>;
}

function parseEnvelope(raw: string): Envelope {
  const lines = raw.split('\n');
  const header = JSON.parse(lines[0]!);
  const items: Envelope['items'] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    if (!lines[i]) break;
    const itemHeader = JSON.parse(lines[i]!);
    let payload: any = lines[i + 1];
    try {
      payload = JSON.parse(lines[i + 1]!);
    } catch {
      /* attachment */
    }
    items.push({ header: itemHeader, payload });
  }
  return { raw, header, items };
}

describe('Sentry error tracking', () => {
  let recorder: Server;
  const envelopes: Envelope[] = [];
  const paths: string[] = [];
  let backend: Backend;
  let server: RunningServer;
  let hooks: ObservabilityHooks;
  const secrets: string[] = [PASSWORD];
  let userId = '';

  beforeAll(async () => {
    recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        paths.push(req.url ?? '');
        envelopes.push(parseEnvelope(body.toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const port = (recorder.address() as { port: number }).port;

    backend = await createBackend('pglite');
    const config = loadConfig({
      ...TEST_ENV,
      ...backend.env,
      SENTRY_DSN: `http://0123456789abcdef0123456789abcdef@127.0.0.1:${port}/4242`,
      RELEASE,
      SENTRY_ENVIRONMENT: ENVIRONMENT,
      SENTRY_TRACES_SAMPLE_RATE: '1',
    });
    const log = createLogger(config.logLevel);
    hooks = await setupObservability(config, log);
    server = await startServer(config, { log, migrate: false, onServerError: hooks.captureError });

    const api = new Api(server.url);
    const username = `sentry${process.pid}`;
    const reg = await api.post('/api/v1/auth/register', { username, password: PASSWORD, displayName: 'Sentry Tester' });
    expect(reg.status).toBe(201);
    userId = reg.body.user.id;
    secrets.push(reg.body.accessToken, reg.body.refreshToken);
    const cookies = reg.headers.getSetCookie().map((c) => c.split(';')[0]!);
    for (const c of cookies) secrets.push(c.split('=').slice(1).join('='));

    // An authenticated request that fails on the server (database gone), with secrets everywhere.
    // (/auth/me first: the session check is then served from the cache and the request is
    // authenticated when the password change reaches the database.)
    expect((await new Api(server.url, reg.body.accessToken).get('/api/v1/auth/me')).status).toBe(200);
    await server.database.close();
    const failed = await api.request('POST', `/api/v1/auth/password?token=${QUERY_SECRET}`, { currentPassword: PASSWORD, newPassword: `${PASSWORD}-new` }, {
      authorization: `Bearer ${reg.body.accessToken}`,
      cookie: cookies.join('; '),
      'x-request-id': 'sentry-test-request-1',
      'x-forwarded-for': IP,
    });
    secrets.push(QUERY_SECRET, IP);
    expect(failed.status).toBeGreaterThanOrEqual(500);

    // Known error classes, raised from two different places: one fingerprint per class.
    const dbDown = () => new Error('Connection terminated unexpectedly');
    hooks.captureError(dbDown());
    hooks.captureError((() => dbDown())());
    hooks.captureError(Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' }));
    hooks.captureError(new Error(`failed for postgres://parley:${DB_PASSWORD}@db.internal:5432/parley, contact ${EMAIL}`));
    secrets.push(DB_PASSWORD, EMAIL);
    // Code without a request (the WebSocket gateway) reports through reportError.
    reportError(new Error('websocket frame failed in test'), { tags: { 'ws.frame_type': 'message.send' }, userId });
    await hooks.flush();
    // Sentry's flush gives up after 2 s; on a loaded machine the last envelope can land later.
    const eventCount = () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event')).length;
    for (let waited = 0; waited < 15_000 && eventCount() < 6; waited += 100) await new Promise((r) => setTimeout(r, 100));
    if (process.env.DUMP_SENTRY) (await import('node:fs')).writeFileSync(process.env.DUMP_SENTRY, envelopes.map((e) => e.raw).join('\n=====\n'));
  });

  afterAll(async () => {
    await server?.shutdown().catch(() => undefined);
    await backend?.dispose();
    await new Promise((r) => recorder?.close(r));
  });

  const events = () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload));

  it('delivers error events to the DSN with release and environment', () => {
    expect(paths.every((p) => p.startsWith('/api/4242/envelope/'))).toBe(true);
    const evs = events();
    expect(evs.length).toBeGreaterThanOrEqual(6);
    for (const ev of evs) {
      expect(ev.release).toBe(RELEASE);
      expect(ev.environment).toBe(ENVIRONMENT);
      expect(ev.tags?.service).toBe('parley-server');
    }
  });

  it('tags the server error with route, request id and the user id only', () => {
    const ev = events().find((e) => e.tags?.request_id === 'sentry-test-request-1');
    expect(ev, 'the 5xx of the failed request was captured').toBeDefined();
    expect(ev.tags.route).toBe('/api/v1/auth/password');
    expect(ev.user).toEqual({ id: userId });
    expect(ev.exception?.values?.length).toBeGreaterThanOrEqual(1);
    if (ev.request) {
      expect(ev.request.cookies).toBeUndefined();
      expect(ev.request.data).toBeUndefined();
      const headers = Object.fromEntries(Object.entries(ev.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      for (const h of ['authorization', 'cookie', 'x-forwarded-for']) if (h in headers) expect(headers[h]).toBe('[redacted]');
    }
  });

  it('receives errors from reportError with tags and user id', () => {
    const ev = events().find((e) => e.exception?.values?.[0]?.value === 'websocket frame failed in test');
    expect(ev?.tags).toMatchObject({ 'ws.frame_type': 'message.send' });
    expect(ev?.user).toEqual({ id: userId });
  });

  it('groups known infrastructure errors under a stable fingerprint', () => {
    const evs = events();
    const db = evs.filter((e) => e.exception?.values?.[0]?.value === 'Connection terminated unexpectedly');
    expect(db).toHaveLength(2);
    for (const e of db) {
      expect(e.fingerprint).toEqual(['database-unavailable']);
      expect(e.tags.error_class).toBe('database-unavailable');
    }
    const redis = evs.find((e) => e.exception?.values?.[0]?.type === 'MaxRetriesPerRequestError');
    expect(redis?.fingerprint).toEqual(['redis-unavailable']);
    const other = evs.find((e) => String(e.exception?.values?.[0]?.value).startsWith('failed for'));
    expect(other?.fingerprint).toBeUndefined();
    expect(other?.exception.values[0].value).toBe('failed for postgres://[redacted]@db.internal:5432/parley, contact [email]');
  });

  it('sends no password, token, cookie, e-mail or IP address', () => {
    expect(envelopes.length).toBeGreaterThan(0);
    const all = envelopes.map((e) => e.raw).join('\n');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(all.includes(secret), `secret ${secret.slice(0, 4)}… in a Sentry envelope`).toBe(false);
    }
    expect(all).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
    expect(all).not.toMatch(/parley_(access|refresh)=/);
  });
});
