/**
 * The load runner: N users in one room, each with a WebSocket client pinned to a preferred
 * replica (failing over to the others). Every client sends with an idempotency key (clientKey),
 * retries the same key until it is acknowledged, and records every ack and every delivery
 * (live `message.created`, the `sync` on resubscribe, and gap fills from /changes when it sees a
 * jump in the room's sequence numbers). Deliveries are de-duplicated by message id, as clients do.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { sleep } from './infra.js';

export interface User {
  id: string;
  token: string;
  username: string;
}

async function json(url: string, method: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function registerUser(url: string, prefix: string): Promise<User> {
  const username = `${prefix}${randomUUID().slice(0, 8)}`;
  const r = await json(`${url}/api/v1/auth/register`, 'POST', undefined, { username, password: 'correct horse battery staple' });
  if (r.status !== 201) throw new Error(`register ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, token: r.body.accessToken, username };
}

export { json };

export class LoadClient {
  ws?: WebSocket;
  connectedTo?: string;
  /** message id → how many times it was shown before dedupe */
  readonly seen = new Map<string, number>();
  readonly acked = new Map<string, string>(); // clientKey → message id
  contiguousSeq = 0;
  maxSeq = 0;
  sendErrors = new Map<string, number>();
  failFastMs: number[] = [];
  reconnects = 0;
  liveDeliveries = 0;
  /** ids received live (message.created), as opposed to sync or gap fill */
  readonly liveSeen = new Set<string>();
  syncDeliveries = 0;
  gapDeliveries = 0;
  private pending = new Map<string, { resolve: (f: any) => void; timer: NodeJS.Timeout }>();
  private nextId = 0;
  private running = false;
  private connecting?: Promise<void>;
  private fillingGap = false;
  private readonly seqs = new Set<number>();
  /** True once the current socket is authenticated and subscribed (sends wait for it). */
  private usable = false;

  constructor(readonly user: User, readonly roomId: string, public urls: string[]) {}

  /** Connects to the first replica that answers, authenticates, subscribes with lastSeq. */
  async connect(): Promise<void> {
    this.connecting ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        const url = this.urls[attempt % this.urls.length]!;
        try {
          await this.open(url);
          return;
        } catch {
          await sleep(Math.min(1000, 100 * (attempt + 1)));
        }
      }
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(url: string): Promise<void> {
    const ticket = await json(`${url}/api/v1/realtime/ticket`, 'POST', this.user.token, {});
    if (ticket.status !== 200) throw new Error(`ticket ${ticket.status}`);
    const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (ws.terminate(), reject(new Error('open timeout'))), 5000);
      ws.once('open', () => (clearTimeout(timer), resolve()));
      ws.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    ws.on('error', () => undefined);
    ws.on('message', (d) => this.onFrame(JSON.parse(d.toString())));
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      for (const [, p] of this.pending) p.resolve({ type: 'error', code: 'disconnected' });
      this.pending.clear();
      if (this.running) {
        this.reconnects++;
        void this.connect().catch(() => undefined);
      }
    });
    this.ws = ws;
    this.usable = false;
    this.connectedTo = url;
    const ready = this.request({ type: 'auth', ticket: ticket.body.ticket }, 5000);
    const r = await ready;
    if (r.type === 'error') throw new Error(`auth ${r.code}`);
    const sub = await this.request({ type: 'subscribe', rooms: [{ roomId: this.roomId, lastSeq: this.contiguousSeq }] }, 10_000);
    if (sub.type !== 'ack') {
      ws.terminate();
      throw new Error(`subscribe ${sub.code}`);
    }
    this.usable = true;
  }

  private request(frame: Record<string, unknown>, timeoutMs: number): Promise<any> {
    const id = `l${++this.nextId}`;
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return resolve({ type: 'error', code: 'disconnected' });
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ type: 'error', code: 'timeout' });
      }, timeoutMs);
      this.pending.set(id, { resolve: (f) => (clearTimeout(timer), resolve(f)), timer });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  private record(message: { id: string; seq: number; roomId?: string }, how: 'live' | 'sync' | 'gap'): void {
    this.seen.set(message.id, (this.seen.get(message.id) ?? 0) + 1);
    if (how === 'live') {
      this.liveDeliveries++;
      this.liveSeen.add(message.id);
    }
    else if (how === 'sync') this.syncDeliveries++;
    else this.gapDeliveries++;
    this.noteSeq(message.seq);
  }

  private noteSeq(seq: number): void {
    this.seqs.add(seq);
    this.maxSeq = Math.max(this.maxSeq, seq);
    while (this.seqs.has(this.contiguousSeq + 1)) this.seqs.delete(++this.contiguousSeq);
  }

  private onFrame(f: any): void {
    if ((f.type === 'ack' || f.type === 'error') && f.id && this.pending.has(f.id)) {
      const p = this.pending.get(f.id)!;
      this.pending.delete(f.id);
      p.resolve(f);
      return;
    }
    if (f.type === 'ready' && this.pending.size) {
      // the auth request is answered by `ready` (its ack follows); nothing to do
    }
    if (f.type === 'message.created' && f.roomId === this.roomId) {
      this.record(f.message, 'live');
      if (f.message.seq > this.contiguousSeq + 1) void this.fillGap();
    } else if (f.type === 'sync' && f.roomId === this.roomId) {
      for (const m of f.items) this.record(m, 'sync');
      for (let s = this.contiguousSeq + 1; s <= f.coveredSeq; s++) this.noteSeq(s);
      if (f.hasMore) void this.fillGap();
    }
  }

  /** The documented recovery: fetch /changes since the last contiguous sequence number. */
  async fillGap(): Promise<void> {
    if (this.fillingGap) return;
    this.fillingGap = true;
    try {
      for (let i = 0; i < 50; i++) {
        const url = this.connectedTo ?? this.urls[0]!;
        const r = await json(`${url}/api/v1/rooms/${this.roomId}/changes?since=${this.contiguousSeq}`, 'GET', this.user.token).catch(() => ({ status: 0, body: null }));
        if (r.status !== 200) return;
        for (const m of r.body.items) this.record(m, 'gap');
        for (let s = this.contiguousSeq + 1; s <= r.body.coveredSeq; s++) this.noteSeq(s);
        if (!r.body.hasMore) return;
      }
    } finally {
      this.fillingGap = false;
    }
  }

  /** Sends one message, retrying the same clientKey until acknowledged (or until stop). */
  async sendOne(body: string): Promise<void> {
    const clientKey = randomUUID();
    for (let attempt = 0; this.running || attempt === 0; attempt++) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.usable) {
        await this.connect().catch(() => undefined);
        if (!this.ws || !this.usable) {
          await sleep(100);
          continue;
        }
      }
      const t = Date.now();
      const reply = await this.request({ type: 'message.send', roomId: this.roomId, clientKey, body }, 8000);
      if (reply.type === 'ack') {
        this.acked.set(clientKey, reply.result.message.id);
        return;
      }
      const code = `${reply.code}${reply.status ? `/${reply.status}` : ''}`;
      this.sendErrors.set(code, (this.sendErrors.get(code) ?? 0) + 1);
      if (reply.status) this.failFastMs.push(Date.now() - t);
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)) + Math.random() * 100);
    }
  }

  /** Sends every `intervalMs` until stop(). */
  start(intervalMs: number): Promise<void> {
    this.running = true;
    return (async () => {
      let n = 0;
      while (this.running) {
        const started = Date.now();
        await this.sendOne(`${this.user.username} #${++n}`);
        await sleep(Math.max(0, intervalMs - (Date.now() - started)));
      }
    })();
  }

  stop(): void {
    this.running = false;
  }

  close(): void {
    this.running = false;
    const ws = this.ws;
    this.ws = undefined;
    ws?.terminate();
  }
}
