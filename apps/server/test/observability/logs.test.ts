import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { createBackend, TEST_ENV, type Backend } from '../support/harness.js';
import { Api, WsClient } from '../support/client.js';

/*
 * Runs the credential-handling flows (register, login, refresh by body and by cookie,
 * password change, realtime ticket, WebSocket auth, logout, a failing request with a
 * password in its body) against a real server logging at LOG_LEVEL=trace into memory,
 * then checks every line: no password or token ever appears, and the access log has the
 * request id, user id, status, method, URL and latency.
 */
const PASSWORD = 'Sup3r-Secret-Passw0rd-Alpha';
const NEW_PASSWORD = 'An0ther-Secret-Passw0rd-Beta';

describe('structured logs at LOG_LEVEL=trace', () => {
  let backend: Backend;
  let server: RunningServer;
  const raw: string[] = [];
  let lines: Record<string, any>[] = [];
  const secrets: string[] = [PASSWORD, NEW_PASSWORD];
  let userId = '';
  const requestId = 'obs-test-request-0001';

  beforeAll(async () => {
    backend = await createBackend('pglite');
    const config = loadConfig({ ...TEST_ENV, ...backend.env, LOG_LEVEL: 'trace' });
    const destination = new Writable({
      write(chunk, _enc, done) {
        raw.push(chunk.toString());
        done();
      },
    });
    const log = createLogger(config.logLevel, { release: config.release }, { destination });
    server = await startServer(config, { log, migrate: false });
    const api = new Api(server.url);
    const username = `logs${process.pid}`;

    const reg = await api.post('/api/v1/auth/register', { username, password: PASSWORD, displayName: 'Log Tester' });
    expect(reg.status).toBe(201);
    userId = reg.body.user.id;
    secrets.push(reg.body.accessToken, reg.body.refreshToken);

    const login = await api.post('/api/v1/auth/login', { username, password: PASSWORD }, { 'x-request-id': requestId });
    expect(login.status).toBe(200);
    secrets.push(login.body.accessToken, login.body.refreshToken);
    const setCookie = login.headers.getSetCookie();
    const cookies = setCookie.map((c) => c.split(';')[0]!);
    for (const c of cookies) secrets.push(c.split('=').slice(1).join('='));
    expect(cookies.length).toBe(2);

    const wrong = await api.post('/api/v1/auth/login', { username, password: NEW_PASSWORD });
    expect(wrong.status).toBe(401);

    const byBody = await api.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(byBody.status).toBe(200);
    secrets.push(byBody.body.accessToken, byBody.body.refreshToken);
    const refreshCookie = byBody.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const byCookie = await api.post('/api/v1/auth/refresh', {}, { cookie: refreshCookie, origin: 'http://localhost:3000' });
    expect(byCookie.status).toBe(200);
    secrets.push(byCookie.body.accessToken, byCookie.body.refreshToken);

    const authed = new Api(server.url, byCookie.body.accessToken);
    expect((await authed.get('/api/v1/auth/me')).status).toBe(200);
    // A token pasted into a URL query is redacted from the request and access lines.
    const queryToken = `qt-${byCookie.body.refreshToken.slice(0, 12)}-query`;
    secrets.push(queryToken);
    expect((await authed.get(`/api/v1/users?q=x&access_token=${queryToken}`)).status).toBeLessThan(500);
    const ticket = await authed.post('/api/v1/realtime/ticket');
    expect(ticket.status).toBe(200);
    secrets.push(ticket.body.ticket);
    const ws = await WsClient.connect(server.url);
    ws.sendRaw({ type: 'auth', ticket: ticket.body.ticket });
    await ws.waitFor((f) => f.type === 'ready');
    ws.close();
    await ws.waitClose();

    const change = await authed.post('/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(change.status).toBe(204);
    const relogin = await api.post('/api/v1/auth/login', { username, password: NEW_PASSWORD });
    expect(relogin.status).toBe(200);
    secrets.push(relogin.body.accessToken, relogin.body.refreshToken);
    expect((await new Api(server.url, relogin.body.accessToken).post('/api/v1/auth/logout')).status).toBe(204);

    // A server error while a password is in the body: the error log must not echo it.
    await server.database.close();
    const failed = await api.post('/api/v1/auth/login', { username, password: NEW_PASSWORD }, { authorization: `Bearer ${relogin.body.accessToken}`, cookie: cookies.join('; ') });
    expect(failed.status).toBeGreaterThanOrEqual(500);

    await new Promise((r) => setTimeout(r, 50));
    lines = raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  });
  afterAll(async () => {
    await server?.shutdown().catch(() => undefined);
    await backend?.dispose();
  });

  it('never writes a password, token, ticket or cookie value', () => {
    expect(lines.length).toBeGreaterThan(20);
    const text = raw.join('');
    expect(secrets.length).toBeGreaterThan(12);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(text.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the logs`).toBe(false);
    }
    expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
    expect(text).not.toMatch(/parley_(access|refresh)=/);
  });

  it('writes one JSON object per line with level, time, service and release', () => {
    for (const l of lines) {
      expect(typeof l.level).toBe('string');
      expect(Date.parse(l.time)).not.toBeNaN();
      expect(l.service).toBe('parley-server');
      expect(l.release).toBeTruthy();
    }
  });

  it('honours the level (LOG_LEVEL)', () => {
    const out: string[] = [];
    const destination = new Writable({ write: (chunk, _e, done) => (out.push(chunk.toString()), done()) });
    const log = createLogger(loadConfig({ ...TEST_ENV, LOG_LEVEL: 'warn' }).logLevel, {}, { destination });
    log.info('dropped');
    log.warn('kept');
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(['kept']);
  });

  it('has an access log line per request with request id, status, method, URL, route and latency', () => {
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.length).toBeGreaterThanOrEqual(10);
    for (const l of completed) {
      expect(l.reqId).toBeTruthy();
      expect(typeof l.responseTime).toBe('number');
      expect(l.res).toMatchObject({ statusCode: expect.any(Number), method: expect.any(String), url: expect.any(String) });
    }
    const login = completed.find((l) => l.reqId === requestId);
    expect(login?.res).toMatchObject({ statusCode: 200, method: 'POST', url: '/api/v1/auth/login', route: '/api/v1/auth/login' });
    const withQuery = lines.filter((l) => String(l.req?.url ?? l.res?.url ?? '').includes('access_token='));
    expect(withQuery.length).toBeGreaterThanOrEqual(2); // incoming request + request completed
    for (const l of withQuery) expect(l.req?.url ?? l.res?.url).toBe('/api/v1/users?q=x&access_token=[redacted]');
    const incoming = lines.find((l) => l.msg === 'incoming request' && l.reqId === requestId);
    expect(incoming?.req).toMatchObject({ method: 'POST', url: '/api/v1/auth/login' });
  });

  it('carries the user id on lines of authenticated requests, including the access log', () => {
    const me = lines.find((l) => l.msg === 'request completed' && l.res?.url === '/api/v1/auth/me');
    expect(me?.userId).toBe(userId);
  });

  it('logs server errors with the error but without the request body or headers', () => {
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.some((l) => l.err && typeof l.err.message === 'string')).toBe(true);
  });
});
