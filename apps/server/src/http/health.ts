import type { FastifyInstance } from 'fastify';
import { HealthStatus } from '@parley/protocol';
import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';
import { metrics } from '../observability/metrics.js';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

/**
 * /health/live: the process is up (restart it only if this fails).
 * /health/ready: it can serve: database (and Redis, when configured) answer and it is not draining.
 */
export async function healthRoutes(app: FastifyInstance, deps: { database: Database; redis?: Redis; isDraining: () => boolean }): Promise<void> {
  app.get('/health/live', { schema: { tags: ['health'], operationId: 'live', summary: 'Liveness probe', response: { 200: HealthStatus } }, logLevel: 'warn' }, async () => ({ status: 'ok' as const }));

  app.get('/health/ready', {
    schema: { tags: ['health'], operationId: 'ready', summary: 'Readiness probe (503 while draining or when PostgreSQL/Redis are unreachable)', response: { 200: HealthStatus, 503: HealthStatus } },
    logLevel: 'warn',
  }, async (_request, reply) => {
    const checks: Record<string, 'ok' | 'fail' | 'draining'> = {};
    if (deps.isDraining()) checks.lifecycle = 'draining';
    try {
      await withTimeout(deps.database.ping(), CHECK_TIMEOUT_MS);
      checks.database = 'ok';
      metrics.dbUp.set(1);
    } catch {
      checks.database = 'fail';
      metrics.dbUp.set(0);
    }
    if (deps.redis) {
      try {
        await withTimeout(deps.redis.ping(), CHECK_TIMEOUT_MS);
        checks.redis = 'ok';
      } catch {
        checks.redis = 'fail';
      }
    }
    const ok = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
}
