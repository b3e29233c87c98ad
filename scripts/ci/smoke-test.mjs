#!/usr/bin/env node
// Post-deploy smoke test against a running Parley environment (through its public URL, i.e. the
// ingress: `/` → web tier, `/api` and `/ws` → server tier).
//
//   node scripts/ci/smoke-test.mjs --url https://staging.parley.example.com \
//        [--expect-version 1.4.0] [--attempts 10] [--interval 6] [--timeout 10]
//
// Checks, in order (each one prints `ok N - …` or `not ok N - …`):
//   1. GET /                      → 200 text/html            (web tier + ingress)
//   2. GET /api/v1/config         → 200 JSON with `version`   (server tier reachable, DB-backed app booted)
//      and, with --expect-version / SMOKE_EXPECT_VERSION, that version is the one just deployed
//   3. GET /api/v1/auth/me        → 401 problem+json          (auth enforced, errors are RFC 9457)
//   4. with SMOKE_USERNAME and SMOKE_PASSWORD (a dedicated smoke-test account per environment):
//      POST /api/v1/auth/login → 200 accessToken; GET /api/v1/rooms → 200 {items};
//      POST /api/v1/realtime/ticket → ticket; WebSocket /ws, `auth` frame → `hello` … `ready`.
// A fresh rollout can take a moment to receive traffic, so the whole set is retried
// (--attempts × --interval seconds) before failing. Exit 0 when every check passed, else 1.
// Needs Node ≥ 20; on Node < 22 (no global WebSocket) the `ws` package is used for check 4.

import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SMOKE_URL },
    'expect-version': { type: 'string', default: process.env.SMOKE_EXPECT_VERSION },
    attempts: { type: 'string', default: process.env.SMOKE_ATTEMPTS ?? '10' },
    interval: { type: 'string', default: process.env.SMOKE_INTERVAL ?? '6' },
    timeout: { type: 'string', default: process.env.SMOKE_TIMEOUT ?? '10' },
  },
});

if (!values.url) {
  console.error('usage: smoke-test.mjs --url <base-url> [--expect-version V] [--attempts N] [--interval S] [--timeout S]');
  process.exit(2);
}
const base = values.url.replace(/\/+$/, '');
const attempts = Math.max(1, Number(values.attempts));
const intervalMs = Number(values.interval) * 1000;
const timeoutMs = Number(values.timeout) * 1000;
const username = process.env.SMOKE_USERNAME;
const password = process.env.SMOKE_PASSWORD;

class CheckError extends Error {}

function expect(cond, message) {
  if (!cond) throw new CheckError(message);
}

async function http(path, init = {}) {
  const res = await fetch(base + path, { redirect: 'manual', ...init, signal: AbortSignal.timeout(timeoutMs) });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  let json;
  if (type.includes('json')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, type, text, json };
}

async function openWebSocket(url) {
  if (typeof globalThis.WebSocket === 'function') return new globalThis.WebSocket(url);
  const { WebSocket } = await import('ws');
  return new WebSocket(url);
}

/** Opens /ws, authenticates with the ticket and resolves once `ready` arrives. */
async function realtimeHandshake(ticket) {
  const wsUrl = base.replace(/^http/, 'ws') + '/ws';
  const socket = await openWebSocket(wsUrl);
  const seen = [];
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckError(`no "ready" frame within ${timeoutMs} ms (got: ${seen.join(', ') || 'nothing'})`)), timeoutMs);
      const done = (fn, arg) => {
        clearTimeout(timer);
        fn(arg);
      };
      socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'auth', ticket })));
      socket.addEventListener('message', (event) => {
        let frame;
        try {
          frame = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data));
        } catch {
          return done(reject, new CheckError('a WebSocket frame was not JSON'));
        }
        seen.push(frame.type);
        if (frame.type === 'ready') done(resolve);
        else if (frame.type === 'error') done(reject, new CheckError(`WebSocket error frame: ${frame.code ?? JSON.stringify(frame)}`));
      });
      socket.addEventListener('error', () => done(reject, new CheckError(`WebSocket connection to ${wsUrl} failed`)));
      socket.addEventListener('close', (event) => done(reject, new CheckError(`WebSocket closed (code ${event.code}) before "ready"`)));
    });
    expect(seen[0] === 'hello', `first WebSocket frame was "${seen[0]}", expected "hello"`);
  } finally {
    try {
      socket.close(1000);
    } catch {
      /* already closed */
    }
  }
}

const checks = [
  ['web tier serves the SPA at /', async () => {
    const r = await http('/');
    expect(r.status === 200, `GET / returned ${r.status}`);
    expect(r.type.includes('text/html'), `GET / content-type is "${r.type}"`);
  }],
  ['server tier answers GET /api/v1/config', async () => {
    const r = await http('/api/v1/config');
    expect(r.status === 200, `GET /api/v1/config returned ${r.status}`);
    expect(r.json && typeof r.json.version === 'string', 'GET /api/v1/config has no string "version"');
    const want = values['expect-version'];
    if (want) expect(r.json.version === want, `deployed version is "${r.json.version}", expected "${want}"`);
  }],
  ['authentication is enforced (GET /api/v1/auth/me → 401 problem+json)', async () => {
    const r = await http('/api/v1/auth/me');
    expect(r.status === 401, `GET /api/v1/auth/me without credentials returned ${r.status}`);
    expect(r.type.includes('application/problem+json'), `401 content-type is "${r.type}", expected application/problem+json`);
  }],
];

if (username && password) {
  checks.push(['smoke account logs in, lists rooms and completes the WebSocket handshake', async () => {
    const login = await http('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(login.status === 200, `POST /api/v1/auth/login returned ${login.status}`);
    const token = login.json?.accessToken;
    expect(typeof token === 'string' && token.length > 0, 'login response has no accessToken');
    const auth = { authorization: `Bearer ${token}` };
    const rooms = await http('/api/v1/rooms', { headers: auth });
    expect(rooms.status === 200 && Array.isArray(rooms.json?.items), `GET /api/v1/rooms returned ${rooms.status}`);
    const ticket = await http('/api/v1/realtime/ticket', { method: 'POST', headers: auth });
    expect(ticket.status === 200 || ticket.status === 201, `POST /api/v1/realtime/ticket returned ${ticket.status}`);
    expect(typeof ticket.json?.ticket === 'string', 'ticket response has no "ticket"');
    await realtimeHandshake(ticket.json.ticket);
  }]);
} else {
  console.log('# SMOKE_USERNAME/SMOKE_PASSWORD not set: the authenticated and WebSocket check is not run');
}

async function runAll() {
  const failures = [];
  for (const [i, [name, fn]] of checks.entries()) {
    try {
      await fn();
      console.log(`ok ${i + 1} - ${name}`);
    } catch (err) {
      const reason = err instanceof CheckError ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
      console.log(`not ok ${i + 1} - ${name}: ${reason}`);
      failures.push(name);
    }
  }
  return failures;
}

console.log(`# smoke test against ${base}`);
for (let attempt = 1; attempt <= attempts; attempt++) {
  console.log(`# attempt ${attempt}/${attempts}`);
  const failures = await runAll();
  if (failures.length === 0) {
    console.log(`# smoke test passed: ${checks.length} checks`);
    process.exit(0);
  }
  if (attempt < attempts) await new Promise((r) => setTimeout(r, intervalMs));
}
console.log(`# smoke test FAILED after ${attempts} attempt(s)`);
process.exit(1);
