import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backends, useTestServer } from './support/harness.js';
import { createRoom, sendMessage, WsClient } from './support/client.js';

describe.each(backends())('reconnect and resume on %s', (backendName) => {
  const ctx = useTestServer(backendName, { users: ['alice', 'bob'] });

  it('sends everything missed while disconnected, in its current state, and nothing twice', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`);
    const first = await WsClient.connect(ctx.server.url, ctx.users.bob);
    await first.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
    const early = await sendMessage(ctx.users.alice, room.id, 'before the disconnect');
    await first.waitFor((f) => f.type === 'message.created' && f.message.id === early.id);
    const lastSeq = Math.max(...first.messagesIn(room.id).map((f) => f.seq));
    first.close();
    await first.waitClose();

    // While Bob is away: 30 messages, one edited, one deleted, one reaction.
    const missed = [];
    for (let i = 0; i < 30; i++) missed.push(await sendMessage(ctx.users.alice, room.id, `missed ${i}`));
    await ctx.users.alice.api.patch(`/api/v1/rooms/${room.id}/messages/${missed[3]!.id}`, { body: 'missed 3 (edited)' });
    await ctx.users.alice.api.del(`/api/v1/rooms/${room.id}/messages/${missed[5]!.id}`);
    await ctx.users.alice.api.put(`/api/v1/rooms/${room.id}/messages/${early.id}/reactions/${encodeURIComponent('🎉')}`);

    const again = await WsClient.connect(ctx.server.url, ctx.users.bob);
    try {
      const ack = await again.request({ type: 'subscribe', rooms: [{ roomId: room.id, lastSeq }] });
      expect(ack.type).toBe('ack');
      const sync = await again.waitFor((f) => f.type === 'sync' && f.roomId === room.id);
      expect(sync.hasMore).toBe(false);
      expect(sync.coveredSeq).toBe(sync.headSeq);
      const ids = sync.items.map((m: any) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of missed) expect(ids).toContain(m.id);
      expect(ids).toContain(early.id); // changed (reaction) after lastSeq
      const byId = new Map(sync.items.map((m: any) => [m.id, m]));
      expect((byId.get(missed[3]!.id) as any).body).toBe('missed 3 (edited)');
      expect((byId.get(missed[5]!.id) as any).deletedAt).not.toBeNull();
      expect((byId.get(early.id) as any).reactions[0].emoji).toBe('🎉');

      // Live again: the next message follows the covered head without a gap.
      const next = await sendMessage(ctx.users.alice, room.id, 'live again');
      const live = await again.waitFor((f) => f.type === 'message.created' && f.message.id === next.id);
      expect(live.seq).toBe(sync.headSeq + 1);
    } finally {
      again.close();
    }
  });

  it('pages gap fills through /changes with hasMore until everything is covered', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    const sent = [];
    for (let i = 0; i < 23; i++) sent.push(await sendMessage(ctx.users.alice, room.id, `m${i}`));
    const seen = new Set<string>();
    let since = 0;
    for (let pages = 0; pages < 10; pages++) {
      const res = await ctx.users.alice.api.get(`/api/v1/rooms/${room.id}/changes?since=${since}&limit=7`);
      expect(res.status).toBe(200);
      for (const m of res.body.items) seen.add(m.id);
      since = res.body.coveredSeq;
      if (!res.body.hasMore) break;
    }
    expect(since).toBe(23);
    expect([...seen].sort()).toEqual(sent.map((m) => m.id).sort());
  });

  it('lets a client detect a gap from sequence numbers and fill it', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    const ws = await WsClient.connect(ctx.server.url, ctx.users.alice);
    try {
      await ws.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
      const keys = Array.from({ length: 10 }, () => randomUUID());
      await Promise.all(keys.map((clientKey, i) => ws.request({ type: 'message.send', roomId: room.id, clientKey, body: `burst ${i}` })));
      await ws.waitFor(() => ws.messagesIn(room.id).length === 10);
      const seqs = ws.messagesIn(room.id).map((f) => f.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 1)); // gapless, each once
    } finally {
      ws.close();
    }
  });
});
