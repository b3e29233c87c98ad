import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCI } from '../support/tools.js';
// @ts-expect-error plain ESM modules without type declarations
import { closeClients, connectClients, runSteps } from '../../loadtest/lib/chat-load.mjs';
// @ts-expect-error plain ESM modules without type declarations
import { seedParley } from '../../loadtest/lib/seed.mjs';
// @ts-expect-error plain ESM modules without type declarations
import { PARLEY_MAIN, PG_ADMIN_URL, REDIS_URL, ROOT, TOKEN_SECRET, parleyEnv, pgUrl, query, spawnServer } from '../../bench/lib.mjs';

// Fast end-to-end checks of the load runner itself (not a benchmark): a few seconds of real
// traffic against the bare ws baseline and against a real Parley process on PostgreSQL + Redis,
// asserting the runner's accounting — every send acknowledged, every delivery counted once,
// nothing lost or duplicated, every acknowledged message persisted.

async function servicesUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await c.connect();
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
    r.disconnect();
  }
}
const haveServices = inCI || (await servicesUp());
if (!haveServices) console.warn('skipping the Parley load-runner smoke test: PostgreSQL or Redis unavailable (CI provides them)');

describe('load runner smoke', () => {
  it('counts acks and deliveries exactly against the bare ws baseline', async () => {
    const server = await spawnServer(join(ROOT, 'bench/servers/ws-broadcast.mjs'), {});
    try {
      const specs = Array.from({ length: 40 }, (_, i) => ({ url: server.url, roomId: `room-${i % 4}` }));
      const { clients, failures } = await connectClients('ws', specs);
      expect(failures).toBe(0);
      const r = await runSteps('ws', clients, { rates: [100, 200], durationMs: 1500, drainMs: 1000, sloMs: 1000 });
      await closeClients(clients);
      expect(r.steps).toHaveLength(2);
      for (const s of r.steps) {
        expect(s.sent).toBeGreaterThan(0);
        expect(s.acked).toBe(s.sent);
        expect(s.deliveries).toBe(s.sent * 10); // 10 clients per room, sender included
        expect(s.expectedDeliveries).toBe(s.deliveries);
        expect(s.lostDeliveries).toBe(0);
        expect(s.duplicateDeliveries).toBe(0);
        expect(s.deliver.count).toBe(s.deliveries);
        expect(s.deliver.p50).toBeLessThanOrEqual(s.deliver.p99);
        expect(s.deliver.p99).toBeLessThanOrEqual(s.deliver.max);
      }
      expect(r.steps[0].sent).toBeGreaterThanOrEqual(140); // ~150 at 100/s for 1.5 s
    } finally {
      await server.stop();
    }
  });

  describe.skipIf(!haveServices)('against Parley on PostgreSQL + Redis', () => {
    const database = `parley_bench_t_${process.pid}`;
    const databaseUrl = pgUrl(database);
    beforeAll(async () => {
      if (!existsSync(PARLEY_MAIN)) throw new Error(`${PARLEY_MAIN} is missing: run npm run build first`);
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
    });
    afterAll(async () => {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`parley-bench-test:${process.pid}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    });

    it('sends for a few seconds: all acked, delivered once to every member, persisted', async () => {
      const { spawnSync } = await import('node:child_process');
      const env = parleyEnv({ DATABASE_URL: databaseUrl, REDIS_URL, REDIS_KEY_PREFIX: `parley-bench-test:${process.pid}:` });
      const migrate = spawnSync(process.execPath, [PARLEY_MAIN, 'migrate'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
      expect(migrate.status, migrate.stderr).toBe(0);
      const seeded = await seedParley({ databaseUrl, tokenSecret: TOKEN_SECRET, users: 40, rooms: 4 });
      const server = await spawnServer(PARLEY_MAIN, env);
      try {
        const specs = seeded.users.map((u: { token: string; id: string; roomId: string }) => ({ url: server.url, token: u.token, userId: u.id, roomId: u.roomId }));
        const { clients, failures, errors } = await connectClients('parley', specs);
        expect(failures, errors.join('; ')).toBe(0);
        const runKey = `smoke${Date.now()}`;
        const r = await runSteps('parley', clients, { rates: [40], durationMs: 3000, drainMs: 3000, sloMs: 5000, runKey });
        await closeClients(clients);
        const s = r.steps[0];
        expect(s.sent).toBeGreaterThanOrEqual(110);
        expect(s.errors).toBe(0);
        expect(s.unanswered).toBe(0);
        expect(s.acked).toBe(s.sent);
        expect(s.lostDeliveries).toBe(0);
        expect(s.duplicateDeliveries).toBe(0);
        expect(s.deliveries).toBe(s.sent * 10);
        const { rows } = await query(databaseUrl, 'SELECT client_key FROM messages WHERE client_key LIKE $1', [`${runKey}-%`]);
        const keys = new Set(rows.map((x: { client_key: string }) => x.client_key));
        expect(keys.size).toBe(rows.length);
        expect(r.ackedKeys.filter((k: string) => !keys.has(k))).toEqual([]);
      } finally {
        await server.stop();
      }
    });
  });
});
