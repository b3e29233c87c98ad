/**
 * Insecure direct object references, beyond the status table of authorization.test.ts: for every
 * room, message, member and upload endpoint, a non-member asking about a private room (or its
 * message / upload) gets a response byte-for-byte identical — after replacing the ids in the URL
 * with a placeholder — to the one for an id that does not exist; nothing of the room's content
 * appears in it, the WebSocket subscription is refused the same way, and the latency does not
 * tell the two apart in any obvious way.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { createBackend, startTestServer, type Backend } from '../support/harness.js';
import { WsClient, registerUser, sleep, type TestUser } from '../support/client.js';

let backend: Backend;
let server: RunningServer;
let alice: TestUser;
let mallory: TestUser;
const secret = { roomName: `secret-plans-${randomUUID().slice(0, 6)}`, topic: 'the topic nobody may read', body: 'the message nobody may read', file: 'payroll-2026.txt' };
let room: string;
let message: string;
let upload: string;

beforeAll(async () => {
  backend = await createBackend('pglite');
  server = await startTestServer(backend);
  alice = await registerUser(server.url, 'alice');
  mallory = await registerUser(server.url, 'mallory');
  room = (await alice.api.post('/api/v1/rooms', { kind: 'private', name: secret.roomName, topic: secret.topic })).body.id;
  message = (await alice.api.post(`/api/v1/rooms/${room}/messages`, { body: secret.body, clientKey: randomUUID() })).body.id;
  await alice.api.put(`/api/v1/rooms/${room}/messages/${message}/reactions/ok`);
  const form = new FormData();
  form.append('file', new Blob(['salaries']), secret.file);
  upload = (await alice.api.request('POST', `/api/v1/rooms/${room}/uploads`, form)).body.id;
});

afterAll(async () => {
  await server?.shutdown();
  await backend?.dispose();
});

type Ids = { room: string; message: string; user: string; upload: string };
const ENDPOINTS: [string, (ids: Ids) => [method: string, path: string, body?: unknown]][] = [
  ['view room', (i) => ['GET', `/api/v1/rooms/${i.room}`]],
  ['rename room', (i) => ['PATCH', `/api/v1/rooms/${i.room}`, { topic: 'x' }]],
  ['archive room', (i) => ['POST', `/api/v1/rooms/${i.room}/archive`, {}]],
  ['join private room', (i) => ['POST', `/api/v1/rooms/${i.room}/join`, {}]],
  ['leave room', (i) => ['POST', `/api/v1/rooms/${i.room}/leave`, {}]],
  ['list members', (i) => ['GET', `/api/v1/rooms/${i.room}/members`]],
  ['invite', (i) => ['POST', `/api/v1/rooms/${i.room}/members`, { userId: i.user }]],
  ['set role', (i) => ['PATCH', `/api/v1/rooms/${i.room}/members/${i.user}`, { role: 'admin' }]],
  ['kick', (i) => ['DELETE', `/api/v1/rooms/${i.room}/members/${i.user}`]],
  ['mark read', (i) => ['PUT', `/api/v1/rooms/${i.room}/read`, { seq: 1 }]],
  ['history', (i) => ['GET', `/api/v1/rooms/${i.room}/messages`]],
  ['thread', (i) => ['GET', `/api/v1/rooms/${i.room}/messages?parentId=${i.message}`]],
  ['changes', (i) => ['GET', `/api/v1/rooms/${i.room}/changes?since=0`]],
  ['send', (i) => ['POST', `/api/v1/rooms/${i.room}/messages`, { body: 'hi', clientKey: '5f0c1e7a-3b2d-4c8e-9a1f-2d3e4f5a6b7c' }]],
  ['reply', (i) => ['POST', `/api/v1/rooms/${i.room}/messages`, { body: 'hi', clientKey: '6f0c1e7a-3b2d-4c8e-9a1f-2d3e4f5a6b7c', parentId: i.message }]],
  ['edit message', (i) => ['PATCH', `/api/v1/rooms/${i.room}/messages/${i.message}`, { body: 'changed' }]],
  ['delete message', (i) => ['DELETE', `/api/v1/rooms/${i.room}/messages/${i.message}`]],
  ['react', (i) => ['PUT', `/api/v1/rooms/${i.room}/messages/${i.message}/reactions/ok`]],
  ['unreact', (i) => ['DELETE', `/api/v1/rooms/${i.room}/messages/${i.message}/reactions/ok`]],
  ['download upload', (i) => ['GET', `/api/v1/uploads/${i.upload}`]],
];

async function raw(user: TestUser, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${user.api.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

const mask = (text: string, ids: Ids) => Object.values(ids).reduce((t, id) => t.split(id).join('<id>'), text);

describe('a non-member cannot tell a hidden room from one that does not exist', () => {
  it('every room/message/member/upload endpoint answers identically for hidden and non-existent ids, leaking nothing', async () => {
    const real: Ids = { room, message, user: alice.id, upload };
    const fake: Ids = { room: randomUUID(), message: randomUUID(), user: alice.id, upload: randomUUID() };
    for (const [name, build] of ENDPOINTS) {
      const [method, path, body] = build(real);
      const [fm, fpath, fbody] = build(fake);
      const hidden = await raw(mallory, method, path, body);
      const missing = await raw(mallory, fm, fpath, fbody);
      expect(hidden.status, `${name}: ${hidden.text}`).toBe(404);
      expect({ status: hidden.status, type: hidden.type, body: mask(hidden.text, real) }, name).toEqual({ status: missing.status, type: missing.type, body: mask(missing.text, fake) });
      for (const value of Object.values(secret)) expect(hidden.text, `${name} leaks ${value}`).not.toContain(value);
    }
    // Nothing was changed by the attempts.
    const state = await alice.api.get(`/api/v1/rooms/${room}/messages`);
    expect(state.body.items.map((m: { body: string }) => m.body)).toEqual([secret.body]);
    expect((await alice.api.get(`/api/v1/rooms/${room}/members`)).body.items).toHaveLength(1);
    expect((await alice.api.get(`/api/v1/rooms/${room}`)).body).toMatchObject({ name: secret.roomName, topic: secret.topic, archived: false });
  });

  it('search and user lookups do not reveal the private room either', async () => {
    const pub = await raw(mallory, 'GET', `/api/v1/rooms/public?q=${encodeURIComponent(secret.roomName)}`);
    expect(JSON.parse(pub.text).items).toEqual([]);
    const mine = await raw(mallory, 'GET', '/api/v1/rooms');
    expect(mine.text).not.toContain(secret.roomName);
    const dm = await raw(mallory, 'POST', '/api/v1/rooms/direct', { userId: randomUUID() });
    expect(dm.status).toBe(404);
  });

  it('a WebSocket subscription to the hidden room is refused exactly like one to a missing room, and no event leaks', async () => {
    const ws = await WsClient.connect(server.url, mallory);
    const fakeRoom = randomUUID();
    const a = await ws.request({ type: 'subscribe', rooms: [{ roomId: room, lastSeq: 0 }] });
    const b = await ws.request({ type: 'subscribe', rooms: [{ roomId: fakeRoom, lastSeq: 0 }] });
    expect(a.result).toEqual({ rooms: [], denied: [room] });
    expect(b.result).toEqual({ rooms: [], denied: [fakeRoom] });
    const errors = ws.frames.filter((f) => f.type === 'error');
    const masked = errors.map((e) => ({ ...e, message: e.message.replace(room, '<id>').replace(fakeRoom, '<id>') }));
    expect(masked).toHaveLength(2);
    expect(masked[0]).toEqual(masked[1]);
    await alice.api.post(`/api/v1/rooms/${room}/messages`, { body: 'live secret', clientKey: randomUUID() });
    await sleep(300);
    expect(JSON.stringify(ws.frames)).not.toContain('live secret');
    expect(ws.frames.some((f) => f.type === 'sync' || f.type === 'message.created')).toBe(false);
    // Frames that name the room directly are refused with the same not-found.
    const send = await ws.request({ type: 'message.send', roomId: room, clientKey: randomUUID(), body: 'x' });
    const sendFake = await ws.request({ type: 'message.send', roomId: fakeRoom, clientKey: randomUUID(), body: 'x' });
    expect({ ...send, id: '' }).toEqual({ ...sendFake, id: '' });
    ws.close();
  });

  it('latency does not obviously tell hidden from missing (medians within 25 ms or half the median)', async () => {
    const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
    const time = async (path: string) => {
      const t = performance.now();
      await raw(mallory, 'GET', path);
      return performance.now() - t;
    };
    const hidden: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < 20; i++) {
      hidden.push(await time(`/api/v1/rooms/${room}/messages`));
      missing.push(await time(`/api/v1/rooms/${randomUUID()}/messages`));
    }
    // A lenient bound: the suite shares a loaded machine; an obvious oracle (an extra query or hash) would still show.
    expect(Math.abs(median(hidden) - median(missing))).toBeLessThan(Math.max(25, median(missing) / 2));
  });
});
