import type { Message, Room } from '@parley/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStore, timelineMessages } from '../state/store';
import { alice, bob, msg, ROOM } from '../test/fixtures';
import { ChatClient } from './client';

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  // test helpers
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(f: unknown) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  ofType(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

const room: Room = { id: ROOM, kind: 'public', name: 'general', topic: '', createdAt: '', archived: false, headSeq: 10, memberCount: 2, role: 'member', lastReadSeq: 10, unread: 0 };
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('ChatClient (realtime)', () => {
  let changesCalls: string[];
  let changes: Message[];
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    changesCalls = [];
    changes = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url === '/api/v1/rooms') return json({ items: [room] });
        if (url.includes('/changes?since=')) {
          changesCalls.push(url);
          const since = Number(url.split('since=')[1]);
          const items = changes.filter((m) => m.versionSeq > since);
          const head = Math.max(since, ...changes.map((m) => m.versionSeq));
          return json({ roomId: ROOM, items, coveredSeq: head, headSeq: head, hasMore: false });
        }
        if (url.includes('/members')) return json({ items: [] });
        throw new Error(`unexpected fetch ${url}`);
      }),
    );
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  async function connected() {
    const store = createStore();
    const client = new ChatClient({ store, onSignedOut: vi.fn(), wsUrl: 'ws://test/ws', WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    await client.loadRooms();
    client.start();
    const ws = FakeSocket.all.at(-1)!;
    ws.open();
    ws.frame({ type: 'hello', v: 1, connectionId: 'c1', heartbeatMs: 30000, authenticated: true });
    ws.frame({ type: 'ready', user: alice });
    await vi.advanceTimersByTimeAsync(0);
    return { store, client, ws };
  }

  it('subscribes with the last seen seq and applies sync', async () => {
    const { store, ws } = await connected();
    expect(ws.ofType('subscribe')[0]).toMatchObject({ rooms: [{ roomId: ROOM, lastSeq: 10 }] });
    ws.frame({ type: 'sync', roomId: ROOM, items: [msg({ seq: 11 }), msg({ seq: 12 })], coveredSeq: 12, headSeq: 12, hasMore: false });
    expect(store.getState().lastSeq[ROOM]).toBe(12);
    expect(timelineMessages(store.getState().timelines[ROOM]).map((m) => m.seq)).toEqual([11, 12]);
  });

  it('fills a gap in live events from /changes', async () => {
    const { store, ws } = await connected();
    changes = [msg({ seq: 11, body: 'missed' }), msg({ seq: 12, body: 'live' })];
    ws.frame({ type: 'message.created', roomId: ROOM, seq: 12, message: changes[1] });
    await vi.advanceTimersByTimeAsync(0);
    expect(changesCalls).toEqual([`/api/v1/rooms/${ROOM}/changes?since=10`]);
    expect(timelineMessages(store.getState().timelines[ROOM]).map((m) => m.body)).toEqual(['missed', 'live']);
    expect(store.getState().lastSeq[ROOM]).toBe(12);
    // In-order events need no fetch.
    ws.frame({ type: 'message.created', roomId: ROOM, seq: 13, message: msg({ seq: 13 }) });
    expect(store.getState().lastSeq[ROOM]).toBe(13);
    expect(changesCalls).toHaveLength(1);
  });

  it('sends optimistically, settles on ack, and resends unacknowledged messages after a reconnect', async () => {
    const { store, client, ws } = await connected();
    const key = client.sendMessage(ROOM, 'hello');
    expect(store.getState().pending[key]).toMatchObject({ status: 'pending', body: 'hello' });
    expect(ws.ofType('message.send')[0]).toMatchObject({ id: key, clientKey: key, body: 'hello', roomId: ROOM });

    // The connection drops before the ack: the message stays pending, nothing is lost.
    ws.drop();
    expect(store.getState().connection.status).toBe('reconnecting');
    expect(store.getState().pending[key]?.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1000);
    const ws2 = FakeSocket.all.at(-1)!;
    expect(ws2).not.toBe(ws);
    ws2.open();
    ws2.frame({ type: 'hello', v: 1, connectionId: 'c2', heartbeatMs: 30000, authenticated: true });
    ws2.frame({ type: 'ready', user: alice });
    await vi.advanceTimersByTimeAsync(0);
    // Same clientKey again: the server's idempotency makes this safe.
    expect(ws2.ofType('message.send')[0]).toMatchObject({ clientKey: key });
    const committed = msg({ seq: 11, author: alice, body: 'hello', clientKey: key });
    ws2.frame({ type: 'ack', id: key, result: committed });
    ws2.frame({ type: 'message.created', roomId: ROOM, seq: 11, message: committed });
    expect(store.getState().pending[key]).toBeUndefined();
    expect(timelineMessages(store.getState().timelines[ROOM]).filter((m) => m.body === 'hello')).toHaveLength(1);
  });

  it('marks a send failed with a sentence when the server refuses it', async () => {
    const { store, client, ws } = await connected();
    const key = client.sendMessage(ROOM, 'too fast');
    ws.frame({ type: 'error', id: key, code: 'rate-limited', message: 'Too many requests', status: 429, retryAfterMs: 2000 });
    expect(store.getState().pending[key]).toMatchObject({ status: 'failed', error: 'You are doing that too often. Try again in 2 seconds.' });
    client.retry(key);
    expect(store.getState().pending[key]?.status).toBe('pending');
    expect(ws.ofType('message.send')).toHaveLength(2);
  });

  it('shows typing for a few seconds and tracks presence', async () => {
    const { store, ws } = await connected();
    ws.frame({ type: 'typing', roomId: ROOM, user: bob });
    expect(Object.keys(store.getState().typing[ROOM] ?? {})).toEqual([bob.id]);
    await vi.advanceTimersByTimeAsync(6000);
    expect(Object.keys(store.getState().typing[ROOM] ?? {})).toEqual([]);
    ws.frame({ type: 'presence', userId: bob.id, status: 'online' });
    expect(store.getState().online[bob.id]).toBe(true);
  });

  it('signs out when the session is revoked (4003) and does not reconnect', async () => {
    const store = createStore();
    const onSignedOut = vi.fn();
    const client = new ChatClient({ store, onSignedOut, wsUrl: 'ws://test/ws', WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    client.start();
    FakeSocket.all.at(-1)!.drop(4003);
    expect(onSignedOut).toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
