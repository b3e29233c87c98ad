import type { Attachment, Message, Room, User } from '@parley/protocol';
import type { ClientFrame, ServerFrame } from '@parley/protocol';
import { api, refreshSession } from '../api/http';
import { ApiError, errorMessage, humanize } from '../api/problem';
import type { PendingMessage, Store } from '../state/store';
import {
  DEFAULT_BACKOFF,
  transition,
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
} from './connection-machine';

const ACK_TIMEOUT_MS = 15_000;
const TYPING_THROTTLE_MS = 2_000;
const TYPING_SHOWN_MS = 5_000;
const SUBSCRIBE_CHUNK = 500;

/** A client key that works in insecure contexts too (crypto.randomUUID needs HTTPS or localhost). */
export function newClientKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ClientOptions {
  store: Store;
  onSignedOut: () => void;
  wsUrl?: string;
  WebSocketImpl?: typeof WebSocket;
}

/**
 * Everything live: the socket (driven by the pure connection machine), resuming from the last
 * seen seq per room, filling gaps from /changes, the optimistic outbox and typing/read/presence.
 */
export class ChatClient {
  private machine: ConnectionState = { status: 'idle' };
  private ws: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private heartbeatMs = 30_000;
  private hintMs: number | undefined;
  private inFlight = new Map<string, ReturnType<typeof setTimeout>>();
  private requests = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private filling = new Set<string>();
  private lastTyping = new Map<string, number>();
  private subscribed = new Set<string>();
  private reqCounter = 0;
  private readonly onOnline = () => this.send_({ type: 'browserOnline' });
  private readonly onOffline = () => this.send_({ type: 'browserOffline' });
  private typingSweep: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly opts: ClientOptions) {}

  get store(): Store {
    return this.opts.store;
  }

  start(): void {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.typingSweep = setInterval(() => this.store.dispatch({ type: 'typing.expire', now: Date.now() }), 1000);
    this.send_({ type: 'start', online: navigator.onLine !== false });
  }

  stop(): void {
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    if (this.typingSweep) clearInterval(this.typingSweep);
    this.send_({ type: 'stop' });
  }

  // ---- state machine plumbing ---------------------------------------------------------
  private send_(event: ConnectionEvent): void {
    const t = transition(this.machine, event, { ...DEFAULT_BACKOFF, random: Math.random, hintMs: this.hintMs });
    this.machine = t.state;
    if (event.type === 'socketClose') this.hintMs = undefined;
    this.store.dispatch({ type: 'connection', state: t.state });
    for (const e of t.effects) this.run(e);
  }

  private run(effect: ConnectionEffect): void {
    switch (effect.type) {
      case 'openSocket':
        this.openSocket();
        break;
      case 'closeSocket':
        this.dropSocket();
        break;
      case 'scheduleRetry':
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.send_({ type: 'retryTimer' });
        }, effect.delayMs);
        break;
      case 'cancelRetry':
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        break;
      case 'sendTicket':
        api
          .ticket()
          .then((t) => this.raw({ type: 'auth', ticket: t.ticket }))
          .catch(() => this.ws?.close());
        break;
      case 'subscribeAll':
        void this.resume();
        break;
      case 'refreshAuth':
        refreshSession().then((ok) => this.send_({ type: ok ? 'authRefreshed' : 'authFailed' }));
        break;
      case 'signOut':
        this.opts.onSignedOut();
        break;
    }
  }

  private openSocket(): void {
    this.dropSocket();
    const url = this.opts.wsUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const Impl = this.opts.WebSocketImpl ?? WebSocket;
    let ws: WebSocket;
    try {
      ws = new Impl(url);
    } catch {
      this.send_({ type: 'socketClose', code: 1006 });
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      this.send_({ type: 'socketOpen' });
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onSocketGone();
      this.send_({ type: 'socketClose', code: ev.code, reason: ev.reason });
    };
  }

  /** Detaches and closes the current socket without feeding its close event to the machine. */
  private dropSocket(): void {
    const ws = this.ws;
    this.ws = null;
    this.onSocketGone();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
  }

  private onSocketGone(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.subscribed.clear();
    // Unacknowledged sends stay pending; they are sent again (same clientKey) once we are back.
    for (const t of this.inFlight.values()) clearTimeout(t);
    this.inFlight.clear();
    for (const r of this.requests.values()) r.reject(new Error('The connection was lost.'));
    this.requests.clear();
  }

  private startHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const every = Math.max(5_000, Math.min(this.heartbeatMs, 30_000));
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastFrameAt > every * 2.5) {
        // The server went silent (e.g. the machine vanished): treat it as a lost connection.
        this.dropSocket();
        this.send_({ type: 'socketClose', code: 4004 });
        return;
      }
      this.raw({ type: 'ping' });
    }, every);
  }

  private raw(frame: ClientFrame): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  get isReady(): boolean {
    return this.machine.status === 'ready' && !!this.ws;
  }

  // ---- incoming frames ------------------------------------------------------------------
  private onFrame(f: ServerFrame): void {
    const { dispatch, getState } = this.store;
    switch (f.type) {
      case 'hello':
        this.heartbeatMs = f.heartbeatMs;
        this.send_({ type: 'hello', authenticated: f.authenticated });
        break;
      case 'ready':
        dispatch({ type: 'signedIn', me: f.user });
        dispatch({ type: 'presence', userId: f.user.id, online: true });
        this.startHeartbeat();
        this.send_({ type: 'ready' });
        break;
      case 'ack': {
        const req = this.requests.get(f.id);
        if (req) {
          this.requests.delete(f.id);
          req.resolve(f.result);
        }
        const t = this.inFlight.get(f.id);
        if (t) {
          clearTimeout(t);
          this.inFlight.delete(f.id);
          const m = f.result as Message | undefined;
          if (m && typeof m === 'object' && 'roomId' in m) this.applyMessage(m.roomId, m.versionSeq, m);
        }
        break;
      }
      case 'error': {
        const text = humanize({ code: f.code, status: f.status, message: f.message, retryAfterMs: f.retryAfterMs });
        if (f.id && this.inFlight.has(f.id)) {
          clearTimeout(this.inFlight.get(f.id));
          this.inFlight.delete(f.id);
          dispatch({ type: 'pending.failed', clientKey: f.id, error: text });
        } else if (f.id && this.requests.has(f.id)) {
          const req = this.requests.get(f.id)!;
          this.requests.delete(f.id);
          req.reject(new ApiError(f.status, f.code, text));
        } else {
          dispatch({ type: 'notice', text });
        }
        break;
      }
      case 'sync':
        dispatch({ type: 'messages.merge', roomId: f.roomId, items: f.items, live: true });
        dispatch({ type: 'seq.advance', roomId: f.roomId, seq: f.coveredSeq });
        if (f.hasMore) void this.fillGap(f.roomId);
        break;
      case 'subscribed':
        for (const r of f.rooms) {
          this.subscribed.add(r.roomId);
          const last = getState().lastSeq[r.roomId];
          // A subscription without sync that is behind the head: fetch what we missed.
          if (last !== undefined && r.headSeq > last) void this.fillGap(r.roomId);
        }
        break;
      case 'message.created':
      case 'message.updated':
        this.applyMessage(f.roomId, f.seq, f.message);
        break;
      case 'typing':
        dispatch({ type: 'typing', roomId: f.roomId, user: f.user, until: Date.now() + TYPING_SHOWN_MS });
        break;
      case 'presence':
        dispatch({ type: 'presence', userId: f.userId, online: f.status === 'online' });
        break;
      case 'read':
        if (f.userId === getState().me?.id) dispatch({ type: 'read', roomId: f.roomId, seq: f.seq });
        break;
      case 'member':
        if (f.user.id === getState().me?.id && (f.action === 'left' || f.action === 'removed')) {
          dispatch({ type: 'room.remove', roomId: f.roomId });
        } else {
          const room = getState().rooms[f.roomId];
          if (room && (f.action === 'joined' || f.action === 'left' || f.action === 'removed')) {
            const delta = f.action === 'joined' ? 1 : -1;
            dispatch({ type: 'room.upsert', room: { ...room, memberCount: Math.max(0, room.memberCount + delta) } });
          }
        }
        break;
      case 'room':
        if (f.action === 'removed') {
          dispatch({ type: 'room.remove', roomId: f.room.id });
        } else {
          const known = getState().rooms[f.room.id];
          dispatch({ type: 'room.upsert', room: known ? { ...f.room, unread: f.room.unread ?? known.unread } : f.room });
          if (!this.subscribed.has(f.room.id)) this.subscribe([f.room.id]);
        }
        break;
      case 'reconnect':
        this.hintMs = f.retryAfterMs;
        this.send_({ type: 'serverReconnectHint', retryAfterMs: f.retryAfterMs });
        break;
      case 'pong':
        break;
    }
  }

  /** Applies a live change and checks the room's sequence for a gap. */
  private applyMessage(roomId: string, seq: number, message: Message): void {
    const { dispatch, getState } = this.store;
    dispatch({ type: 'messages.merge', roomId, items: [message], live: true });
    const last = getState().lastSeq[roomId];
    if (last === undefined || this.filling.has(roomId)) return;
    if (seq === last + 1) dispatch({ type: 'seq.advance', roomId, seq });
    else if (seq > last + 1) void this.fillGap(roomId);
  }

  /** Fetches every change after the last applied seq, page by page, until covered. */
  async fillGap(roomId: string): Promise<void> {
    if (this.filling.has(roomId)) return;
    this.filling.add(roomId);
    const { dispatch, getState } = this.store;
    try {
      for (let i = 0; i < 100; i++) {
        const since = getState().lastSeq[roomId] ?? 0;
        const ch = await api.changes(roomId, since);
        dispatch({ type: 'messages.merge', roomId, items: ch.items, live: true });
        dispatch({ type: 'seq.advance', roomId, seq: ch.coveredSeq });
        if (!ch.hasMore || ch.coveredSeq <= since) break;
      }
    } catch {
      /* retried on the next event or reconnect */
    } finally {
      this.filling.delete(roomId);
    }
  }

  /** After (re)connecting: refresh the room list, subscribe with the last seen seq, resend the outbox. */
  private async resume(): Promise<void> {
    try {
      const { items } = await api.rooms();
      this.store.dispatch({ type: 'rooms.set', rooms: items });
    } catch {
      /* keep what we have */
    }
    const { rooms, activeRoomId } = this.store.getState();
    this.subscribe(Object.keys(rooms));
    this.flushOutbox();
    // Presence changed while we were away: refresh it for the rooms on screen.
    const dms = Object.values(rooms).filter((r) => r.kind === 'dm').slice(0, 30).map((r) => r.id);
    for (const id of new Set([...dms, ...(activeRoomId ? [activeRoomId] : [])])) void this.loadPresence(id);
  }

  subscribe(roomIds: string[]): void {
    const lastSeq = this.store.getState().lastSeq;
    for (let i = 0; i < roomIds.length; i += SUBSCRIBE_CHUNK) {
      const rooms = roomIds.slice(i, i + SUBSCRIBE_CHUNK).map((roomId) => (lastSeq[roomId] !== undefined ? { roomId, lastSeq: lastSeq[roomId] } : { roomId }));
      if (rooms.length) this.raw({ type: 'subscribe', id: `sub-${++this.reqCounter}`, rooms });
    }
  }

  // ---- rooms ------------------------------------------------------------------------------
  async loadRooms(): Promise<void> {
    const { items } = await api.rooms();
    this.store.dispatch({ type: 'rooms.set', rooms: items });
    // Who is online right now (events only report changes): direct messages show a dot.
    for (const r of items.filter((x) => x.kind === 'dm').slice(0, 30)) void this.loadPresence(r.id);
  }

  /** Seeds presence from the member list (its `online` flag); later changes arrive as events. */
  async loadPresence(roomId: string): Promise<void> {
    try {
      const { items } = await api.members(roomId);
      for (const m of items) this.store.dispatch({ type: 'presence', userId: m.user.id, online: m.online });
    } catch {
      /* presence is a nicety */
    }
  }

  addRoom(room: Room): void {
    this.store.dispatch({ type: 'room.upsert', room });
    if (this.isReady) this.subscribe([room.id]);
    void this.loadPresence(room.id);
  }

  async leaveRoom(roomId: string): Promise<void> {
    await api.leaveRoom(roomId);
    this.store.dispatch({ type: 'room.remove', roomId });
    this.raw({ type: 'unsubscribe', roomIds: [roomId] });
  }

  async loadNewest(roomId: string): Promise<void> {
    const page = await api.messages(roomId, { limit: 50 });
    this.store.dispatch({ type: 'page.loaded', roomId, items: page.items, prevCursor: page.prevCursor, newest: true });
  }

  async loadOlder(roomId: string): Promise<void> {
    const tl = this.store.getState().timelines[roomId];
    if (!tl || !tl.hasOlder || tl.oldestCursor === null) return;
    const page = await api.messages(roomId, { before: tl.oldestCursor, limit: 50 });
    this.store.dispatch({ type: 'page.loaded', roomId, items: page.items, prevCursor: page.prevCursor, newest: false });
  }

  async loadThread(roomId: string, parentId: string): Promise<void> {
    const page = await api.messages(roomId, { parentId, limit: 100 });
    this.store.dispatch({ type: 'messages.merge', roomId, items: page.items });
  }

  // ---- sending ----------------------------------------------------------------------------
  sendMessage(roomId: string, body: string, attachments: Attachment[] = [], parentId: string | null = null): string {
    const clientKey = newClientKey();
    const pending: PendingMessage = { clientKey, roomId, body, parentId, attachments, createdAt: new Date().toISOString(), status: 'pending' };
    this.store.dispatch({ type: 'pending.add', pending });
    this.deliver(pending);
    return clientKey;
  }

  retry(clientKey: string): void {
    const p = this.store.getState().pending[clientKey];
    if (!p) return;
    this.store.dispatch({ type: 'pending.retry', clientKey });
    this.deliver({ ...p, status: 'pending' });
  }

  discard(clientKey: string): void {
    this.store.dispatch({ type: 'pending.discard', clientKey });
  }

  private flushOutbox(): void {
    for (const p of Object.values(this.store.getState().pending)) if (p.status === 'pending') this.deliver(p);
  }

  private deliver(p: PendingMessage): void {
    if (this.inFlight.has(p.clientKey)) return;
    const frame: ClientFrame = {
      type: 'message.send',
      id: p.clientKey,
      roomId: p.roomId,
      clientKey: p.clientKey,
      body: p.body,
      ...(p.parentId ? { parentId: p.parentId } : {}),
      ...(p.attachments.length ? { attachmentIds: p.attachments.map((a) => a.id) } : {}),
    };
    if (this.isReady && this.raw(frame)) {
      this.inFlight.set(
        p.clientKey,
        setTimeout(() => {
          this.inFlight.delete(p.clientKey);
          if (this.store.getState().pending[p.clientKey]) {
            this.store.dispatch({ type: 'pending.failed', clientKey: p.clientKey, error: 'The server did not confirm this message.' });
          }
        }, ACK_TIMEOUT_MS),
      );
      return;
    }
    if (this.machine.status === 'offline') return; // sent from the outbox when we are back
    // Not connected: try REST (same idempotency key, so a later resend cannot duplicate it).
    const marker = setTimeout(() => undefined, 0);
    this.inFlight.set(p.clientKey, marker);
    api
      .send(p.roomId, {
        body: p.body,
        clientKey: p.clientKey,
        ...(p.parentId ? { parentId: p.parentId } : {}),
        ...(p.attachments.length ? { attachmentIds: p.attachments.map((a) => a.id) } : {}),
      })
      .then((m) => this.applyMessage(m.roomId, m.versionSeq, m))
      .catch((err: unknown) => {
        // Network failure: stay pending and go out with the outbox on reconnect.
        if (err instanceof ApiError && err.status !== 0) this.store.dispatch({ type: 'pending.failed', clientKey: p.clientKey, error: err.message });
      })
      .finally(() => {
        if (this.inFlight.get(p.clientKey) === marker) this.inFlight.delete(p.clientKey);
      });
  }

  // ---- edits, reactions, typing, read -----------------------------------------------------
  private async mutate(run: () => Promise<Message | undefined>, roomId: string): Promise<void> {
    try {
      const m = await run();
      if (m && typeof m === 'object' && 'id' in m) this.store.dispatch({ type: 'messages.merge', roomId, items: [m] });
    } catch (err) {
      this.store.dispatch({ type: 'notice', text: errorMessage(err) });
    }
  }

  edit(m: Message, body: string): Promise<void> {
    return this.mutate(() => api.edit(m.roomId, m.id, body), m.roomId);
  }

  remove(m: Message): Promise<void> {
    return this.mutate(() => api.remove(m.roomId, m.id), m.roomId);
  }

  toggleReaction(m: Message, emoji: string, me: User): Promise<void> {
    const mine = m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(me.id));
    return this.mutate(() => (mine ? api.unreact(m.roomId, m.id, emoji) : api.react(m.roomId, m.id, emoji)), m.roomId);
  }

  typing(roomId: string): void {
    const now = Date.now();
    if (now - (this.lastTyping.get(roomId) ?? 0) < TYPING_THROTTLE_MS) return;
    this.lastTyping.set(roomId, now);
    this.raw({ type: 'typing', roomId });
  }

  markRead(roomId: string, seq: number): void {
    const room = this.store.getState().rooms[roomId];
    if (!room || (room.lastReadSeq !== null && room.lastReadSeq >= seq && room.unread === 0)) return;
    this.store.dispatch({ type: 'read', roomId, seq });
    if (!this.raw({ type: 'read', roomId, seq })) api.markRead(roomId, seq).catch(() => undefined);
  }
}
