/**
 * Runs the documented bot (docs/api/examples/bot.ts) as its own process against a real server:
 * it must connect, listen, answer `!ping`, pick up a room it is invited to while running,
 * survive a server restart by reconnecting, and stop cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { createBackend, startTestServer, type Backend } from '../support/harness.js';
import { registerUser, sendMessage, sleep, type TestUser } from '../support/client.js';
import { REPO_ROOT } from '../support/contract.js';

describe('the TypeScript bot example', () => {
  let backend: Backend;
  let server: RunningServer;
  let human: TestUser;
  let bot: TestUser;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    backend = await createBackend('pglite');
    server = await startTestServer(backend);
    [human, bot] = await Promise.all([registerUser(server.url, 'human'), registerUser(server.url, 'pingbot')]);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await server?.shutdown();
    await backend?.dispose();
  });

  async function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`bot did not print ${pattern}; output:\n${output}`);
      if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`bot exited ${child.exitCode}:\n${output}`);
      await sleep(50);
    }
  }

  async function waitForReply(roomId: string, parentId: string, timeoutMs = 15_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const thread = await human.api.get(`/api/v1/rooms/${roomId}/messages?parentId=${parentId}`);
      const reply = thread.body.items.find((m: any) => m.author.id === bot.id);
      if (reply) return reply;
      if (Date.now() > deadline) throw new Error(`no reply from the bot; output:\n${output}`);
      await sleep(100);
    }
  }

  it('connects, listens and replies; joins rooms it is invited to', async () => {
    const room = (await human.api.post('/api/v1/rooms', { kind: 'private', name: 'bots' })).body;
    expect((await human.api.post(`/api/v1/rooms/${room.id}/members`, { userId: bot.id })).status).toBe(201);

    child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'docs/api/examples/bot.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PARLEY_URL: server.url, PARLEY_USERNAME: bot.username, PARLEY_PASSWORD: 'correct horse battery staple' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d.toString()));
    child.stderr!.on('data', (d) => (output += d.toString()));
    await waitForOutput(/bot: listening in 1 room/);

    const question = await sendMessage(human, room.id, '!ping are you there?');
    await sendMessage(human, room.id, 'just chatting'); // not for the bot
    const reply = await waitForReply(room.id, question.id);
    expect(reply).toMatchObject({ body: 'pong: are you there?', parentId: question.id, clientKey: `pong-${question.id}` });

    const second = (await human.api.post('/api/v1/rooms', { kind: 'public', name: `bots-${randomUUID().slice(0, 6)}` })).body;
    await human.api.post(`/api/v1/rooms/${second.id}/members`, { userId: bot.id });
    await waitForOutput(/bot: listening in 1 room[\s\S]*bot: listening in 1 room/); // subscribed to the new room
    const again = await sendMessage(human, second.id, '!ping');
    expect((await waitForReply(second.id, again.id)).body).toBe('pong: hi');
  });

  it('reconnects after a server restart and answers what was sent meanwhile', async () => {
    const room = (await human.api.post('/api/v1/rooms', { kind: 'private', name: 'restart' })).body;
    await human.api.post(`/api/v1/rooms/${room.id}/members`, { userId: bot.id });
    await waitForOutput(/(bot: listening[\s\S]*){3}/);

    const port = new URL(server.url).port;
    await server.shutdown(); // the bot gets `reconnect` and close 1012
    await waitForOutput(/connection closed \(1012\)/);
    server = await startTestServer(backend, { PORT: port }); // same database and port: a restart
    const late = await sendMessage(human, room.id, '!ping after the restart'); // live or in the resume `sync`
    expect((await waitForReply(room.id, late.id, 30_000)).body).toBe('pong: after the restart');

    child!.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    child = undefined;
  });
});
