import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { backends, createBackend, startTestServer, TEST_ENV, useTestServer, type Backend } from './support/harness.js';
import { Api, registerUser, WsClient } from './support/client.js';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(backends())('sessions and tokens on %s', (backendName) => {
  const ctx = useTestServer(backendName, { users: ['alice'] });

  it('rotates refresh tokens and revokes the whole session when a rotated token is reused', async () => {
    const victim = await registerUser(ctx.server.url, 'victim');
    const first = victim.auth.refreshToken;
    const second = await victim.api.post('/api/v1/auth/refresh', { refreshToken: first });
    expect(second.status).toBe(200);
    const third = await victim.api.post('/api/v1/auth/refresh', { refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);
    // An attacker replays the first (already rotated) token:
    const replay = await new Api(ctx.server.url).post('/api/v1/auth/refresh', { refreshToken: first });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid-token');
    // ...which ends the family: the newest refresh token and the access token stop working too.
    expect((await new Api(ctx.server.url).post('/api/v1/auth/refresh', { refreshToken: third.body.refreshToken })).status).toBe(401);
    expect((await new Api(ctx.server.url, third.body.accessToken).get('/api/v1/auth/me')).status).toBe(401);
  });

  it('logout revokes the access token at once and closes that session’s sockets with 4003', async () => {
    const bob = await registerUser(ctx.server.url, 'bob');
    const ws = await WsClient.connect(ctx.server.url, bob);
    expect((await bob.api.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await bob.api.get('/api/v1/auth/me')).status).toBe(401);
    expect((await ws.waitClose()).code).toBe(4003);
  });

  it('password change ends every other session', async () => {
    const carol = await registerUser(ctx.server.url, 'carol');
    const other = await new Api(ctx.server.url).post('/api/v1/auth/login', { username: carol.username, password: 'correct horse battery staple' });
    const wrong = await carol.api.post('/api/v1/auth/password', { currentPassword: 'nope nope nope', newPassword: 'a much better passphrase' });
    expect(wrong.status).toBe(401);
    const changed = await carol.api.post('/api/v1/auth/password', { currentPassword: 'correct horse battery staple', newPassword: 'a much better passphrase' });
    expect(changed.status).toBe(204);
    expect((await carol.api.get('/api/v1/auth/me')).status).toBe(200);
    expect((await new Api(ctx.server.url, other.body.accessToken).get('/api/v1/auth/me')).status).toBe(401);
    const relogin = await new Api(ctx.server.url).post('/api/v1/auth/login', { username: carol.username, password: 'a much better passphrase' });
    expect(relogin.status).toBe(200);
  });

  it('rejects tampered, alg:none, wrong-key and expired tokens', async () => {
    const [h, p, s] = ctx.users.alice.auth.accessToken.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${b64url({ ...payload, sub: randomUUID() })}.${s}`;
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`;
    const wrongKey = await new SignJWT({ sid: payload.sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(payload.sub).setIssuer('parley').setAudience('parley-api').setExpirationTime('5m').sign(new TextEncoder().encode('another-secret-0123456789abcdef0123456789'));
    const expired = await new SignJWT({ sid: payload.sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(payload.sub).setIssuer('parley').setAudience('parley-api').setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(TEST_ENV.TOKEN_SECRET!));
    for (const token of [tampered, none, wrongKey, expired, 'garbage']) {
      const res = await new Api(ctx.server.url, token).get('/api/v1/auth/me');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid-token');
    }
    expect((await new Api(ctx.server.url).get('/api/v1/auth/me', { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('cookie-authenticated state changes need an allowed Origin (CSRF)', async () => {
    const cookie = `parley_access=${ctx.users.alice.auth.accessToken}`;
    const anon = new Api(ctx.server.url);
    const body = { kind: 'public', name: 'csrf' };
    expect((await anon.request('POST', '/api/v1/rooms', body, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await anon.request('POST', '/api/v1/rooms', body, { cookie })).body.code).toBe('csrf-rejected');
    expect((await anon.request('POST', '/api/v1/rooms', body, { cookie, origin: 'http://localhost:3000' })).status).toBe(201);
    expect((await anon.request('GET', '/api/v1/rooms', undefined, { cookie })).status).toBe(200); // reads need no Origin
  });

  it('a WebSocket ticket works once and only for a short time', async () => {
    const ticket = (await ctx.users.alice.api.post('/api/v1/realtime/ticket')).body.ticket as string;
    const one = await WsClient.connect(ctx.server.url);
    expect((await one.request({ type: 'auth', ticket })).type).toBe('ack');
    const two = await WsClient.connect(ctx.server.url);
    expect(await two.request({ type: 'auth', ticket })).toMatchObject({ type: 'error', code: 'invalid-token' });
    one.close();
    two.close();
  });

  it('authenticates a WebSocket upgrade by cookie', async () => {
    const ws = await WsClient.connect(ctx.server.url, undefined, { cookie: `parley_access=${ctx.users.alice.auth.accessToken}`, origin: 'http://localhost:3000' });
    expect(ws.frames[0]).toMatchObject({ type: 'hello', authenticated: true });
    expect((await ws.waitFor((f) => f.type === 'ready')).user.id).toBe(ctx.users.alice.id);
    ws.close();
  });
});

describe('rate limits', () => {
  let backend: Backend;
  let server: RunningServer;
  beforeAll(async () => {
    backend = await createBackend(backends().at(-1)!);
    server = await startTestServer(backend, { RATE_LIMIT_AUTH_PER_MIN: '5', RATE_LIMIT_SEND_PER_10S: '3' });
  });
  afterAll(async () => {
    await server?.shutdown();
    await backend?.dispose();
  });

  it('throttles login attempts per IP with 429, Retry-After and RateLimit headers', async () => {
    const api = new Api(server.url);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await api.post('/api/v1/auth/login', { username: 'nobody', password: 'wrong password' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(last!.body.code).toBe('rate-limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-limit')).toBe('5');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('throttles logins per account even when every attempt comes from another address', async () => {
    const backend2 = await createBackend('pglite');
    const s2 = await startTestServer(backend2, { TRUST_PROXY: 'true', RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN: '3' });
    try {
      const victim = await registerUser(s2.url, 'victim');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await new Api(s2.url).post('/api/v1/auth/login', { username: victim.username, password: `guess number ${i}` }, { 'x-forwarded-for': `203.0.113.${i + 1}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // Another account is not affected.
      const other = await registerUser(s2.url, 'other');
      expect((await new Api(s2.url).post('/api/v1/auth/login', { username: other.username, password: 'correct horse battery staple' })).status).toBe(200);
    } finally {
      await s2.shutdown();
      await backend2.dispose();
    }
  });

  it('throttles sends per user over REST and WebSocket alike', async () => {
    // The auth limit is used up above (per IP), so registering needs a second server.
    const backend2 = await createBackend('pglite');
    const s2 = await startTestServer(backend2, { RATE_LIMIT_SEND_PER_10S: '3' });
    try {
      const bob = await registerUser(s2.url, 'bob');
      const room = (await bob.api.post('/api/v1/rooms', { kind: 'public', name: 'rl' })).body;
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await bob.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'x', clientKey: randomUUID() })).status);
      expect(codes).toEqual([201, 201, 201]);
      expect((await bob.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'x', clientKey: randomUUID() })).status).toBe(429);
      const ws = await WsClient.connect(s2.url, bob);
      const reply = await ws.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body: 'x' });
      expect(reply).toMatchObject({ type: 'error', code: 'rate-limited', status: 429 });
      expect(reply.retryAfterMs).toBeGreaterThan(0);
      ws.close();
    } finally {
      await s2.shutdown();
      await backend2.dispose();
    }
  });
});
