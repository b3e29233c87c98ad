/**
 * A small Parley bot: logs in, connects to the WebSocket, listens in every room it belongs to
 * and answers `!ping <text>` with `pong: <text>` in the message's thread. It survives restarts
 * of the server (reconnect with back-off and resume from the last seq seen) and honours rate
 * limits. Run it against a server with a bot account:
 *
 *   npm install ws            # Node 22+ could use the global WebSocket instead
 *   PARLEY_URL=https://chat.example.org PARLEY_USERNAME=pingbot PARLEY_PASSWORD=… npx tsx bot.ts
 *
 * Tested against a real server by apps/server/test/contract/bot.test.ts.
 */
import WebSocket from 'ws';

const BASE = (process.env.PARLEY_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const USERNAME = process.env.PARLEY_USERNAME ?? 'pingbot';
const PASSWORD = process.env.PARLEY_PASSWORD ?? '';

interface Session { accessToken: string; refreshToken: string; user: { id: string; username: string } }
type Frame = { type: string; [key: string]: any };

let session: Session;
const lastSeq = new Map<string, number>(); // roomId → last seq applied: resume point after a reconnect
let stopping = false;
let socket: WebSocket | undefined;

/** Calls the REST API with the bearer token; refreshes it once on 401. Errors are RFC 9457 problems. */
async function api<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${session.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401 && !retried) {
    session = await post<Session>('/auth/refresh', { refreshToken: session.refreshToken });
    return api(method, path, body, true);
  }
  if (res.status === 429) {
    const wait = Number(res.headers.get('retry-after') ?? '1');
    await sleep(wait * 1000);
    return api(method, path, body, retried);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new Error(`${method} ${path}: ${res.status} ${problem.code ?? ''} ${problem.detail ?? ''}`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${BASE}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(await res.json().catch(() => null))}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One connection: auth with a ticket, subscribe (resuming), handle frames. Resolves with the close code. */
async function connect(): Promise<number> {
  const { ticket } = await api<{ ticket: string }>('POST', '/realtime/ticket');
  const ws = new WebSocket(`${BASE.replace(/^http/, 'ws')}/ws`);
  socket = ws;
  let nextId = 0;
  const send = (frame: Frame) => ws.send(JSON.stringify({ id: `b${++nextId}`, ...frame }));

  const subscribe = (roomIds: string[]) => {
    if (roomIds.length) send({ type: 'subscribe', rooms: roomIds.map((roomId) => ({ roomId, ...(lastSeq.has(roomId) ? { lastSeq: lastSeq.get(roomId) } : {}) })) });
  };

  const handle = async (frame: Frame) => {
    switch (frame.type) {
      case 'hello':
        send({ type: 'auth', ticket }); // the upgrade carried no cookie: authenticate in-band
        break;
      case 'ready': {
        const { items } = await api<{ items: { id: string; headSeq: number }[] }>('GET', '/rooms');
        for (const room of items) if (!lastSeq.has(room.id)) lastSeq.set(room.id, room.headSeq); // start at "now"
        subscribe(items.map((r) => r.id));
        break;
      }
      case 'subscribed': // the resume point of rooms we had not seen yet is their current head
        for (const { roomId, headSeq } of frame.rooms) if (!lastSeq.has(roomId)) lastSeq.set(roomId, headSeq);
        console.log(`bot: listening in ${frame.rooms.length} room(s) as ${session.user.username}`);
        break;
      case 'sync': // missed while disconnected; ask REST for the rest when hasMore
        for (const message of frame.items) await onMessage(message, send);
        lastSeq.set(frame.roomId, frame.coveredSeq);
        if (frame.hasMore) {
          const changes = await api<{ items: any[]; coveredSeq: number }>('GET', `/rooms/${frame.roomId}/changes?since=${frame.coveredSeq}`);
          for (const message of changes.items) await onMessage(message, send);
          lastSeq.set(frame.roomId, changes.coveredSeq);
        }
        break;
      case 'message.created':
      case 'message.updated': {
        const previous = lastSeq.get(frame.roomId) ?? 0;
        if (frame.seq > previous + 1) {
          // A gap: fetch what we missed before handling this event.
          const changes = await api<{ items: any[] }>('GET', `/rooms/${frame.roomId}/changes?since=${previous}`);
          for (const message of changes.items) if (message.id !== frame.message.id) await onMessage(message, send);
        }
        lastSeq.set(frame.roomId, Math.max(previous, frame.seq));
        if (frame.type === 'message.created') await onMessage(frame.message, send);
        break;
      }
      case 'room': // invited to a new room, or removed from one
        if (frame.action === 'added') subscribe([frame.room.id]);
        if (frame.action === 'removed') lastSeq.delete(frame.room.id);
        break;
      case 'error':
        if (frame.code === 'rate-limited') await sleep(frame.retryAfterMs ?? 1000);
        else console.error(`bot: error ${frame.code}: ${frame.message}`);
        break;
      case 'reconnect':
        console.log(`bot: server draining, reconnecting in ${frame.retryAfterMs} ms`);
        break;
    }
  };

  let queue = Promise.resolve(); // handle frames in order
  ws.on('message', (data) => {
    queue = queue.then(() => handle(JSON.parse(data.toString()) as Frame)).catch((err) => console.error('bot:', err));
  });
  return new Promise((resolve) => {
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => undefined); // 'close' follows
  });
}

/** The bot's behaviour: answer `!ping <text>` in the thread of the message. */
async function onMessage(message: { id: string; roomId: string; body: string; parentId: string | null; author: { id: string }; deletedAt: string | null }, send: (f: Frame) => void) {
  if (message.author.id === session.user.id || message.deletedAt) return;
  const match = /^!ping\b\s*(.*)$/s.exec(message.body);
  if (!match) return;
  send({
    type: 'message.send',
    roomId: message.roomId,
    parentId: message.parentId ?? message.id,
    clientKey: `pong-${message.id}`, // idempotent: a replayed message never gets two answers
    body: `pong: ${match[1] || 'hi'}`,
  });
}

async function main() {
  if (!PASSWORD) throw new Error('set PARLEY_PASSWORD');
  session = await post<Session>('/auth/login', { username: USERNAME, password: PASSWORD });
  let attempt = 0;
  while (!stopping) {
    const started = Date.now();
    const code = await connect().catch((err) => (console.error('bot:', (err as Error).message), 1006));
    if (stopping) break;
    if (code === 4003) throw new Error('session revoked: log in again');
    if (Date.now() - started > 30_000) attempt = 0;
    const delay = Math.min(60_000, 500 * 2 ** attempt++) * (0.5 + Math.random()); // back-off with jitter
    console.log(`bot: connection closed (${code}); reconnecting in ${Math.round(delay)} ms`);
    await sleep(delay);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
    socket?.close(1000);
    setTimeout(() => process.exit(0), 200).unref();
  });
}

main().catch((err) => {
  console.error('bot:', (err as Error).message);
  process.exit(1);
});
