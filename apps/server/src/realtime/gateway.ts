import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION, type ClientFrame, type ClientFrameOf, type ServerFrame, type User } from '@parley/protocol';
import type { Modules } from '../modules.js';
import type { EventBus } from '../infra/bus.js';
import { ACCESS_COOKIE } from '../http/auth.js';
import { toAppError } from '../http/errors.js';
import { AppError } from '../http/problem.js';
import { metrics } from '../observability/metrics.js';
import { decodeEvent, roomChannel, userChannel } from './events.js';
import { textFrame } from './frame.js';
import { parseClientFrame } from './validate.js';
import { recordSpanError, withSpan } from '../observability/span.js';
import { reportError } from '../observability/report.js';

const AUTH_TIMEOUT_MS = 10_000;
const MAX_INVALID_FRAMES = 20;
const TYPING_MIN_INTERVAL_MS = 1000;

interface RoomState {
  /** While the initial sync is being sent, live events (as frames) wait here so they arrive after it. */
  pending: Buffer[] | null;
}


/**
 * Write coalescing. Every frame is a syscall of its own (a header and a payload in one writev),
 * and under load that syscall is most of the gateway's CPU. The first frame written to a
 * connection in a turn of the event loop corks its socket; the socket is uncorked once the turn's
 * callbacks and promise continuations are done, so all frames queued for it meanwhile go out in one
 * writev. A group commit's messages are fanned out in one turn, so a member of a busy room gets them
 * (and a sender its acks) in one write; a quiet socket gets its single frame with no added delay.
 */
class WriteCoalescer {
  private corked: Connection[] = [];

  /** Corks the connection's socket until the end of this turn. */
  add(conn: Connection, socket: Socket): void {
    conn.corked = true;
    socket.cork();
    if (this.corked.push(conn) === 1) process.nextTick(() => this.flush());
  }

  private flush(): void {
    const conns = this.corked;
    this.corked = [];
    for (const conn of conns) {
      conn.corked = false;
      const socket = socketOf(conn.ws);
      while (socket && socket.writableCorked > 0) socket.uncork();
    }
  }
}

const coalescer = new WriteCoalescer();

/** The TCP socket under a ws connection (ws keeps it in a private field). */
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket?: Socket })._socket;

class Connection {
  readonly id = randomUUID();
  user: User | null = null;
  sessionId: string | null = null;
  readonly rooms = new Map<string, RoomState>();
  alive = true;
  invalidFrames = 0;
  closed = false;
  /** Its socket is corked until the end of this turn (WriteCoalescer). */
  corked = false;
  readonly lastTyping = new Map<string, number>();

  constructor(readonly ws: WebSocket, private readonly maxBuffered: number, private readonly onSlow: (c: Connection) => void) {}

  /**
   * The socket to write to now, or null: closed, or a peer that stopped reading, which is
   * disconnected instead of buffered without bound. Checked at the first frame of a turn, before
   * corking: what is buffered then is what the peer has not read from earlier turns, not what this
   * turn is about to write in one go (WriteCoalescer).
   */
  private writable(): Socket | null {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return null;
    const socket = socketOf(this.ws);
    if (!socket) return null;
    if (!this.corked) {
      if (this.ws.bufferedAmount > this.maxBuffered) {
        this.onSlow(this);
        return null;
      }
      coalescer.add(this, socket);
    }
    return socket;
  }

  /** Writes a pre-serialised frame. */
  sendRaw(json: string): boolean {
    if (!this.writable()) return false;
    this.ws.send(json);
    return true;
  }

  /** Writes a frame built once for all recipients (frame.ts); ws sends synchronously, so frames never interleave. */
  sendFrame(frame: Buffer): boolean {
    const socket = this.writable();
    if (!socket) return false;
    socket.write(frame);
    return true;
  }

  send(frame: ServerFrame): void {
    if (this.sendRaw(JSON.stringify(frame))) metrics.wsFramesOut.inc({ type: frame.type });
  }

  close(code: number, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason);
    } catch {
      /* socket already gone */
    }
    // A peer that never answers the close handshake is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }
}

/**
 * Local connections per bus channel (one room or one user). The process holds the channel's bus
 * subscription exactly while at least one local connection needs it.
 */
class ChannelMembers {
  private readonly members = new Map<string, { conns: Set<Connection>; handler: (payload: string) => void }>();

  constructor(
    private readonly bus: EventBus,
    private readonly channel: (id: string) => string,
    private readonly onEvent: (id: string, payload: string) => void,
  ) {}

  get(id: string): Set<Connection> | undefined {
    return this.members.get(id)?.conns;
  }

  ids(): IterableIterator<string> {
    return this.members.keys();
  }

  add(id: string, conn: Connection): void {
    let entry = this.members.get(id);
    if (!entry) {
      const handler = (payload: string) => this.onEvent(id, payload);
      entry = { conns: new Set(), handler };
      this.members.set(id, entry);
      this.bus.subscribe(this.channel(id), handler);
    }
    entry.conns.add(conn);
  }

  remove(id: string, conn: Connection): void {
    const entry = this.members.get(id);
    if (!entry) return;
    entry.conns.delete(conn);
    if (entry.conns.size === 0) {
      this.members.delete(id);
      this.bus.unsubscribe(this.channel(id), entry.handler);
    }
  }
}

/**
 * The WebSocket gateway: authenticates connections, validates every frame against the
 * protocol schemas, maps frames to the same services the REST routes use, and fans bus
 * events out to local connections. One bus subscription per room/user with local interest.
 */
export class Gateway {
  private readonly connections = new Set<Connection>();
  private readonly roomMembers: ChannelMembers;
  private readonly userConnections: ChannelMembers;
  private heartbeat?: NodeJS.Timeout;
  private presenceTimer?: NodeJS.Timeout;
  draining = false;

  constructor(private readonly m: Modules) {
    const { config } = m.infra;
    this.roomMembers = new ChannelMembers(m.infra.bus, roomChannel, (roomId, payload) => this.onRoomEvent(roomId, payload));
    this.userConnections = new ChannelMembers(m.infra.bus, userChannel, (userId, payload) => this.onUserEvent(userId, payload));
    this.heartbeat = setInterval(() => this.beat(), config.wsHeartbeatMs);
    this.heartbeat.unref();
    this.presenceTimer = setInterval(() => void m.infra.presence.refresh(this.userConnections.ids()), 30_000);
    this.presenceTimer.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Origin allow-list for the upgrade; browsers always send Origin, other clients may omit it. */
  checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin && !this.m.infra.config.allowedOrigins.includes(origin)) throw new AppError('forbidden', `WebSocket connections from ${origin} are not allowed`);
  }

  async accept(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const conn = new Connection(ws, this.m.infra.config.wsMaxBufferedBytes, (c) => this.slowConsumer(c));
    if (this.draining) {
      ws.close(CLOSE_CODES.serviceRestart, JSON.stringify({ retryAfterMs: 1000 }));
      return;
    }
    this.connections.add(conn);
    metrics.wsOpened.inc();
    metrics.wsConnections.set(this.connections.size);
    const log = request.log.child({ connectionId: conn.id });

    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        metrics.wsFramesRejected.inc({ reason: 'binary' });
        this.reject(conn, undefined, 'bad-request', 'Binary frames are not supported; send JSON text');
        return;
      }
      void this.onFrame(conn, data.toString()).catch((err) => log.error({ err }, 'frame handling failed'));
    });
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', (err) => log.debug({ err: err.message }, 'websocket error'));

    // Cookie authentication at the upgrade; otherwise the client must send an auth frame in time.
    const cookie = request.cookies?.[ACCESS_COOKIE];
    let authenticated = false;
    if (cookie) {
      try {
        const auth = await this.m.auth.authenticate(cookie, 'cookie');
        await this.bindUser(conn, auth.userId, auth.sessionId);
        authenticated = true;
      } catch {
        /* expired cookie: the client may still authenticate with a ticket */
      }
    }
    conn.send({ type: 'hello', v: PROTOCOL_VERSION, connectionId: conn.id, heartbeatMs: this.m.infra.config.wsHeartbeatMs, authenticated });
    if (authenticated && conn.user) conn.send({ type: 'ready', user: conn.user });
    else setTimeout(() => !conn.user && !conn.closed && conn.close(CLOSE_CODES.unauthorized, 'authentication timeout'), AUTH_TIMEOUT_MS).unref();
  }

  private async bindUser(conn: Connection, userId: string, sessionId: string): Promise<void> {
    conn.user = await this.m.users.profile(userId);
    conn.sessionId = sessionId;
    this.userConnections.add(userId, conn);
    if (await this.m.infra.presence.connected(userId)) void this.announcePresence(userId, 'online');
  }

  private async announcePresence(userId: string, status: 'online' | 'offline'): Promise<void> {
    try {
      const rooms = await this.m.rooms.repo.roomIdsOf(userId);
      for (const roomId of rooms) await this.m.events.toRoom(roomId, { type: 'presence', userId, status });
    } catch (err) {
      this.m.infra.log.warn({ err: (err as Error).message }, 'presence announcement failed');
    }
  }

  // ---- inbound ---------------------------------------------------------------------------

  private async onFrame(conn: Connection, text: string): Promise<void> {
    if (conn.closed) return;
    const check = parseClientFrame(text);
    if (!check.ok) {
      metrics.wsFramesRejected.inc({ reason: 'invalid' });
      this.reject(conn, check.id, 'validation', check.message);
      if (++conn.invalidFrames > MAX_INVALID_FRAMES) conn.close(CLOSE_CODES.policyViolation, 'too many invalid frames');
      return;
    }
    const frame = check.frame;
    metrics.wsFramesIn.inc({ type: frame.type });
    // Each frame is its own trace (no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
    const attributes = { 'parley.ws.frame_type': frame.type, 'parley.ws.connection_id': conn.id, 'enduser.id': conn.user?.id };
    await withSpan(`ws ${frame.type}`, attributes, async () => {
      try {
        if (!conn.user && frame.type !== 'auth' && frame.type !== 'ping') throw new AppError('unauthenticated', 'Authenticate first: send an auth frame with a ticket');
        const result = await this.dispatch(conn, frame);
        if (frame.id !== undefined && frame.type !== 'ping') conn.send({ type: 'ack', id: frame.id, ...(result === undefined ? {} : { result }) });
      } catch (err) {
        const appError = toAppError(err);
        if (appError.status >= 500) {
          this.m.infra.log.error({ err, frameType: frame.type }, 'websocket frame failed');
          if (frame.type === 'message.send') metrics.messageSendFailures.inc({ reason: 'internal' });
          recordSpanError(err);
          reportError(err, { tags: { 'ws.frame_type': frame.type }, userId: conn.user?.id });
        }
        this.reject(conn, frame.id, appError.code, appError.message, appError.extra.retryAfter);
      }
    }, { newTrace: true, kind: 'server' });
  }

  private reject(conn: Connection, id: string | undefined, code: AppError['code'], message: string, retryAfterS?: number): void {
    const status = new AppError(code).status;
    conn.send({ type: 'error', ...(id !== undefined ? { id } : {}), code, message, status, ...(retryAfterS !== undefined ? { retryAfterMs: retryAfterS * 1000 } : {}) });
  }

  private async dispatch(conn: Connection, frame: ClientFrame): Promise<unknown> {
    const userId = conn.user?.id as string;
    switch (frame.type) {
      case 'ping':
        conn.send({ type: 'pong', ...(frame.id !== undefined ? { id: frame.id } : {}) });
        return undefined;
      case 'auth': {
        if (conn.user) throw new AppError('conflict', 'Already authenticated');
        const auth = await this.m.auth.redeemTicket(frame.ticket);
        await this.bindUser(conn, auth.userId, auth.sessionId);
        conn.send({ type: 'ready', user: conn.user! });
        return undefined;
      }
      case 'subscribe':
        return this.subscribe(conn, frame);
      case 'unsubscribe':
        for (const roomId of frame.roomIds) this.leaveRoom(conn, roomId);
        return { roomIds: frame.roomIds };
      case 'message.send': {
        const { message } = await this.m.messages.send(userId, frame.roomId, frame, this.limitSend(userId));
        return { message };
      }
      case 'message.edit':
        return { message: await this.m.messages.edit(userId, frame.roomId, frame.messageId, frame.body) };
      case 'message.delete':
        return { message: await this.m.messages.remove(userId, frame.roomId, frame.messageId) };
      case 'reaction.add':
      case 'reaction.remove':
        return { message: await this.m.messages.react(userId, frame.roomId, frame.messageId, frame.emoji, frame.type === 'reaction.add') };
      case 'typing': {
        await this.m.rooms.authorize(frame.roomId, userId, 'post');
        const last = conn.lastTyping.get(frame.roomId) ?? 0;
        if (Date.now() - last >= TYPING_MIN_INTERVAL_MS) {
          conn.lastTyping.set(frame.roomId, Date.now());
          await this.m.events.toRoom(frame.roomId, { type: 'typing', roomId: frame.roomId, user: conn.user! });
        }
        return undefined;
      }
      case 'read':
        return this.m.rooms.markRead(frame.roomId, userId, frame.seq);
    }
  }

  private async limitSend(userId: string): Promise<void> {
    const { config, rateLimiter } = this.m.infra;
    const decision = await rateLimiter.hit(`send:u:${userId}`, config.rateLimits.sendPer10s, 10_000);
    if (!decision.allowed) {
      metrics.rateLimited.inc({ scope: 'send' });
      throw new AppError('rate-limited', 'You are sending too fast', { retryAfter: Math.max(1, Math.ceil(decision.resetMs / 1000)) });
    }
  }

  /**
   * Subscribes first (live events are held back), then sends what was missed since lastSeq
   * from the database, then releases the held events: nothing falls between the two.
   */
  private async subscribe(conn: Connection, frame: ClientFrameOf<'subscribe'>): Promise<unknown> {
    const userId = conn.user!.id;
    const subscribed: { roomId: string; headSeq: number }[] = [];
    const denied: string[] = [];
    for (const { roomId, lastSeq } of frame.rooms) {
      try {
        await this.m.rooms.authorize(roomId, userId, 'read');
      } catch {
        denied.push(roomId);
        continue;
      }
      const state: RoomState = { pending: [] };
      this.joinRoom(conn, roomId, state);
      try {
        const changes = await this.m.messages.changesUnchecked(roomId, lastSeq ?? Number.MAX_SAFE_INTEGER, 500);
        if (lastSeq !== undefined) {
          conn.send({ type: 'sync', roomId, items: changes.items, coveredSeq: changes.coveredSeq, headSeq: changes.headSeq, hasMore: changes.hasMore });
        }
        subscribed.push({ roomId, headSeq: changes.headSeq });
      } finally {
        const held = state.pending ?? [];
        state.pending = null;
        for (const frame of held) conn.sendFrame(frame);
      }
    }
    conn.send({ type: 'subscribed', rooms: subscribed });
    if (denied.length) this.reject(conn, undefined, 'not-found', `No such room (or not a member): ${denied.join(', ')}`);
    return { rooms: subscribed, denied };
  }

  private joinRoom(conn: Connection, roomId: string, state: RoomState): void {
    if (conn.rooms.has(roomId)) {
      conn.rooms.set(roomId, state);
      return;
    }
    conn.rooms.set(roomId, state);
    this.roomMembers.add(roomId, conn);
    metrics.wsSubscriptions.inc();
  }

  private leaveRoom(conn: Connection, roomId: string): void {
    if (!conn.rooms.delete(roomId)) return;
    metrics.wsSubscriptions.dec();
    this.roomMembers.remove(roomId, conn);
  }

  // ---- outbound --------------------------------------------------------------------------

  private onRoomEvent(roomId: string, payload: string): void {
    const set = this.roomMembers.get(roomId);
    if (!set) return;
    const event = decodeEvent(payload);
    const frame = textFrame(event.json); // encoded and framed once, written to every socket
    let sent = 0;
    for (const conn of set) {
      const state = conn.rooms.get(roomId);
      if (state?.pending) state.pending.push(frame);
      else if (conn.sendFrame(frame)) sent++;
    }
    if (sent) metrics.wsFramesOut.inc({ type: event.type }, sent);
    if (event.type === 'message.created' && sent) metrics.wsDeliveryLatency.observe(Math.max(0, Date.now() - event.committedAt) / 1000);
  }

  private onUserEvent(userId: string, payload: string): void {
    const set = this.userConnections.get(userId);
    if (!set) return;
    const event = decodeEvent(payload);
    if (event.type === '_revoked') {
      const { sessionId } = JSON.parse(event.json) as { sessionId: string };
      for (const conn of [...set]) if (conn.sessionId === sessionId) conn.close(CLOSE_CODES.sessionRevoked, 'session revoked');
      return;
    }
    if (event.type === 'room') {
      const frame = JSON.parse(event.json) as { action: string; room: { id: string } };
      // Access is gone: stop this user's local connections from receiving the room's events at once.
      if (frame.action === 'removed') for (const conn of set) this.leaveRoom(conn, frame.room.id);
    }
    for (const conn of set) if (conn.sendRaw(event.json)) metrics.wsFramesOut.inc({ type: event.type });
  }

  private slowConsumer(conn: Connection): void {
    if (conn.closed) return;
    metrics.wsSlowConsumers.inc();
    this.m.infra.log.warn({ connectionId: conn.id, userId: conn.user?.id, buffered: conn.ws.bufferedAmount }, 'slow consumer disconnected');
    conn.close(CLOSE_CODES.slowConsumer, 'slow consumer: reconnect and resume');
    // Its buffer will not drain: drop the socket now rather than after the close handshake.
    setImmediate(() => conn.ws.terminate());
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        metrics.wsClosed.inc({ code: String(CLOSE_CODES.heartbeatTimeout) });
        conn.closed = true;
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        /* closing */
      }
    }
  }

  private onClose(conn: Connection, code: number): void {
    if (!this.connections.delete(conn)) return;
    conn.closed = true;
    metrics.wsClosed.inc({ code: String(code) });
    metrics.wsConnections.set(this.connections.size);
    for (const roomId of [...conn.rooms.keys()]) this.leaveRoom(conn, roomId);
    const user = conn.user;
    if (!user) return;
    this.userConnections.remove(user.id, conn);
    void this.m.infra.presence.disconnected(user.id).then((offline) => {
      if (offline && !this.draining) void this.announcePresence(user.id, 'offline');
    });
  }

  /**
   * Graceful shutdown: every client is told to reconnect (to another replica) after a jittered
   * delay, then closed with 1012; resolves when all are gone or the timeout passes.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    for (const conn of this.connections) {
      const retryAfterMs = 250 + Math.floor(Math.random() * 2000);
      conn.send({ type: 'reconnect', retryAfterMs });
      conn.close(CLOSE_CODES.serviceRestart, JSON.stringify({ retryAfterMs }));
    }
    const deadline = Date.now() + timeoutMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const conn of this.connections) conn.ws.terminate();
  }

  stop(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.presenceTimer);
  }
}
