import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { GroupCommit, takeBatch } from '../src/messages/group-commit.js';
import { ArchivedRoomError, MessagesRepository, type PlainMessage } from '../src/messages/repository.js';
import { metrics } from '../src/observability/metrics.js';
import { backends, useTestServer } from './support/harness.js';
import { createRoom, WsClient, type TestUser } from './support/client.js';

/** Statements the group commit ran so far, and how many of them carried more than one message. */
async function batchStats(): Promise<{ statements: number; messages: number; single: number }> {
  const values = (await metrics.messageBatchSize.get()).values;
  const pick = (name: string, le?: number) => values.find((v) => v.metricName === name && (le === undefined || v.labels.le === le))?.value ?? 0;
  return { statements: pick('parley_message_commit_batch_size_count'), messages: pick('parley_message_commit_batch_size_sum'), single: pick('parley_message_commit_batch_size_bucket', 1) };
}

describe('takeBatch', () => {
  const item = (roomId: string, clientKey: string) => ({ msg: { id: randomUUID(), roomId, authorId: 'a', body: 'x', clientKey } });

  it('keeps order, caps the size and leaves a repeated idempotency key for a later batch', () => {
    const queue = [item('r1', 'k1'), item('r1', 'k2'), item('r1', 'k1'), item('r2', 'k1'), item('r1', 'k3')];
    const { batch, rest } = takeBatch(queue, 3);
    expect(batch.map((p) => p.msg.clientKey + p.msg.roomId)).toEqual(['k1r1', 'k2r1', 'k1r2']);
    expect(rest).toEqual([queue[2], queue[4]]);
  });
});

describe.each(backends())('group commit on %s', (backendName) => {
  const ctx = useTestServer(backendName, { users: ['alice', 'bob', 'carol'] });

  async function roomsWithMembers(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const room = await createRoom(ctx.users.alice, 'public');
      await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`);
      await ctx.users.carol.api.post(`/api/v1/rooms/${room.id}/join`);
      ids.push(room.id);
    }
    return ids;
  }

  it('commits concurrent sends together, with gapless per-room sequences and one ack each', async () => {
    const rooms = await roomsWithMembers(3);
    const users: TestUser[] = [ctx.users.alice, ctx.users.bob, ctx.users.carol];
    const clients = await Promise.all(users.map((u) => WsClient.connect(ctx.server.url, u)));
    const before = await batchStats();
    try {
      const acks = await Promise.all(
        Array.from({ length: 150 }, (_, i) => clients[Math.floor(i / 3) % 3]!.request({ type: 'message.send', roomId: rooms[i % 3], clientKey: randomUUID(), body: `burst ${i}` })),
      );
      expect(acks.every((a) => a.type === 'ack')).toBe(true);
      const messages = acks.map((a) => (a.result as { message: { id: string; roomId: string; seq: number } }).message);
      expect(new Set(messages.map((m) => m.id)).size).toBe(150);
      for (const roomId of rooms) {
        const seqs = messages.filter((m) => m.roomId === roomId).map((m) => m.seq).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      }
      const after = await batchStats();
      expect(after.messages - before.messages).toBe(150);
      // Some statement carried more than one message (the batch path ran), so fewer statements than messages.
      expect(after.statements - before.statements).toBeLessThan(150);
      expect(after.statements - after.single).toBeGreaterThan(before.statements - before.single);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('answers retries of one key with the original, also when they share a batch', async () => {
    const [roomId] = await roomsWithMembers(1);
    const client = await WsClient.connect(ctx.server.url, ctx.users.bob);
    try {
      const clientKey = randomUUID();
      const frames = await Promise.all(
        Array.from({ length: 20 }, (_, i) => client.request(i % 2 === 0 ? { type: 'message.send', roomId, clientKey, body: 'once' } : { type: 'message.send', roomId, clientKey: randomUUID(), body: `other ${i}` })),
      );
      const results = frames.map((f) => (f.result as { message: { id: string; seq: number } }).message);
      const retried = results.filter((_, i) => i % 2 === 0);
      expect(new Set(retried.map((m) => m.id)).size).toBe(1);
      const page = await ctx.users.bob.api.get(`/api/v1/rooms/${roomId}/messages?limit=50`);
      expect(page.body.items.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(page.body.items.filter((m: { body: string }) => m.body === 'once')).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it('gives each message of a batch its own outcome: a refused row, a gone room and an archived room fail alone', async () => {
    const [live, archived] = await roomsWithMembers(2);
    expect((await ctx.users.alice.api.post(`/api/v1/rooms/${archived}/archive`)).status).toBe(200);
    const authorId = ctx.users.alice.id;
    const commit = new GroupCommit(new MessagesRepository(ctx.server.database));
    const msg = (roomId: string, body: string, extra: Partial<PlainMessage> = {}): PlainMessage => ({ id: randomUUID(), roomId: roomId!, authorId, body, clientKey: randomUUID(), ...extra });
    const good = [1, 2, 3, 4, 5].map((i) => msg(live!, `good ${i}`));
    const retry = { ...good[0]!, id: randomUUID() }; // same key as good[0], same turn
    const unknownAuthor = msg(live!, 'nobody wrote this', { authorId: randomUUID() }); // foreign key violation: fails the statement
    const goneRoom = msg(randomUUID(), 'to nowhere');
    const toArchived = msg(archived!, 'too late');
    const before = await batchStats();

    // Queued in one turn: one batch of eight, whose statement fails on the unknown author and is retried one by one, in order.
    const results = await Promise.allSettled([...good, retry, unknownAuthor, goneRoom, toArchived].map((m) => commit.insert(m)));
    const [g1, g2, g3, g4, g5, r, unknown, gone, late] = results;
    const rows = [g1, g2, g3, g4, g5].map((p) => (p!.status === 'fulfilled' ? p.value : undefined));
    expect(rows.map((row) => row?.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((row) => row?.body)).toEqual(good.map((m) => m.body));
    expect(r).toEqual({ status: 'fulfilled', value: undefined }); // the retry: the caller loads the original
    expect(unknown!.status).toBe('rejected');
    expect(((unknown as PromiseRejectedResult).reason as { code?: string }).code).toBe('23503');
    expect(gone!.status).toBe('rejected');
    expect((gone as PromiseRejectedResult).reason).toBeInstanceOf(ArchivedRoomError);
    expect((late as PromiseRejectedResult).reason).toBeInstanceOf(ArchivedRoomError);

    const after = await batchStats();
    expect(after.statements - before.statements).toBe(2); // the eight, then the retry of the same key in its own batch
    // Nothing was half-written: the room's history is exactly the five, gapless.
    const page = await ctx.users.alice.api.get(`/api/v1/rooms/${live}/messages?limit=50`);
    expect(page.body.items.map((m: { seq: number; body: string }) => [m.seq, m.body])).toEqual(good.map((m, i) => [i + 1, m.body]));
    expect(page.body.headSeq).toBe(5);
  });

  it('keeps working when a migration adds a column while the server runs (prepared statements name their columns)', async () => {
    const [roomId] = await roomsWithMembers(1);
    const commit = new GroupCommit(new MessagesRepository(ctx.server.database));
    const msg = (body: string) => ({ id: randomUUID(), roomId: roomId!, authorId: ctx.users.alice.id, body, clientKey: randomUUID() });
    // Prepare both statements on every pool connection: single inserts in parallel, then a batch.
    await Promise.all([1, 2, 3, 4].map((i) => new MessagesRepository(ctx.server.database).insert({ ...msg(`single ${i}`), parentId: null, attachmentIds: [] })));
    await Promise.all([1, 2, 3].map((i) => commit.insert(msg(`batch ${i}`))));
    // An expand-only migration, as a rollout runs it while older servers keep serving.
    await sql`ALTER TABLE messages ADD COLUMN expand_test text`.execute(ctx.server.database.db);
    const after = await Promise.all([...[1, 2, 3].map((i) => commit.insert(msg(`after ${i}`))), new MessagesRepository(ctx.server.database).insert({ ...msg('after single'), parentId: null, attachmentIds: [] })]);
    expect(after.map((row) => row?.seq).sort((a, b) => a! - b!)).toEqual([8, 9, 10, 11]);
  });

  it('commits a batch that mixes new messages and retries of committed ones without a gap', async () => {
    const [roomId] = await roomsWithMembers(1);
    const commit = new GroupCommit(new MessagesRepository(ctx.server.database));
    const first = { id: randomUUID(), roomId: roomId!, authorId: ctx.users.alice.id, body: 'first', clientKey: randomUUID() };
    expect((await commit.insert(first))?.seq).toBe(1);
    const again = { ...first, id: randomUUID() };
    const fresh = [1, 2, 3].map((i) => ({ ...first, id: randomUUID(), body: `next ${i}`, clientKey: randomUUID() }));
    const out = await Promise.all([commit.insert(again), ...fresh.map((m) => commit.insert(m))]);
    expect(out[0]).toBeUndefined();
    expect(out.slice(1).map((row) => row?.seq)).toEqual([2, 3, 4]);
  });
});
