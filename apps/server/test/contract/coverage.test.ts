/**
 * Contract coverage: drives every REST operation of docs/api/openapi.yaml and every message of
 * docs/api/asyncapi.yaml (both directions) against a real server through the validating test
 * clients, then asserts each was exercised and conformed (the setup file fails the test on any
 * contract violation). Other test files add their exchanges to test-results/contract-coverage/
 * (merged by `npm run api:coverage`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { contract } from '../support/contract.js';
import { createBackend, startTestServer, type Backend } from '../support/harness.js';
import { Api, registerUser, WsClient, type TestUser } from '../support/client.js';

describe('every operation and every message is exercised and matches the contract', () => {
  let backend: Backend;
  let server: RunningServer | undefined;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    backend = await createBackend('pglite');
    server = await startTestServer(backend);
    [alice, bob, carol] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob'), registerUser(server.url, 'carol')]);
  });
  afterAll(async () => {
    await server?.shutdown();
    await backend?.dispose();
  });

  it('REST: every operation', async () => {
    const url = server!.url;
    const anonymous = new Api(url);
    expect((await anonymous.get('/health/live')).status).toBe(200);
    expect((await anonymous.get('/health/ready')).status).toBe(200);
    expect((await anonymous.get('/api/v1/config')).status).toBe(200);

    const login = await anonymous.post('/api/v1/auth/login', { username: alice.username, password: 'correct horse battery staple' });
    expect(login.status).toBe(200);
    expect((await anonymous.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(200);
    expect((await alice.api.get('/api/v1/auth/me')).status).toBe(200);
    expect((await alice.api.get(`/api/v1/users?q=${bob.username.slice(0, 6)}`)).status).toBe(200);
    expect((await alice.api.get(`/api/v1/users/${bob.id}`)).status).toBe(200);
    expect((await alice.api.post('/api/v1/realtime/ticket')).status).toBe(200);

    const room = (await alice.api.post('/api/v1/rooms', { kind: 'public', name: `cov-${randomUUID().slice(0, 6)}` })).body;
    expect((await bob.api.get(`/api/v1/rooms/public?q=${room.name}`)).body.items.map((r: any) => r.id)).toContain(room.id);
    expect((await bob.api.get(`/api/v1/rooms/${room.id}`)).status).toBe(200);
    expect((await bob.api.post(`/api/v1/rooms/${room.id}/join`)).status).toBe(200);
    expect((await alice.api.patch(`/api/v1/rooms/${room.id}`, { topic: 'coverage' })).status).toBe(200);
    expect((await alice.api.get('/api/v1/rooms')).status).toBe(200);
    expect((await alice.api.get(`/api/v1/rooms/${room.id}/members`)).status).toBe(200);

    const sent = await alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'hello', clientKey: randomUUID() });
    expect(sent.status).toBe(201);
    expect(sent.headers.get('ratelimit-limit')).toBeTruthy();
    const messageId = sent.body.id;
    expect((await alice.api.patch(`/api/v1/rooms/${room.id}/messages/${messageId}`, { body: 'hello again' })).status).toBe(200);
    const emoji = encodeURIComponent('👍');
    expect((await bob.api.put(`/api/v1/rooms/${room.id}/messages/${messageId}/reactions/${emoji}`)).status).toBe(200);
    expect((await bob.api.del(`/api/v1/rooms/${room.id}/messages/${messageId}/reactions/${emoji}`)).status).toBe(200);
    const page = await bob.api.get(`/api/v1/rooms/${room.id}/messages?limit=10`);
    expect(page.status).toBe(200);
    expect((await bob.api.get(`/api/v1/rooms/${room.id}/changes?since=0`)).status).toBe(200);
    expect((await bob.api.put(`/api/v1/rooms/${room.id}/read`, { seq: page.body.headSeq })).status).toBe(200);
    expect((await alice.api.del(`/api/v1/rooms/${room.id}/messages/${messageId}`)).status).toBe(200);

    const form = new FormData();
    form.append('file', new Blob(['plain text file\n'], { type: 'text/plain' }), 'notes.txt');
    const upload = await alice.api.request('POST', `/api/v1/rooms/${room.id}/uploads`, form);
    expect(upload.status).toBe(201);
    const download = await bob.api.get(`/api/v1/uploads/${upload.body.id}`);
    expect(download.status).toBe(200);
    expect((await bob.api.get(`/api/v1/uploads/${upload.body.id}`, { 'if-none-match': download.headers.get('etag')! })).status).toBe(304);

    const priv = (await alice.api.post('/api/v1/rooms', { kind: 'private', name: 'cov-private' })).body;
    expect((await alice.api.post(`/api/v1/rooms/${priv.id}/members`, { userId: carol.id })).status).toBe(201);
    expect((await alice.api.patch(`/api/v1/rooms/${priv.id}/members/${carol.id}`, { role: 'admin' })).status).toBe(200);
    expect((await alice.api.del(`/api/v1/rooms/${priv.id}/members/${carol.id}`)).status).toBe(204);
    expect((await alice.api.post(`/api/v1/rooms/${priv.id}/archive`)).status).toBe(200);
    expect((await bob.api.post(`/api/v1/rooms/${room.id}/leave`)).status).toBe(204);
    expect((await alice.api.post('/api/v1/rooms/direct', { userId: carol.id })).status).toBe(201);

    // Errors are part of the contract too.
    expect((await anonymous.get('/api/v1/auth/me')).status).toBe(401);
    expect((await carol.api.get(`/api/v1/rooms/${randomUUID()}`)).status).toBe(404);

    const dave = await registerUser(url, 'dave'); // changing the password ends dave's other sessions
    expect((await dave.api.post('/api/v1/auth/password', { currentPassword: 'correct horse battery staple', newPassword: 'another long password 123' })).status).toBe(204);
    expect((await dave.api.post('/api/v1/auth/logout')).status).toBe(204);
  });

  it('WebSocket: every client and server message', async () => {
    const url = server!.url;
    const room = (await alice.api.post('/api/v1/rooms', { kind: 'public', name: `cov-ws-${randomUUID().slice(0, 6)}` })).body;
    await bob.api.post(`/api/v1/rooms/${room.id}/join`);
    const a = await WsClient.connect(url, alice); // hello, auth, ready
    expect((await a.request({ type: 'subscribe', rooms: [{ roomId: room.id }] })).type).toBe('ack');
    const b = await WsClient.connect(url, bob);
    await a.waitFor((f) => f.type === 'presence' && f.userId === bob.id);
    expect((await b.request({ type: 'subscribe', rooms: [{ roomId: room.id, lastSeq: 0 }] })).type).toBe('ack');
    await b.waitFor((f) => f.type === 'sync' && f.roomId === room.id);

    const send = await a.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body: 'over the socket' });
    expect(send.type).toBe('ack');
    const messageId = send.result.message.id;
    await b.waitFor((f) => f.type === 'message.created' && f.message.id === messageId);
    expect((await a.request({ type: 'message.edit', roomId: room.id, messageId, body: 'edited' })).type).toBe('ack');
    await b.waitFor((f) => f.type === 'message.updated' && f.reason === 'edited');
    expect((await b.request({ type: 'reaction.add', roomId: room.id, messageId, emoji: '🎉' })).type).toBe('ack');
    expect((await b.request({ type: 'reaction.remove', roomId: room.id, messageId, emoji: '🎉' })).type).toBe('ack');
    expect((await b.request({ type: 'typing', roomId: room.id })).type).toBe('ack');
    await a.waitFor((f) => f.type === 'typing' && f.user.id === bob.id);
    expect((await b.request({ type: 'read', roomId: room.id, seq: 1 })).type).toBe('ack');
    await a.waitFor((f) => f.type === 'read' && f.userId === bob.id);
    expect((await a.request({ type: 'message.delete', roomId: room.id, messageId })).type).toBe('ack');
    a.sendRaw({ type: 'ping', id: 'cov-ping' }, true);
    await a.waitFor((f) => f.type === 'pong' && f.id === 'cov-ping');
    const error = await a.request({ type: 'message.send', roomId: randomUUID(), clientKey: randomUUID(), body: 'nowhere' });
    expect(error).toMatchObject({ type: 'error', status: 404 });
    await alice.api.post(`/api/v1/rooms/${room.id}/members`, { userId: carol.id });
    await a.waitFor((f) => f.type === 'member' && f.user.id === carol.id);
    await alice.api.patch(`/api/v1/rooms/${room.id}`, { topic: 'changed' });
    await a.waitFor((f) => f.type === 'room' && f.action === 'updated');
    expect((await a.request({ type: 'unsubscribe', roomIds: [room.id] })).type).toBe('ack');

    await server!.shutdown(); // draining: reconnect, then close 1012
    await a.waitFor((f) => f.type === 'reconnect');
    expect((await a.waitClose()).code).toBe(1012);
    b.close();
    server = undefined;
  });

  it('covered every operation and every message', () => {
    const c = contract();
    const missingOps = c.allOperations.filter((id) => !c.coverage.operations[id]);
    const missingMessages = c.allMessages.filter((key) => !c.coverage.messages[key]);
    expect(missingOps).toEqual([]);
    expect(missingMessages).toEqual([]);
  });
});
