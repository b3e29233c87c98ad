import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backends, useTestServer } from './support/harness.js';
import { createRoom, sendMessage } from './support/client.js';

describe.each(backends())('cursor pagination and idempotent sends on %s', (backendName) => {
  const ctx = useTestServer(backendName, { users: ['alice', 'bob'] });

  it('pages backwards through history while new messages arrive, with no gaps and no duplicates', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`);
    for (let i = 0; i < 60; i++) await sendMessage(ctx.users.alice, room.id, `history ${i}`);

    // A writer keeps inserting concurrently while the reader pages back.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) await sendMessage(ctx.users.bob, room.id, `concurrent ${n++}`);
      return n;
    })();
    const first = await ctx.users.alice.api.get(`/api/v1/rooms/${room.id}/messages?limit=10`);
    const seen: number[] = first.body.items.map((m: any) => m.seq);
    let cursor = first.body.prevCursor;
    while (cursor !== null) {
      const page = await ctx.users.alice.api.get(`/api/v1/rooms/${room.id}/messages?limit=7&before=${cursor}`);
      expect(page.status).toBe(200);
      seen.unshift(...page.body.items.map((m: any) => m.seq));
      cursor = page.body.prevCursor;
    }
    // Then forward from the newest seen, picking up what was written meanwhile.
    let after: number | null = Math.max(...seen);
    writing = false;
    const written = await writer;
    while (after !== null) {
      const page = await ctx.users.alice.api.get(`/api/v1/rooms/${room.id}/messages?limit=9&after=${after}`);
      seen.push(...page.body.items.map((m: any) => m.seq));
      after = page.body.nextCursor;
    }
    const total = 60 + written;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1)); // ordered, gapless, no duplicates
  });

  it('returns the original message for a retried send, even for concurrent retries', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    const clientKey = randomUUID();
    const first = await ctx.users.alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'only once', clientKey });
    expect(first.status).toBe(201);
    const retry = await ctx.users.alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'only once', clientKey });
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);

    const racing = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, () => ctx.users.alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'race', clientKey: racing })));
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const page = await ctx.users.alice.api.get(`/api/v1/rooms/${room.id}/messages`);
    expect(page.body.items.map((m: any) => m.body)).toEqual(['only once', 'race']);
    expect(page.body.headSeq).toBe(2); // no sequence number was burnt by the losers

    // The same key from another user is a different message: keys are scoped per author.
    await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`);
    const bobs = await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'mine', clientKey });
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(first.body.id);
  });

  it('counts unread messages per member and clears them with the read marker', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`);
    const unread = async () => {
      const res = await ctx.users.bob.api.get('/api/v1/rooms');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.find((r: any) => r.id === room.id).unread;
    };
    expect(await unread()).toBe(0);
    for (let i = 0; i < 3; i++) await sendMessage(ctx.users.alice, room.id, `u${i}`);
    expect(await unread()).toBe(3);
    await sendMessage(ctx.users.bob, room.id, 'my own message does not count');
    expect(await unread()).toBe(3);
    const m = await sendMessage(ctx.users.alice, room.id, 'u3');
    expect(await unread()).toBe(4); // cached count was invalidated by the new message
    await ctx.users.alice.api.del(`/api/v1/rooms/${room.id}/messages/${m.id}`);
    expect(await unread()).toBe(3); // ...and by the delete
    expect((await ctx.users.bob.api.put(`/api/v1/rooms/${room.id}/read`, { seq: 2 })).body.unread).toBe(1);
    expect(await unread()).toBe(1);
    expect((await ctx.users.bob.api.put(`/api/v1/rooms/${room.id}/read`, { seq: 1 })).body.lastReadSeq).toBe(2); // never moves back
    expect((await ctx.users.bob.api.put(`/api/v1/rooms/${room.id}/read`, { seq: 999 })).body.lastReadSeq).toBe(6); // capped at the head
  });
});
