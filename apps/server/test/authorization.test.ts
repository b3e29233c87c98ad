import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { backends, createBackend, startTestServer, type Backend } from './support/harness.js';
import { registerUser, sendMessage, WsClient, type TestUser } from './support/client.js';

/*
 * Who may do what: every cell of the table is one request by one kind of user. Expected
 * statuses: 2xx allowed; 403 refused (the room is visible); 404 the room's existence is hidden.
 * "outsider" is a user who is not a member (another tenant's user in a multi-team install).
 */
type Who = 'outsider' | 'member' | 'admin' | 'owner';
type Kind = 'public' | 'private';
const WHO: Who[] = ['outsider', 'member', 'admin', 'owner'];

interface Fixture {
  roomId: string;
  messageId: string; // a message by the owner
  users: Record<Who, TestUser>;
  victim: TestUser; // a plain member targeted by kick/role changes
}

type Action = (f: Fixture, who: TestUser) => Promise<number>;

const ACTIONS: Record<string, Action> = {
  'view room': (f, u) => u.api.get(`/api/v1/rooms/${f.roomId}`).then((r) => r.status),
  'read history': (f, u) => u.api.get(`/api/v1/rooms/${f.roomId}/messages`).then((r) => r.status),
  'read changes': (f, u) => u.api.get(`/api/v1/rooms/${f.roomId}/changes?since=0`).then((r) => r.status),
  'list members': (f, u) => u.api.get(`/api/v1/rooms/${f.roomId}/members`).then((r) => r.status),
  'send message': (f, u) => u.api.post(`/api/v1/rooms/${f.roomId}/messages`, { body: 'hi', clientKey: randomUUID() }).then((r) => r.status),
  'react': (f, u) => u.api.put(`/api/v1/rooms/${f.roomId}/messages/${f.messageId}/reactions/ok`).then((r) => r.status),
  "edit owner's message": (f, u) => u.api.patch(`/api/v1/rooms/${f.roomId}/messages/${f.messageId}`, { body: 'changed' }).then((r) => r.status),
  'mark read': (f, u) => u.api.put(`/api/v1/rooms/${f.roomId}/read`, { seq: 1 }).then((r) => r.status),
  'rename room': (f, u) => u.api.patch(`/api/v1/rooms/${f.roomId}`, { topic: `t-${Date.now()}` }).then((r) => r.status),
  'invite': async (f, u) => {
    const guest = await registerUser(u.api.baseUrl, 'guest');
    return (await u.api.post(`/api/v1/rooms/${f.roomId}/members`, { userId: guest.id })).status;
  },
  'kick member': (f, u) => u.api.del(`/api/v1/rooms/${f.roomId}/members/${f.victim.id}`).then((r) => r.status),
  'set role': (f, u) => u.api.patch(`/api/v1/rooms/${f.roomId}/members/${f.victim.id}`, { role: 'admin' }).then((r) => r.status),
  'upload file': (f, u) => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    return u.api.request('POST', `/api/v1/rooms/${f.roomId}/uploads`, form).then((r) => r.status);
  },
  "delete owner's message": (f, u) => u.api.del(`/api/v1/rooms/${f.roomId}/messages/${f.messageId}`).then((r) => r.status),
  'archive room': (f, u) => u.api.post(`/api/v1/rooms/${f.roomId}/archive`).then((r) => r.status),
};

// Expected status per [room kind][action][who]: outsider, member, admin, owner.
const EXPECTED: Record<Kind, Record<string, [number, number, number, number]>> = {
  public: {
    'view room': [200, 200, 200, 200],
    'read history': [403, 200, 200, 200],
    'read changes': [403, 200, 200, 200],
    'list members': [403, 200, 200, 200],
    'send message': [403, 201, 201, 201],
    'react': [403, 200, 200, 200],
    "edit owner's message": [403, 403, 403, 200],
    'mark read': [403, 200, 200, 200],
    'rename room': [403, 403, 200, 200],
    'invite': [403, 201, 201, 201],
    'kick member': [403, 403, 204, 204],
    'set role': [403, 403, 403, 200],
    'upload file': [403, 201, 201, 201],
    "delete owner's message": [403, 403, 200, 200],
    'archive room': [403, 403, 200, 200],
  },
  private: {
    'view room': [404, 200, 200, 200],
    'read history': [404, 200, 200, 200],
    'read changes': [404, 200, 200, 200],
    'list members': [404, 200, 200, 200],
    'send message': [404, 201, 201, 201],
    'react': [404, 200, 200, 200],
    "edit owner's message": [404, 403, 403, 200],
    'mark read': [404, 200, 200, 200],
    'rename room': [404, 403, 200, 200],
    'invite': [404, 403, 201, 201],
    'kick member': [404, 403, 204, 204],
    'set role': [404, 403, 403, 200],
    'upload file': [404, 201, 201, 201],
    "delete owner's message": [404, 403, 200, 200],
    'archive room': [404, 403, 200, 200],
  },
};

describe.each(backends())('authorization table on %s', (backendName) => {
  let backend: Backend;
  let server: RunningServer;
  let owner: TestUser;
  let member: TestUser;
  let admin: TestUser;
  let outsider: TestUser;

  beforeAll(async () => {
    backend = await createBackend(backendName);
    server = await startTestServer(backend);
    [owner, member, admin, outsider] = await Promise.all(['owner', 'member', 'admin', 'outsider'].map((p) => registerUser(server.url, p)));
  });
  afterAll(async () => {
    await server?.shutdown();
    await backend?.dispose();
  });

  /** A fresh room per cell, so one cell's effect (archive, kick) cannot change another's. */
  async function fixture(kind: Kind): Promise<Fixture> {
    const room = (await owner.api.post('/api/v1/rooms', { kind, name: `authz-${randomUUID().slice(0, 6)}` })).body;
    const victim = await registerUser(server.url, 'victim');
    for (const u of [member, admin, victim]) expect((await owner.api.post(`/api/v1/rooms/${room.id}/members`, { userId: u.id })).status).toBe(201);
    expect((await owner.api.patch(`/api/v1/rooms/${room.id}/members/${admin.id}`, { role: 'admin' })).status).toBe(200);
    const message = await sendMessage(owner, room.id, 'owner says hi');
    return { roomId: room.id, messageId: message.id, users: { owner, member, admin, outsider }, victim };
  }

  for (const kind of ['public', 'private'] as Kind[]) {
    for (const [action, statuses] of Object.entries(EXPECTED[kind])) {
      it(`${kind} room: ${action} → ${WHO.map((w, i) => `${w} ${statuses[i]}`).join(', ')}`, async () => {
        const actual: number[] = [];
        for (const who of WHO) {
          const f = await fixture(kind);
          actual.push(await ACTIONS[action]!(f, f.users[who]));
        }
        expect(actual).toEqual(statuses);
      });
    }
  }

  it('refuses cross-room access: a message id from another room, a subscription and an upload of a room one is not in', async () => {
    const a = await fixture('private');
    const b = await fixture('private');
    // member of both rooms cannot address room A's message through room B's path
    expect((await member.api.patch(`/api/v1/rooms/${b.roomId}/messages/${a.messageId}`, { body: 'x' })).status).toBe(404);
    expect((await owner.api.del(`/api/v1/rooms/${b.roomId}/messages/${a.messageId}`)).status).toBe(404);
    // an outsider's subscribe is denied and reveals nothing
    const ws = await WsClient.connect(server.url, outsider);
    try {
      const reply = await ws.request({ type: 'subscribe', rooms: [{ roomId: a.roomId, lastSeq: 0 }] });
      expect(reply.result.denied).toEqual([a.roomId]);
      expect(ws.frames.some((f) => f.type === 'sync')).toBe(false);
      const send = await ws.request({ type: 'message.send', roomId: a.roomId, clientKey: randomUUID(), body: 'let me in' });
      expect(send).toMatchObject({ type: 'error', code: 'not-found' });
    } finally {
      ws.close();
    }
    // an upload of room A cannot be attached to a message in room B
    const form = new FormData();
    form.append('file', new Blob(['secret']), 's.txt');
    const up = await owner.api.request('POST', `/api/v1/rooms/${a.roomId}/uploads`, form);
    const attach = await owner.api.post(`/api/v1/rooms/${b.roomId}/messages`, { body: 'x', clientKey: randomUUID(), attachmentIds: [up.body.id] });
    expect(attach.status).toBe(400);
    expect((await outsider.api.get(up.body.url)).status).toBe(404);
    // the error for a hidden room is the same as for a room that does not exist
    const hidden = await outsider.api.get(`/api/v1/rooms/${a.roomId}/messages`);
    const missing = await outsider.api.get(`/api/v1/rooms/${randomUUID()}/messages`);
    expect(hidden.status).toBe(missing.status);
    expect(hidden.body.detail).toBe(missing.body.detail);
  });

  it('direct messages: only the two participants see them, nobody can invite', async () => {
    const dm = await owner.api.post('/api/v1/rooms/direct', { userId: member.id });
    expect(dm.status).toBe(201);
    expect(dm.body.kind).toBe('dm');
    expect((await owner.api.post('/api/v1/rooms/direct', { userId: member.id })).body.id).toBe(dm.body.id);
    expect((await member.api.get(`/api/v1/rooms/${dm.body.id}/messages`)).status).toBe(200);
    expect((await outsider.api.get(`/api/v1/rooms/${dm.body.id}/messages`)).status).toBe(404);
    expect((await owner.api.post(`/api/v1/rooms/${dm.body.id}/members`, { userId: outsider.id })).status).toBe(403);
  });
});
