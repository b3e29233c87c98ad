import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import type { RunningServer } from '../src/server.js';
import { metrics } from '../src/observability/metrics.js';
import { createBackend, startTestServer, type Backend } from './support/harness.js';
import { createRoom, registerUser, WsClient, type TestUser } from './support/client.js';

describe('slow consumers', () => {
  let backend: Backend;
  let server: RunningServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    backend = await createBackend('pglite');
    server = await startTestServer(backend, { WS_MAX_BUFFERED_BYTES: '16384' });
    alice = await registerUser(server.url, 'alice');
    bob = await registerUser(server.url, 'bob');
  });
  afterAll(async () => {
    await server?.shutdown();
    await backend?.dispose();
  });

  it('disconnects a client that stops reading instead of buffering without bound', async () => {
    const room = await createRoom(alice, 'public');
    await bob.api.post(`/api/v1/rooms/${room.id}/join`);
    const reader = await WsClient.connect(server.url, bob);
    await reader.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    ((reader.ws as unknown as { _socket: Socket })._socket).pause();
    const before = (await metrics.wsSlowConsumers.get()).values[0]?.value ?? 0;

    const writer = await WsClient.connect(server.url, alice);
    const body = 'x'.repeat(3900);
    let sent = 0;
    try {
      while (sent < 3000 && server.gateway.size > 1) {
        await Promise.all(Array.from({ length: 20 }, () => writer.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body })));
        sent += 20;
      }
      const after = (await metrics.wsSlowConsumers.get()).values[0]?.value ?? 0;
      expect(after).toBe(before + 1);
      expect(server.gateway.size).toBe(1); // only the writer is left
      expect(sent).toBeLessThan(3000);
      // The writer is unaffected and every message it sent was acknowledged.
      expect(writer.frames.filter((f) => f.type === 'ack').length).toBe(sent);
    } finally {
      writer.close();
      reader.ws.terminate();
    }
  });
});
