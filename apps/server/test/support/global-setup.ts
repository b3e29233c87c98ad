import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { PG_ADMIN_URL, REDIS_URL, inCI, pgUrl } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    pgTemplate: string | null;
    redisAvailable: boolean;
  }
}

/**
 * Migrates one PGlite directory and one PostgreSQL template database for the whole run:
 * creating a PGlite database costs seconds, copying a migrated one ~0.3 s, and
 * CREATE DATABASE … TEMPLATE is a file copy.
 */
export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'parley-test-'));
  const pgliteTemplate = join(root, 'template');
  const db = await openDatabase({ dataDir: pgliteTemplate, poolMax: 1, statementTimeoutMs: 60_000 });
  await db.migrate();
  await db.close();

  let pgTemplate: string | null = `parley_tmpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pgTemplate}`);
    await admin.query(`CREATE DATABASE ${pgTemplate}`);
    const tdb = await openDatabase({ url: pgUrl(pgTemplate), dataDir: root, poolMax: 2, statementTimeoutMs: 60_000 });
    await tdb.migrate();
    await tdb.close();
  } catch (err) {
    if (inCI) throw new Error(`PostgreSQL is required under CI=true: ${(err as Error).message}`, { cause: err });
    console.warn(`PostgreSQL unavailable (${(err as Error).message}): PostgreSQL tests will be skipped`);
    pgTemplate = null;
  }

  let redisAvailable = true;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    if (inCI) throw new Error(`Redis is required under CI=true: ${(err as Error).message}`, { cause: err });
    console.warn('Redis unavailable: Redis tests will be skipped');
    redisAvailable = false;
  } finally {
    redis.disconnect();
  }

  project.provide('pgliteTemplate', pgliteTemplate);
  project.provide('pgTemplate', pgTemplate);
  project.provide('redisAvailable', redisAvailable);

  return async () => {
    rmSync(root, { recursive: true, force: true });
    if (pgTemplate) {
      // Drop every database this run created from the template.
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'parley_t\\_%' OR datname = $1`, [pgTemplate]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
  };
}
