import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './support/harness.js';
import { Api, createRoom, WsClient } from './support/client.js';

describe('oversized and malformed input is rejected with the documented errors', () => {
  const ctx = useTestServer('pglite', { users: ['alice'], env: { UPLOAD_MAX_BYTES: '2048' } });
  let roomId: string;
  beforeAll(async () => {
    roomId = (await createRoom(ctx.users.alice)).id;
  });

  const problem = (res: { status: number; headers: Headers; body: any }, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: `https://parley.chat/problems/${code}` });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/); // no stack traces
  };

  it('HTTP: invalid JSON, wrong media type, oversized bodies, long messages, unknown fields and routes', async () => {
    problem(await ctx.users.alice.api.request('POST', `/api/v1/rooms/${roomId}/messages`, '{"body": "x", '), 400, 'bad-request');
    problem(await ctx.users.alice.api.request('POST', `/api/v1/rooms/${roomId}/messages`, 'body=x', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type');
    problem(await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/messages`, { body: 'y'.repeat(300 * 1024), clientKey: randomUUID() }), 413, 'payload-too-large');
    const long = await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/messages`, { body: 'z'.repeat(4001), clientKey: randomUUID() });
    problem(long, 400, 'validation');
    expect(long.body.errors[0].path).toBe('body/body');
    problem(await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/messages`, { body: '   ', clientKey: randomUUID() }), 400, 'validation');
    problem(await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/messages`, { body: 'ok', clientKey: randomUUID(), admin: true }), 400, 'validation');
    problem(await ctx.users.alice.api.get('/api/v1/rooms/not-a-uuid/messages'), 400, 'validation');
    problem(await ctx.users.alice.api.get('/api/v1/definitely/not/here'), 404, 'not-found');
    problem(await ctx.users.alice.api.get(`/api/v1/rooms/${'a'.repeat(101)}/messages`), 400, 'bad-request'); // over-long path parameter
    problem(await ctx.users.alice.api.get('/api/v1/rooms/%E0%A4%A/messages'), 400, 'bad-request'); // malformed percent-encoding
    problem(await new Api(ctx.server.url).get('/api/v1/rooms'), 401, 'unauthenticated');
    // Nothing was stored by any of the rejected sends.
    expect((await ctx.users.alice.api.get(`/api/v1/rooms/${roomId}/messages`)).body.items).toHaveLength(0);
  });

  it('HTTP: an upload over UPLOAD_MAX_BYTES is refused and nothing is stored', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(4096).fill(65)]), 'big.txt');
    problem(await ctx.users.alice.api.request('POST', `/api/v1/rooms/${roomId}/uploads`, form), 413, 'payload-too-large');
    const rows = await ctx.server.database.db.selectFrom('uploads').select('id').where('room_id', '=', roomId).execute();
    expect(rows).toHaveLength(0);
    problem(await ctx.users.alice.api.post(`/api/v1/rooms/${roomId}/uploads`, { file: 'not multipart' }), 415, 'unsupported-media-type');
  });

  it('WebSocket: malformed, unknown and invalid frames get typed error events; the connection survives', async () => {
    const ws = await WsClient.connect(ctx.server.url, ctx.users.alice);
    try {
      ws.sendRaw('{not json');
      expect(await ws.waitFor((f) => f.type === 'error' && /not valid JSON/.test(f.message))).toMatchObject({ code: 'validation', status: 400 });
      ws.sendRaw({ type: 'launch.missiles', id: 'x1' });
      expect(await ws.waitFor((f) => f.type === 'error' && f.id === 'x1')).toMatchObject({ code: 'validation' });
      for (const [i, type] of ['__proto__', 'constructor', 'toString', 'hasOwnProperty'].entries()) {
        ws.sendRaw(`{"type":${JSON.stringify(type)},"id":"proto${i}"}`);
        expect(await ws.waitFor((f) => f.type === 'error' && f.id === `proto${i}`)).toMatchObject({ code: 'validation' });
      }
      const bad = await ws.request({ type: 'message.send', roomId, clientKey: 'short', body: 'hi' });
      expect(bad).toMatchObject({ type: 'error', code: 'validation' });
      expect(bad.message).toMatch(/clientKey/);
      const tooLong = await ws.request({ type: 'message.send', roomId, clientKey: randomUUID(), body: 'q'.repeat(4001) });
      expect(tooLong).toMatchObject({ type: 'error', code: 'validation' });
      const notMember = await ws.request({ type: 'message.send', roomId: randomUUID(), clientKey: randomUUID(), body: 'hi' });
      expect(notMember).toMatchObject({ type: 'error', code: 'not-found', status: 404 });
      ws.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await ws.waitFor((f) => f.type === 'error' && f.code === 'bad-request')).toMatchObject({ status: 400 });
      const ok = await ws.request({ type: 'message.send', roomId, clientKey: randomUUID(), body: 'still works' });
      expect(ok.type).toBe('ack');
    } finally {
      ws.close();
    }
  });

  it('WebSocket: a frame over 64 KiB closes the connection with 1009', async () => {
    const ws = await WsClient.connect(ctx.server.url, ctx.users.alice);
    ws.sendRaw({ type: 'message.send', roomId, clientKey: randomUUID(), body: 'b'.repeat(70 * 1024) });
    expect((await ws.waitClose()).code).toBe(1009);
  });

  it('WebSocket: a client that keeps sending invalid frames is closed with 1008', async () => {
    const ws = await WsClient.connect(ctx.server.url, ctx.users.alice);
    for (let i = 0; i < 25; i++) ws.sendRaw('garbage');
    expect((await ws.waitClose()).code).toBe(1008);
  });

  it('WebSocket: frames before authentication are refused, and an unauthenticated socket is closed 4001 after a bad ticket', async () => {
    const ws = await WsClient.connect(ctx.server.url);
    expect(ws.frames[0]).toMatchObject({ type: 'hello', authenticated: false, v: 1 });
    const early = await ws.request({ type: 'subscribe', rooms: [{ roomId }] });
    expect(early).toMatchObject({ type: 'error', code: 'unauthenticated', status: 401 });
    const badTicket = await ws.request({ type: 'auth', ticket: 'x'.repeat(32) });
    expect(badTicket).toMatchObject({ type: 'error', code: 'invalid-token' });
    ws.close();
  });

  it('WebSocket: an upgrade from an origin that is not allowed is refused', async () => {
    await expect(WsClient.connect(ctx.server.url, ctx.users.alice, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
  });
});
