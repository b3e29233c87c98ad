import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { PG_ADMIN_URL, REDIS_URL, pgUrl } from './env.js';
import { registerUser, type TestUser } from './client.js';

export type BackendName = 'pglite' | 'postgres+redis';

export interface Backend {
  name: BackendName;
  /** Environment for a server process on this backend (DATABASE_URL/REDIS_URL or DATA_DIR). */
  env: Record<string, string>;
  /** Drops the database / removes the directory. */
  dispose(): Promise<void>;
}

/** Backends available in this run; PostgreSQL+Redis only when the services answered (CI requires them). */
export function backends(): BackendName[] {
  const list: BackendName[] = ['pglite'];
  if (inject('pgTemplate') && inject('redisAvailable')) list.push('postgres+redis');
  return list;
}

/** A fresh, migrated database for one test (cloned from the run's template). */
export async function createBackend(name: BackendName): Promise<Backend> {
  if (name === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    return { name, env: { DATA_DIR: dir }, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const database = `parley_t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database} TEMPLATE ${inject('pgTemplate')}`);
  } finally {
    await admin.end();
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
  return {
    name,
    env: { DATABASE_URL: pgUrl(database), REDIS_URL, REDIS_KEY_PREFIX: `parley-test:${database}:`, DATA_DIR: dataDir },
    dispose: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await a.end();
    },
  };
}

/** Settings every test server gets: random ports, quiet logs, limits high enough not to interfere. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  TOKEN_SECRET: 'test-secret-not-for-production-0123456789abcdef',
  PUBLIC_ORIGIN: 'http://localhost:3000',
  RATE_LIMIT_AUTH_PER_MIN: '100000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN: '100000',
  RATE_LIMIT_SEND_PER_10S: '100000',
  RATE_LIMIT_UPLOAD_PER_MIN: '100000',
  COOKIE_SECURE: 'false',
  WEB_DIST_DIR: '',
  SHUTDOWN_GRACE_MS: '5000',
  // Many test servers share one PostgreSQL (max_connections 100): keep each pool small.
  DATABASE_POOL_MAX: '3',
};

/** Starts a server in this process on the backend (with extra environment overrides). */
export async function startTestServer(backend: Backend, overrides: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({ ...TEST_ENV, ...backend.env, ...overrides });
  const log = createLogger(config.logLevel);
  return startServer(config, { log, migrate: false });
}

export interface ServerContext {
  backend: Backend;
  server: RunningServer;
  /** Users registered before the tests, by the names given. */
  users: Record<string, TestUser>;
}

/**
 * The usual suite set-up: a fresh database on the backend, a server on it and some registered
 * users, created before the suite's tests and torn down after them. Fields are filled in beforeAll.
 */
export function useTestServer(backendName: BackendName, options: { users?: string[]; env?: Record<string, string> } = {}): ServerContext {
  const ctx = { users: {} } as ServerContext;
  beforeAll(async () => {
    ctx.backend = await createBackend(backendName);
    ctx.server = await startTestServer(ctx.backend, options.env);
    for (const name of options.users ?? []) ctx.users[name] = await registerUser(ctx.server.url, name);
  });
  afterAll(async () => {
    await ctx.server?.shutdown();
    await ctx.backend?.dispose();
  });
  return ctx;
}
