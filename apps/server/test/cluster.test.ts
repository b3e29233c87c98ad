import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createBackend, type Backend } from './support/harness.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { createRoom, registerUser, WsClient, type TestUser } from './support/client.js';

// Two real server processes sharing PostgreSQL and Redis: what a Kubernetes deployment with
// two replicas is. Skipped (outside CI only) when PostgreSQL/Redis are not available.
describe.skipIf(!backends().includes('postgres+redis'))('two server processes sharing Redis', () => {
  let backend: Backend;
  let a: ServerProcess;
  let b: ServerProcess;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    backend = await createBackend('postgres+redis');
    [a, b] = await Promise.all([spawnServer(backend.env), spawnServer(backend.env)]);
    alice = await registerUser(a.url, 'alice');
    bob = await registerUser(b.url, 'bob');
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await backend?.dispose();
  });

  it('delivers a message sent through one replica to a client on the other within 1 s', async () => {
    const room = await createRoom(alice, 'public');
    expect((await bob.api.post(`/api/v1/rooms/${room.id}/join`)).status).toBe(200);
    const onA = await WsClient.connect(a.url, alice);
    const onB = await WsClient.connect(b.url, bob);
    try {
      await onA.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
      await onB.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const ack = await onA.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body: `cross ${i}` });
        expect(ack.type).toBe('ack');
        await onB.waitFor((f) => f.type === 'message.created' && f.message.id === ack.result.message.id, 1000);
        latencies.push(performance.now() - started);
      }
      expect(Math.max(...latencies)).toBeLessThan(1000);
      // and the other way round
      const back = await onB.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body: 'reply from B' });
      await onA.waitFor((f) => f.type === 'message.created' && f.message.id === back.result.message.id, 1000);
      expect(onB.messagesIn(room.id).map((f) => f.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('applies a removed membership on every replica at once', async () => {
    const room = await createRoom(alice, 'private');
    expect((await alice.api.post(`/api/v1/rooms/${room.id}/members`, { userId: bob.id })).status).toBe(201);
    // Bob reads through replica B (filling its cache), Alice removes him through replica A.
    expect((await bob.api.get(`/api/v1/rooms/${room.id}/messages`)).status).toBe(200);
    const watcher = await WsClient.connect(b.url, bob);
    try {
      await watcher.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
      expect((await alice.api.del(`/api/v1/rooms/${room.id}/members/${bob.id}`)).status).toBe(204);
      expect((await bob.api.get(`/api/v1/rooms/${room.id}/messages`)).status).toBe(404);
      await watcher.waitFor((f) => f.type === 'room' && f.action === 'removed' && f.room.id === room.id, 2000);
      // After removal, nothing more of the room reaches the removed member's socket.
      const before = watcher.frames.length;
      const res = await alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'after bob left', clientKey: randomUUID() });
      expect(res.status).toBe(201);
      await new Promise((r) => setTimeout(r, 300));
      expect(watcher.frames.slice(before).some((f) => f.type === 'message.created')).toBe(false);
    } finally {
      watcher.close();
    }
  });
});
