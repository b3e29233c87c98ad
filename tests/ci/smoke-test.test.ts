// scripts/ci/smoke-test.mjs against a local stand-in of a deployed environment (loopback only):
// an HTTP server answering like the ingress (SPA at /, API under /api/v1) and a WebSocket
// endpoint speaking the /ws auth handshake (hello → auth → ready).
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { repoRoot } from './workflows';

const exec = promisify(execFile);

interface Behaviour {
  version: string;
  meStatus: number;
  wsFirstFrame: 'hello' | 'ready';
  wsAcceptsTicket: boolean;
}
const behaviour: Behaviour = { version: '1.4.2', meStatus: 401, wsFirstFrame: 'hello', wsAcceptsTicket: true };
const reset = () => Object.assign(behaviour, { version: '1.4.2', meStatus: 401, wsFirstFrame: 'hello', wsAcceptsTicket: true });
const requests: string[] = [];

const TOKEN = 'token-for-smoke';
const TICKET = 'ticket-0123456789abcdef';

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

async function handler(req: IncomingMessage, res: ServerResponse) {
  requests.push(`${req.method} ${req.url}`);
  let body = '';
  for await (const chunk of req) body += chunk;
  const bearer = req.headers.authorization === `Bearer ${TOKEN}`;
  if (req.url === '/' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end('<!doctype html><div id="root"></div>');
  }
  if (req.url === '/api/v1/config') return json(res, 200, { version: behaviour.version, environment: 'staging', sentryDsn: null, limits: { messageBodyMax: 4000, uploadMaxBytes: 1 } });
  if (req.url === '/api/v1/auth/me') return json(res, behaviour.meStatus, { type: 'about:blank', title: 'Unauthorized', status: behaviour.meStatus, code: 'auth.required' }, 'application/problem+json');
  if (req.url === '/api/v1/auth/login' && req.method === 'POST') {
    const { username, password } = JSON.parse(body || '{}') as { username?: string; password?: string };
    if (username === 'smoke' && password === 'correct horse') return json(res, 200, { user: { id: 'u1' }, accessToken: TOKEN, refreshToken: 'r', expiresIn: 900 });
    return json(res, 401, { code: 'auth.invalid_credentials' }, 'application/problem+json');
  }
  if (req.url === '/api/v1/rooms' && bearer) return json(res, 200, { items: [] });
  if (req.url === '/api/v1/realtime/ticket' && req.method === 'POST' && bearer) return json(res, 201, { ticket: TICKET, expiresIn: 30 });
  return json(res, 404, { code: 'not_found' }, 'application/problem+json');
}

let server: Server;
let wss: WebSocketServer;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => void handler(req, res));
  wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify(behaviour.wsFirstFrame === 'hello' ? { type: 'hello', v: 1, connectionId: 'c1', heartbeatMs: 25000, authenticated: false } : { type: 'ready', user: {} }));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; ticket?: string };
      if (frame.type !== 'auth') return;
      if (behaviour.wsAcceptsTicket && frame.ticket === TICKET) socket.send(JSON.stringify({ type: 'ready', user: { id: 'u1' } }));
      else socket.close(4401, 'bad ticket');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  wss.close();
  await new Promise((resolve) => server.close(resolve));
});

async function smoke(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env, SMOKE_USERNAME: '', SMOKE_PASSWORD: '', ...env };
  try {
    const { stdout } = await exec(process.execPath, [join(repoRoot, 'scripts/ci/smoke-test.mjs'), '--url', url, '--attempts', '1', '--timeout', '3', ...args], { env: base });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '' };
  }
}

describe('smoke-test.mjs', () => {
  it('passes the anonymous checks and verifies the deployed version', async () => {
    reset();
    const r = await smoke(['--expect-version', '1.4.2']);
    expect(r.stdout).toContain('ok 1 - web tier serves the SPA');
    expect(r.stdout).toContain('ok 2 - server tier answers GET /api/v1/config');
    expect(r.stdout).toContain('ok 3 - authentication is enforced');
    expect(r.stdout).toContain('SMOKE_USERNAME/SMOKE_PASSWORD not set');
    expect(r.code).toBe(0);
  });

  it('fails when the environment still serves the previous version', async () => {
    reset();
    behaviour.version = '1.4.1';
    const r = await smoke(['--expect-version', '1.4.2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('deployed version is "1.4.1", expected "1.4.2"');
  });

  it('fails when authentication is not enforced', async () => {
    reset();
    behaviour.meStatus = 200;
    const r = await smoke([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not ok 3 .* returned 200/);
  });

  it('with a smoke account: logs in, lists rooms and completes the WebSocket auth handshake', async () => {
    reset();
    requests.length = 0;
    const r = await smoke([], { SMOKE_USERNAME: 'smoke', SMOKE_PASSWORD: 'correct horse' });
    expect(r.stdout).toContain('ok 4 - smoke account logs in, lists rooms and completes the WebSocket handshake');
    expect(r.code).toBe(0);
    expect(requests).toEqual(expect.arrayContaining(['POST /api/v1/auth/login', 'GET /api/v1/rooms', 'POST /api/v1/realtime/ticket']));
  });

  it('fails on a wrong password and on a WebSocket that rejects the ticket or skips hello', async () => {
    reset();
    const wrong = await smoke([], { SMOKE_USERNAME: 'smoke', SMOKE_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('POST /api/v1/auth/login returned 401');

    behaviour.wsAcceptsTicket = false;
    const rejected = await smoke([], { SMOKE_USERNAME: 'smoke', SMOKE_PASSWORD: 'correct horse' });
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('WebSocket closed (code 4401)');

    reset();
    behaviour.wsFirstFrame = 'ready';
    const noHello = await smoke([], { SMOKE_USERNAME: 'smoke', SMOKE_PASSWORD: 'correct horse' });
    expect(noHello.code).toBe(1);
    expect(noHello.stdout).toContain('first WebSocket frame was "ready"');
  });

  it('retries before giving up, and fails on an unreachable URL', async () => {
    reset();
    const dead = await (async () => {
      try {
        await exec(process.execPath, [join(repoRoot, 'scripts/ci/smoke-test.mjs'), '--url', 'http://127.0.0.1:9', '--attempts', '2', '--interval', '0.1', '--timeout', '1'], {
          env: { ...process.env, SMOKE_USERNAME: '', SMOKE_PASSWORD: '' },
        });
        return { code: 0, stdout: '' };
      } catch (err) {
        return err as { code: number; stdout: string };
      }
    })();
    expect(dead.code).toBe(1);
    expect(dead.stdout).toContain('# attempt 2/2');
    expect(dead.stdout).toContain('FAILED after 2 attempt(s)');
  });
});
