/**
 * Hostile input that limits.test.ts does not already cover: JSON bombs, oversized headers,
 * slowloris connections and idle unauthenticated sockets, path traversal, disguised and polyglot
 * uploads, SQL-injection and XSS payloads round-tripped as plain data, and brute-force login.
 * Every case also checks the server is still serving normal requests afterwards.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend, startTestServer, useTestServer } from '../support/harness.js';
import { Api, WsClient, registerUser, sleep } from '../support/client.js';

const ctx = useTestServer('pglite', { users: ['alice'] });
let roomId: string;

beforeAll(async () => {
  roomId = (await ctx.users.alice.api.post('/api/v1/rooms', { kind: 'public', name: 'hostile' })).body.id;
});

async function stillServing(): Promise<void> {
  const res = await fetch(`${ctx.server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
  expect(res.status).toBe(200);
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(ctx.server.url + path, { method: 'POST', headers: { authorization: `Bearer ${ctx.users.alice.api.token}`, 'content-type': 'application/json', ...headers }, body });
}

describe('JSON bombs', () => {
  it('deep nesting and huge arrays in REST bodies are refused quickly with 400/413, never 5xx', async () => {
    const cases = {
      deepArray: '['.repeat(100_000) + ']'.repeat(100_000), // 200 KB, under the 256 KiB body limit
      deepObject: '{"a":'.repeat(40_000) + '1' + '}'.repeat(40_000),
      hugeArray: JSON.stringify({ body: 'x', clientKey: randomUUID(), attachmentIds: Array.from({ length: 20_000 }, () => randomUUID()) }),
      wideObject: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
      nestedInField: `{"body":${'['.repeat(50_000)}${']'.repeat(50_000)},"clientKey":"${randomUUID()}"}`,
    };
    for (const [name, body] of Object.entries(cases)) {
      const t = performance.now();
      const res = await post(`/api/v1/rooms/${roomId}/messages`, body);
      const elapsed = performance.now() - t;
      expect([400, 413], `${name}: ${res.status}`).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(elapsed, name).toBeLessThan(2000);
    }
    await stillServing();
  });

  it('a deeply nested WebSocket frame gets a validation error and the connection keeps working', async () => {
    const ws = await WsClient.connect(ctx.server.url, ctx.users.alice);
    ws.sendRaw('{"type":"message.send","id":"bomb","body":' + '['.repeat(30_000) + ']'.repeat(30_000) + '}');
    // ~50 KB: under the 64 KiB frame limit, over maxItems.
    ws.sendRaw(JSON.stringify({ type: 'subscribe', id: 'wide', rooms: Array.from({ length: 1000 }, () => ({ roomId: randomUUID() })) }));
    expect(await ws.waitFor((f) => f.type === 'error' && f.id === 'bomb')).toMatchObject({ code: 'validation', status: 400 });
    expect(await ws.waitFor((f) => f.type === 'error' && f.id === 'wide')).toMatchObject({ code: 'validation', status: 400 });
    const ack = await ws.request({ type: 'message.send', roomId, clientKey: randomUUID(), body: 'still here' });
    expect(ack.type).toBe('ack');
    ws.close();
  });
});

describe('oversized headers', () => {
  it('a 64 KiB header or thousands of headers get 431 and the server carries on', async () => {
    const big = await rawHttp(`GET /api/v1/config HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431/);
    const many = await rawHttp(`GET /api/v1/config HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`);
    expect(many).toMatch(/^HTTP\/1\.1 (431|400)/);
    const cookie = await fetch(`${ctx.server.url}/api/v1/auth/me`, { headers: { cookie: `parley_access=${'x'.repeat(12_000)}` } });
    expect(cookie.status).toBe(401);
    await stillServing();
  });
});

function rawHttp(request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(ctx.server.url);
    const socket = connect(Number(url.port), url.hostname);
    let data = '';
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no answer: ${data}`))), timeoutMs);
    socket.on('data', (c) => (data += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => (clearTimeout(timer), resolve(data)));
    socket.write(request, () => socket.end());
  });
}

describe('slow and idle clients', () => {
  it('200 slowloris connections (headers and bodies trickled byte by byte) do not starve normal requests (each answered in < 3 s)', async () => {
    const url = new URL(ctx.server.url);
    const sockets: Socket[] = [];
    for (let i = 0; i < 200; i++) {
      const s = connect(Number(url.port), url.hostname);
      s.on('error', () => undefined);
      s.write(i % 2 ? 'GET /api/v1/config HTTP/1.1\r\nHost: x\r\nX-a: ' : `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"username":"`);
      sockets.push(s);
    }
    const latencies: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const s of sockets) if (!s.destroyed) s.write('a');
      const t = performance.now();
      await stillServing();
      latencies.push(performance.now() - t);
      await sleep(250);
    }
    expect(Math.max(...latencies)).toBeLessThan(3000);
    for (const s of sockets) s.destroy();
  });

  it('WebSocket connections that never authenticate are closed 4001 after the auth timeout, and do not block others', async () => {
    const idle = await Promise.all(Array.from({ length: 30 }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(ctx.server.url.replace('http', 'ws') + '/ws');
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    })));
    const closes = idle.map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))));
    const ok = await WsClient.connect(ctx.server.url, ctx.users.alice);
    expect((await ok.request({ type: 'message.send', roomId, clientKey: randomUUID(), body: 'while idle sockets wait' })).type).toBe('ack');
    ok.close();
    const codes = await Promise.all(closes);
    expect(new Set(codes)).toEqual(new Set([4001]));
  }, 30_000);
});

describe('path traversal and disguised uploads', () => {
  it('traversal in URLs and upload ids never reaches the file system', async () => {
    for (const path of ['/api/v1/uploads/..%2f..%2f..%2fetc%2fpasswd', '/api/v1/uploads/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/api/v1/uploads/..\\..\\etc\\passwd', '/docs/..%2f..%2fpackage.json', '/..%2f..%2f..%2fetc/passwd']) {
      const res = await fetch(ctx.server.url + path, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
      const text = await res.text();
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(text, path).not.toMatch(/root:|"workspaces"/);
    }
    const raw = await rawHttp('GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).not.toContain('root:');
  });

  it('an upload named ../../etc/passwd is stored under a plain name', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), '../../../etc/passwd');
    const up = await ctx.users.alice.api.request('POST', `/api/v1/rooms/${roomId}/uploads`, form);
    expect(up.status).toBe(201);
    expect(up.body.filename).toBe('passwd');
    const back = await fetch(ctx.server.url + up.body.url, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
    expect(back.headers.get('content-disposition')).toMatch(/^attachment; filename="passwd"/);
  });

  it('SVG with script renamed .png and a PNG/HTML polyglot are never served as renderable active content', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><script>alert(1)</script></svg>';
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const polyglot = Buffer.concat([png, Buffer.from('<html><script>alert(1)</script></html>')]);
    for (const [name, bytes, claimed] of [['logo.png', Buffer.from(svg), 'image/png'], ['logo.svg', Buffer.from(svg), 'image/svg+xml'], ['poly.png', polyglot, 'text/html']] as const) {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: claimed }), name);
      const up = await ctx.users.alice.api.request('POST', `/api/v1/rooms/${roomId}/uploads`, form);
      expect(up.status).toBe(201);
      const res = await fetch(ctx.server.url + up.body.url, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
      const type = res.headers.get('content-type') ?? '';
      expect(type, name).not.toMatch(/svg|html|xml|javascript/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      if (!type.startsWith('image/')) expect(res.headers.get('content-disposition'), name).toMatch(/^attachment;/);
    }
  });
});

describe('injection payloads are data', () => {
  const PAYLOADS = [
    "'; DROP TABLE messages; --",
    "' OR '1'='1' --",
    '1); DELETE FROM users WHERE (1=1',
    '<script>alert(document.cookie)</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg/onload=alert(1)>',
    '{{constructor.constructor("alert(1)")()}}',
    '\\\'\\"%_\\%\\_',
  ];

  it('stores and returns SQL and XSS payloads verbatim in messages, room names, topics and display names', async () => {
    for (const p of PAYLOADS) {
      const sent = await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/messages`, { body: p, clientKey: randomUUID() });
      expect(sent.status).toBe(201);
      expect(sent.body.body).toBe(p);
      const room = await ctx.users.alice.api.post('/api/v1/rooms', { kind: 'public', name: p.slice(0, 80), topic: p });
      expect(room.status).toBe(201);
      expect(room.body).toMatchObject({ name: p.slice(0, 80), topic: p });
    }
    const history = await ctx.users.alice.api.get(`/api/v1/rooms/${roomId}/messages?limit=100`);
    const bodies = history.body.items.map((m: { body: string }) => m.body);
    for (const p of PAYLOADS) expect(bodies).toContain(p);
    const reg = await new Api(ctx.server.url).post('/api/v1/auth/register', { username: `xss${randomUUID().slice(0, 6)}`, password: 'correct horse battery staple', displayName: '<script>alert(1)</script>' });
    expect(reg.status).toBe(201);
    expect(reg.body.user.displayName).toBe('<script>alert(1)</script>');
    // JSON responses are never sniffable as HTML.
    const res = await fetch(`${ctx.server.url}/api/v1/rooms/${roomId}/messages`, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('search treats SQL and LIKE wildcards literally', async () => {
    const bob = await registerUser(ctx.server.url, 'bob');
    for (const q of ["' OR 1=1 --", '%', '_', '%%', "x' UNION SELECT password_hash FROM users --"]) {
      const users = await bob.api.get(`/api/v1/users?q=${encodeURIComponent(q)}`);
      expect(users.status).toBe(200);
      expect(JSON.stringify(users.body)).not.toMatch(/password|argon2/);
      for (const u of users.body.items as { username: string; displayName: string }[]) expect(`${u.username}${u.displayName}`.toLowerCase()).toContain(q.toLowerCase());
      const rooms = await bob.api.get(`/api/v1/rooms/public?q=${encodeURIComponent(q)}`);
      expect(rooms.status).toBe(200);
      for (const r of rooms.body.items as { name: string }[]) expect(r.name.toLowerCase()).toContain(q.toLowerCase());
    }
    // The tables are all still there.
    expect((await ctx.users.alice.api.get(`/api/v1/rooms/${roomId}/messages`)).status).toBe(200);
  });
});

describe('brute-force login', () => {
  it('is throttled per client IP; the right password is refused too once throttled, and a spoofed X-Forwarded-For does not reset it', async () => {
    const b2 = await createBackend('pglite');
    const s2 = await startTestServer(b2, { RATE_LIMIT_AUTH_PER_MIN: '5' });
    try {
      const victim = await registerUser(s2.url, 'victim'); // 1 of 5
      const api = new Api(s2.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await api.post('/api/v1/auth/login', { username: victim.username, password: `guess-number-${i}` }, { 'x-forwarded-for': `10.0.0.${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
      const right = await api.post('/api/v1/auth/login', { username: victim.username, password: 'correct horse battery staple' });
      expect(right.status).toBe(429);
      expect(JSON.stringify(right.body)).not.toContain('accessToken');
      // Other usernames share the same budget: no spraying across accounts from one address.
      expect((await api.post('/api/v1/auth/login', { username: 'someone-else', password: 'x'.repeat(12) })).status).toBe(429);
    } finally {
      await s2.shutdown();
      await b2.dispose();
    }
  });

  it('an unknown username and a wrong password are indistinguishable (body and timing)', async () => {
    const api = new Api(ctx.server.url);
    const bodies = new Set<string>();
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i++) {
      let t = performance.now();
      const a = await api.post('/api/v1/auth/login', { username: ctx.users.alice.username, password: 'wrong password!' });
      known.push(performance.now() - t);
      t = performance.now();
      const b = await api.post('/api/v1/auth/login', { username: `nobody${randomUUID().slice(0, 8)}`, password: 'wrong password!' });
      unknown.push(performance.now() - t);
      expect([a.status, b.status]).toEqual([401, 401]);
      bodies.add(JSON.stringify(a.body));
      bodies.add(JSON.stringify(b.body));
    }
    expect(bodies.size).toBe(1);
    // Without the dummy hash an unknown user would answer in a fraction of the time (no argon2 run):
    // the medians must be of the same order (ratio > 0.4), a bound that survives a loaded machine.
    const median = (xs: number[]) => xs.sort((p, q) => p - q)[4]!;
    const [k, u] = [median(known), median(unknown)];
    expect(Math.min(k, u) / Math.max(k, u), `known ${k.toFixed(0)} ms, unknown ${u.toFixed(0)} ms`).toBeGreaterThan(0.4);
  });
});
