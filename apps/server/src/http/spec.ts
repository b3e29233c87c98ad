import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Infra } from '../context.js';
import { loadConfig } from '../config/load.js';
import type { Database } from '../db/database.js';
import { LocalBus } from '../infra/bus.js';
import { MemoryCache } from '../infra/cache.js';
import { MemoryRateLimiter } from '../infra/rate-limit.js';
import { createModules } from '../modules.js';
import { Gateway } from '../realtime/gateway.js';
import { MemoryPresence } from '../realtime/presence.js';
import { buildApp } from './app.js';
import { buildAsyncApi } from './asyncapi.js';

/**
 * The origin written into the committed specs (docs/api/*.yaml). The served documents use
 * the running server's PUBLIC_ORIGIN instead.
 */
export const SPEC_ORIGIN = 'http://localhost:3000';

/** Settings that make the generated documents deterministic (defaults for every limit). */
const SPEC_ENV: Record<string, string> = {
  NODE_ENV: 'development',
  PUBLIC_ORIGIN: SPEC_ORIGIN,
  TOKEN_SECRET: 'spec-generation-only-not-a-secret-0123456789',
  WEB_DIST_DIR: '',
  DATA_DIR: '/nonexistent/parley-spec',
  LOG_LEVEL: 'silent',
};

function offlineDatabase(): Database {
  const fail = async (): Promise<never> => {
    throw new Error('the spec app has no database');
  };
  return { db: {} as Database['db'], kind: 'pglite', poolMax: 1, prepared: fail, ping: fail, migrate: fail, close: async () => {} };
}

/**
 * Builds the real Fastify app (every route, schema and docs plugin) without a database,
 * Redis or listener: enough for `app.swagger()`. Used by scripts/api/generate.ts and the
 * contract tests.
 */
export async function buildSpecApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const config = loadConfig({ ...SPEC_ENV, ...env });
  const log = pino({ level: 'silent' }) as Logger;
  const infra: Infra = {
    config,
    log,
    database: offlineDatabase(),
    bus: new LocalBus(),
    cache: new MemoryCache(),
    rateLimiter: new MemoryRateLimiter(),
    presence: new MemoryPresence(),
  };
  const modules = createModules(infra);
  const gateway = new Gateway(modules);
  const app = await buildApp({ modules, gateway, isDraining: () => false });
  await app.ready();
  return {
    app,
    close: async () => {
      gateway.stop();
      await app.close();
    },
  };
}

/** Both documents, as plain objects, exactly as the server serves them for SPEC_ORIGIN. */
export async function generateSpecs(): Promise<{ openapi: Record<string, unknown>; asyncapi: Record<string, unknown> }> {
  const { app, close } = await buildSpecApp();
  try {
    const openapi = JSON.parse(JSON.stringify(app.swagger())) as Record<string, unknown>;
    const asyncapi = buildAsyncApi(SPEC_ORIGIN);
    return { openapi, asyncapi };
  } finally {
    await close();
  }
}
