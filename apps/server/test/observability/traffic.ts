import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { Api, createRoom, registerUser, sendMessage, sleep, WsClient, type TestUser } from '../support/client.js';

export const PASSWORD = 'correct horse battery staple';

/** A sample parsed from the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough for prom-client's output). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

export async function scrape(metricsUrl: string): Promise<Sample[]> {
  const res = await fetch(`${metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseExposition(await res.text());
}

export interface Traffic {
  alice: TestUser;
  bob: TestUser;
  roomId: string;
}

/**
 * Drives the traffic every dashboard panel looks at: register, login (good and bad),
 * refresh, password change, a room with REST and WebSocket messages, an invalid frame,
 * a rate-limited request and WebSocket closes.
 */
export async function driveTraffic(baseUrl: string): Promise<Traffic> {
  const alice = await registerUser(baseUrl, 'obsa');
  const bob = await registerUser(baseUrl, 'obsb');
  const anon = new Api(baseUrl);
  const login = await anon.post('/api/v1/auth/login', { username: alice.username, password: PASSWORD });
  expect(login.status).toBe(200);
  expect((await anon.post('/api/v1/auth/login', { username: alice.username, password: 'wrong password here' })).status).toBe(401);
  expect((await anon.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken })).status).toBe(200);

  const room = await createRoom(alice, 'public');
  expect((await bob.api.post(`/api/v1/rooms/${room.id}/join`)).status).toBe(200);
  const bobWs = await WsClient.connect(baseUrl, bob);
  const sub = await bobWs.request({ type: 'subscribe', rooms: [{ roomId: room.id }] });
  expect(sub.type).toBe('ack');
  await sendMessage(alice, room.id, 'hello over REST');
  await bobWs.waitFor((f) => f.type === 'message.created' && f.roomId === room.id);

  const aliceWs = await WsClient.connect(baseUrl, alice);
  const sent = await aliceWs.request({ type: 'message.send', roomId: room.id, body: 'hello over WebSocket', clientKey: randomUUID() });
  expect(sent.type).toBe('ack');
  await bobWs.waitFor((f) => f.type === 'message.created' && f.roomId === room.id && f.message?.body === 'hello over WebSocket');
  aliceWs.sendRaw('{not json');
  await aliceWs.waitFor((f) => f.type === 'error');
  expect((await alice.api.get(`/api/v1/rooms/${room.id}/messages`)).status).toBe(200);
  expect((await alice.api.get('/api/v1/rooms/does-not-exist')).status).toBeGreaterThanOrEqual(400);
  aliceWs.close();
  bobWs.close();
  await Promise.all([aliceWs.waitClose(), bobWs.waitClose()]);
  await sleep(100); // the server counts the closes
  return { alice, bob, roomId: room.id };
}
