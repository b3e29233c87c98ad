import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backends, useTestServer } from './support/harness.js';
import { createRoom, sendMessage, WsClient } from './support/client.js';

describe.each(backends())('account, room, message and upload flow on %s', (backendName) => {
  const ctx = useTestServer(backendName, { users: ['alice', 'bob'] });

  it('registers, logs in, reads the current user, refreshes and logs out', async () => {
    const me = await ctx.users.alice.api.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: ctx.users.alice.id, username: ctx.users.alice.username });
    expect(me.body).not.toHaveProperty('password_hash');

    const login = await ctx.users.alice.api.post('/api/v1/auth/login', { username: ctx.users.alice.username.toUpperCase(), password: 'correct horse battery staple' });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/parley_access=.*HttpOnly/i);

    const refreshed = await ctx.users.alice.api.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);

    const wrong = await ctx.users.alice.api.post('/api/v1/auth/login', { username: ctx.users.alice.username, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(wrong.body.code).toBe('invalid-credentials');
  });

  it('creates a channel, invites, sends, edits, reacts, replies, deletes and pages history', async () => {
    const room = await createRoom(ctx.users.alice, 'private');
    expect(room).toMatchObject({ kind: 'private', role: 'owner', headSeq: 0, memberCount: 1 });
    const invite = await ctx.users.alice.api.post(`/api/v1/rooms/${room.id}/members`, { userId: ctx.users.bob.id });
    expect(invite.status).toBe(201);

    const first = await sendMessage(ctx.users.alice, room.id, 'hello bob');
    expect(first.seq).toBe(1);
    const bobRooms = await ctx.users.bob.api.get('/api/v1/rooms');
    expect(bobRooms.body.items.find((r: any) => r.id === room.id)).toMatchObject({ unread: 1, headSeq: 1 });

    const edited = await ctx.users.alice.api.patch(`/api/v1/rooms/${room.id}/messages/${first.id}`, { body: 'hello Bob' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ body: 'hello Bob', versionSeq: 2 });
    expect(edited.body.editedAt).not.toBeNull();

    const reacted = await ctx.users.bob.api.put(`/api/v1/rooms/${room.id}/messages/${first.id}/reactions/${encodeURIComponent('👍')}`);
    expect(reacted.body.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [ctx.users.bob.id] }]);

    const reply = await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'hi!', clientKey: randomUUID(), parentId: first.id });
    expect(reply.status).toBe(201);
    const thread = await ctx.users.bob.api.get(`/api/v1/rooms/${room.id}/messages?parentId=${first.id}`);
    expect(thread.body.items.map((m: any) => m.body)).toEqual(['hi!']);

    const notAuthor = await ctx.users.bob.api.patch(`/api/v1/rooms/${room.id}/messages/${first.id}`, { body: 'hacked' });
    expect(notAuthor.status).toBe(403);

    const deleted = await ctx.users.alice.api.del(`/api/v1/rooms/${room.id}/messages/${first.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ body: '', reactions: [] });
    expect(deleted.body.deletedAt).not.toBeNull();

    const page = await ctx.users.bob.api.get(`/api/v1/rooms/${room.id}/messages`);
    expect(page.body.items).toHaveLength(1); // the tombstone keeps its place; the reply lives in the thread
    expect(page.body.items[0]).toMatchObject({ id: first.id, body: '', replyCount: 1 });

    const read = await ctx.users.bob.api.put(`/api/v1/rooms/${room.id}/read`, { seq: page.body.headSeq });
    expect(read.body).toMatchObject({ lastReadSeq: page.body.headSeq, unread: 0 });

    const changes = await ctx.users.bob.api.get(`/api/v1/rooms/${room.id}/changes?since=0`);
    expect(changes.body).toMatchObject({ coveredSeq: changes.body.headSeq, hasMore: false });
    expect(changes.body.items.map((m: any) => m.id).sort()).toEqual([first.id, reply.body.id].sort());
  });

  it('delivers messages over the WebSocket after the sender is acknowledged', async () => {
    const room = await createRoom(ctx.users.alice, 'public');
    expect((await ctx.users.bob.api.post(`/api/v1/rooms/${room.id}/join`)).status).toBe(200);
    const a = await WsClient.connect(ctx.server.url, ctx.users.alice);
    const b = await WsClient.connect(ctx.server.url, ctx.users.bob);
    try {
      expect((await a.request({ type: 'subscribe', rooms: [{ roomId: room.id }] })).type).toBe('ack');
      expect((await b.request({ type: 'subscribe', rooms: [{ roomId: room.id }] })).type).toBe('ack');
      const ack = await a.request({ type: 'message.send', roomId: room.id, clientKey: randomUUID(), body: 'over the socket' });
      expect(ack.type).toBe('ack');
      expect(ack.result.message).toMatchObject({ body: 'over the socket', seq: 1 });
      const seen = await b.waitFor((f) => f.type === 'message.created' && f.message.id === ack.result.message.id);
      expect(seen.seq).toBe(1);

      const typing = await b.request({ type: 'typing', roomId: room.id });
      expect(typing.type).toBe('ack');
      const typingEvent = await a.waitFor((f) => f.type === 'typing' && f.user.id === ctx.users.bob.id);
      expect(typingEvent.roomId).toBe(room.id);

      a.sendRaw({ type: 'ping', id: 'p1' });
      const pong = await a.waitFor((f) => f.type === 'pong');
      expect(pong.id).toBe('p1'); // ping is answered by pong (not ack)
      expect(a.frames.some((f) => f.type === 'ack' && f.id === 'p1')).toBe(false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('uploads a file, attaches it and serves it only to members with safe headers', async () => {
    const room = await createRoom(ctx.users.alice, 'private');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'text/html' }), 'pixel.png');
    const up = await ctx.users.alice.api.request('POST', `/api/v1/rooms/${room.id}/uploads`, form);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ filename: 'pixel.png', contentType: 'image/png', size: png.length });

    const msg = await ctx.users.alice.api.post(`/api/v1/rooms/${room.id}/messages`, { body: 'see attached', clientKey: randomUUID(), attachmentIds: [up.body.id] });
    expect(msg.body.attachments).toHaveLength(1);

    const download = await fetch(ctx.server.url + up.body.url, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="pixel.png"/);

    const outsider = await ctx.users.bob.api.get(up.body.url);
    expect(outsider.status).toBe(404);

    const disguised = new FormData();
    disguised.append('file', new Blob(['<html><script>alert(1)</script></html>'], { type: 'image/png' }), 'cat.png');
    const html = await ctx.users.alice.api.request('POST', `/api/v1/rooms/${room.id}/uploads`, disguised);
    expect(html.body.contentType).toBe('text/plain; charset=utf-8');
    const served = await fetch(ctx.server.url + html.body.url, { headers: { authorization: `Bearer ${ctx.users.alice.api.token}` } });
    expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });
});
