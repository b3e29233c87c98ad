import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// k6 is not installed here, so loadtest/k6/chat.js is run against stand-ins for the k6 modules:
// its imports are replaced by fakes that record what the script does (HTTP calls, WebSocket frames,
// metric samples) and play a minimal Parley server, so the script's logic and thresholds are checked.

const source = readFileSync(new URL('../../loadtest/k6/chat.js', import.meta.url), 'utf8');

interface Fakes {
  env: Record<string, string>;
  http: Record<string, unknown>;
  ws: { connect: (url: string, params: unknown, fn: (socket: FakeSocket) => void) => unknown };
  metrics: Map<string, number[]>;
  checks: boolean[];
}
interface FakeSocket {
  on(event: string, fn: (arg?: string) => void): void;
  send(text: string): void;
  setInterval(fn: () => void, ms: number): void;
  setTimeout(fn: () => void, ms: number): void;
  close(): void;
}

async function load(fakes: Fakes) {
  const body = source.replace(/^import .* from 'k6.*';$/gm, '');
  const prelude = `
    const __f = globalThis.__k6fakes;
    const __ENV = __f.env; const __VU = 1; const __ITER = 0;
    const http = __f.http; const ws = __f.ws;
    const fail = (m) => { throw new Error(m); };
    const sleep = () => {};
    const check = (v, sets) => { let ok = true; for (const f of Object.values(sets)) { const r = !!f(v); __f.checks.push(r); ok = ok && r; } return ok; };
    const metric = (name) => ({ add: (v) => { if (!__f.metrics.has(name)) __f.metrics.set(name, []); __f.metrics.get(name).push(Number(v)); } });
    class Trend { constructor(n) { return metric(n); } } class Rate { constructor(n) { return metric(n); } } class Counter { constructor(n) { return metric(n); } }
  `;
  (globalThis as any).__k6fakes = fakes;
  return import(`data:text/javascript;base64,${Buffer.from(prelude + body).toString('base64')}#${Math.random()}`);
}

const res = (status: number, value: unknown) => ({ status, json: (path?: string) => (path ? (value as any)[path] : value) });

function fakes(env: Record<string, string>): Fakes & { calls: string[] } {
  const calls: string[] = [];
  const room = { id: 'room-1', name: 'k6-loadtest' };
  const http = {
    post: (url: string, bodyText: string) => {
      calls.push(`POST ${url.replace(env.BASE_URL, '')}`);
      if (url.endsWith('/auth/login')) return res(200, { accessToken: `tok-${JSON.parse(bodyText).username}` });
      if (url.endsWith('/auth/register')) return res(201, { accessToken: 'tok-new' });
      if (url.endsWith('/realtime/ticket')) return res(200, { ticket: 'ticket-0123456789abcdef' });
      if (url.endsWith('/rooms')) return res(201, room);
      return res(200, {});
    },
    get: (url: string) => {
      calls.push(`GET ${url.replace(env.BASE_URL, '')}`);
      return res(200, { items: [] });
    },
    batch: (reqs: unknown[][]) => reqs.map(() => res(200, { items: [] })),
  };
  const f: Fakes & { calls: string[] } = { env, http, metrics: new Map(), checks: [], calls, ws: { connect: () => undefined } };
  // A minimal Parley: hello/ready on auth, acks subscribe, acks each send and echoes it as message.created (twice for the 2nd send).
  f.ws.connect = (url, _params, fn) => {
    calls.push(`WS ${url}`);
    const handlers: Record<string, (arg?: string) => void> = {};
    const intervals: (() => void)[] = [];
    const timeouts: (() => void)[] = [];
    let sends = 0;
    const socket: FakeSocket = {
      on: (e, h) => (handlers[e] = h),
      send: (text) => {
        const frame = JSON.parse(text);
        const reply = (o: unknown) => handlers.message!(JSON.stringify(o));
        if (frame.type === 'auth') reply({ type: 'ready', user: {} });
        else if (frame.type === 'subscribe') reply({ type: 'ack', id: frame.id, result: { rooms: [], denied: [] } });
        else if (frame.type === 'message.send') {
          sends++;
          reply({ type: 'ack', id: frame.id, result: {} });
          const created = { type: 'message.created', roomId: frame.roomId, seq: sends, message: { id: `m${sends}`, body: frame.body } };
          reply(created);
          if (sends === 2) reply(created);
        }
      },
      setInterval: (h) => intervals.push(h),
      setTimeout: (h) => timeouts.push(h),
      close: () => undefined,
    };
    fn(socket);
    handlers.open!();
    for (const t of timeouts.splice(0)) t(); // the staggered start registers the send interval
    intervals[intervals.length - 1]!(); // one send
    intervals[intervals.length - 1]!(); // a second send (delivered twice by this fake)
    return { status: 101 };
  };
  return f;
}

describe('k6 staging script (loadtest/k6/chat.js)', () => {
  it('declares the chat and API scenarios with latency, error and duplicate thresholds from the environment', async () => {
    const mod = await load(fakes({ BASE_URL: 'https://staging.example', K6_VUS: '20', K6_DURATION: '1m', DELIVER_P99_MS: '400' }));
    expect(mod.options.scenarios.chat).toMatchObject({ exec: 'chat', vus: 20, duration: '1m' });
    expect(mod.options.scenarios.api).toMatchObject({ exec: 'api', rate: 4 });
    expect(typeof mod.chat).toBe('function');
    expect(typeof mod.api).toBe('function');
    const t = mod.options.thresholds;
    expect(t.http_req_failed).toEqual(['rate<0.01']);
    expect(t.chat_delivery_latency).toContain('p(99)<400');
    expect(Object.keys(t)).toEqual(expect.arrayContaining(['http_req_duration{kind:api}', 'chat_ack_latency', 'chat_send_errors', 'chat_duplicate_deliveries', 'chat_session_ok', 'checks']));
  });

  it('logs in with the smoke account, finds or creates the room, then chats: acks, deliveries and duplicates are measured', async () => {
    const f = fakes({ BASE_URL: 'https://staging.example', SMOKE_USERNAME: 'smoke', SMOKE_PASSWORD: 'pw' });
    const mod = await load(f);
    const data = mod.setup();
    expect(data).toEqual({ token: 'tok-smoke', roomId: 'room-1' });
    expect(f.calls).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/rooms/public?q=k6-loadtest', 'POST /api/v1/rooms', 'POST /api/v1/rooms/room-1/join']);
    mod.chat(data);
    expect(f.calls).toContain('WS wss://staging.example/ws');
    expect(f.metrics.get('chat_ack_latency')).toHaveLength(2);
    expect(f.metrics.get('chat_send_errors')).toEqual([0, 0]);
    expect(f.metrics.get('chat_delivery_latency')!.length).toBe(3); // every delivery, the duplicate included
    expect(f.metrics.get('chat_duplicate_deliveries')).toEqual([1]);
    expect(f.metrics.get('chat_session_ok')).toEqual([1]);
    mod.api(data);
    expect(f.checks.every(Boolean)).toBe(true);
  });

  it('fails setup without BASE_URL', async () => {
    const mod = await load(fakes({}));
    expect(() => mod.setup()).toThrow(/BASE_URL/);
  });
});
