import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { AuthResult, Message, Room, ServerFrame } from '@parley/protocol';
import { contract } from './contract.js';

export interface Response<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A REST client bound to one server and (optionally) one user's bearer token. */
export class Api {
  constructor(readonly baseUrl: string, public token?: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response<T>> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof FormData ? body : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    contract().checkHttp({ method, url: this.baseUrl + path, status: res.status, headers: res.headers, text }); // OpenAPI contract (test/support/contract.ts)
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get = <T = any>(path: string, headers?: Record<string, string>) => this.request<T>('GET', path, undefined, headers);
  post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => this.request<T>('POST', path, body ?? {}, headers);
  patch = <T = any>(path: string, body: unknown) => this.request<T>('PATCH', path, body);
  put = <T = any>(path: string, body?: unknown) => this.request<T>('PUT', path, body ?? {});
  del = <T = any>(path: string) => this.request<T>('DELETE', path);
}

export interface TestUser {
  api: Api;
  auth: AuthResult;
  id: string;
  username: string;
}

let counter = 0;
export async function registerUser(baseUrl: string, prefix = 'user'): Promise<TestUser> {
  const username = `${prefix}${process.pid}x${++counter}x${randomUUID().slice(0, 6)}`;
  const api = new Api(baseUrl);
  const res = await api.post<AuthResult>('/api/v1/auth/register', { username, password: 'correct horse battery staple' });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  api.token = res.body.accessToken;
  return { api, auth: res.body, id: res.body.user.id, username };
}

export async function createRoom(user: TestUser, kind: 'public' | 'private' = 'public', name = `room-${randomUUID().slice(0, 8)}`): Promise<Room> {
  const res = await user.api.post<Room>('/api/v1/rooms', { kind, name });
  if (res.status !== 201) throw new Error(`create room failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function sendMessage(user: TestUser, roomId: string, body: string, clientKey = randomUUID()): Promise<Message> {
  const res = await user.api.post<Message>(`/api/v1/rooms/${roomId}/messages`, { body, clientKey });
  if (res.status !== 201 && res.status !== 200) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

type Frame = ServerFrame & Record<string, any>;

/** A WebSocket test client: records every frame, awaits frames by predicate, sends with ids. */
export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      contract().checkFrame('receive', data.toString(), this); // AsyncAPI contract (test/support/contract.ts)
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (w.match(frame)) {
          w.resolve(frame);
          return false;
        }
        return true;
      });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w(this.closed);
    });
    ws.on('error', () => undefined);
  }

  /** Connects and authenticates with a ticket (or with headers such as a cookie). */
  static async connect(baseUrl: string, user?: TestUser, headers: Record<string, string> = {}): Promise<WsClient> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws', { headers });
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    await client.waitFor((f) => f.type === 'hello');
    if (user) {
      const ticket = await user.api.post<{ ticket: string }>('/api/v1/realtime/ticket');
      client.sendRaw({ type: 'auth', ticket: ticket.body.ticket });
      await client.waitFor((f) => f.type === 'ready');
    }
    return client;
  }

  sendRaw(frame: unknown): void {
    contract().checkFrame('send', frame, this); // AsyncAPI contract: a frame outside the spec must be answered with an error
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a frame with a fresh id and resolves with its ack or error frame. */
  async request(frame: Record<string, unknown>, timeoutMs = 10_000): Promise<Frame> {
    const id = `r${++this.nextId}`;
    const reply = this.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.id === id, timeoutMs);
    this.sendRaw({ ...frame, id });
    return reply;
  }

  waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const existing = this.frames.find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a frame; got: ${this.frames.map((f) => f.type).join(',')}`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  waitClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(timer), resolve(c)));
    });
  }

  messagesIn(roomId: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message.created' && f.roomId === roomId);
  }

  close(): void {
    this.ws.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
