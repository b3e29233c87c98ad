import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { backends, createBackend, type Backend, type BackendName } from './support/harness.js';
import { spawnServer } from './support/process.js';
import { createRoom, registerUser, WsClient, sleep } from './support/client.js';

const CLIENTS = 6;

describe.each(backends())('SIGTERM under load on %s', (backendName: BackendName) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createBackend(backendName);
  });
  afterAll(async () => backend?.dispose());

  it('drains with close 1012, exits 0 and loses no acknowledged message', async () => {
    const server = await spawnServer(backend.env);
    const owner = await registerUser(server.url, 'owner');
    const room = await createRoom(owner, 'public');
    const senders = await Promise.all(Array.from({ length: CLIENTS }, () => registerUser(server.url, 'sender')));
    for (const s of senders) await s.api.post(`/api/v1/rooms/${room.id}/join`);
    const sockets = await Promise.all(senders.map((s) => WsClient.connect(server.url, s)));

    const acked = new Map<string, string>(); // clientKey -> message id
    const attempted = new Set<string>();
    let stop = false;
    const loops = sockets.map(async (ws) => {
      while (!stop && !ws.closed) {
        const clientKey = randomUUID();
        attempted.add(clientKey);
        try {
          const reply = await ws.request({ type: 'message.send', roomId: room.id, clientKey, body: `load ${clientKey}` }, 3000);
          if (reply.type === 'ack') acked.set(clientKey, reply.result.message.id);
        } catch {
          break; // no answer: the connection is closing
        }
      }
    });
    await sleep(1500);
    const started = Date.now();
    const exit = await server.stop('SIGTERM');
    const elapsed = Date.now() - started;
    stop = true;
    await Promise.all(loops);

    expect(exit.code).toBe(0);
    expect(elapsed).toBeLessThan(5000);
    expect(acked.size).toBeGreaterThan(20);
    for (const ws of sockets) {
      const closed = await ws.waitClose();
      expect(closed.code).toBe(1012);
      expect(JSON.parse(closed.reason).retryAfterMs).toBeGreaterThan(0);
      expect(ws.frames.some((f) => f.type === 'reconnect')).toBe(true);
    }
    expect(server.output.some((l) => l.includes('"msg":"shutdown complete"'))).toBe(true);

    // Every acknowledged message is in the database exactly once.
    const db = await openDatabase({ url: backend.env.DATABASE_URL, dataDir: backend.env.DATA_DIR!, poolMax: 1, statementTimeoutMs: 10_000 });
    try {
      const rows = await db.db.selectFrom('messages').select(['id', 'client_key']).where('room_id', '=', room.id).execute();
      const byKey = new Map(rows.map((r) => [r.client_key, r.id]));
      expect(rows.length).toBe(byKey.size);
      for (const [key, id] of acked) expect(byKey.get(key)).toBe(id);
      // Sends that were in flight when the socket closed either committed or did not: never twice.
      for (const r of rows) expect(attempted.has(r.client_key!)).toBe(true);
    } finally {
      await db.close();
    }
  });
});
