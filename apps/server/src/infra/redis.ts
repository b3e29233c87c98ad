import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { metrics } from '../observability/metrics.js';

/**
 * One Redis connection per role: commands (cache, rate limits, presence, publish) and a
 * dedicated subscriber (a connection in subscribe mode cannot run other commands).
 * Commands fail fast while disconnected (no offline queue) so callers can fail open or closed.
 * Auto-pipelining sends every command issued in one event-loop tick in one write: under load
 * the sends of many connections (rate limit, access checks, profile, publish) share a syscall
 * on both sides instead of one each (docs/operations/performance.md).
 */
export function createRedis(url: string, role: 'command' | 'subscriber', log: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: role === 'subscriber',
    maxRetriesPerRequest: role === 'subscriber' ? null : 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    connectionName: `parley-${role}`,
    enableAutoPipelining: role === 'command',
  });
  metrics.redisConnected.set({ client: role }, 0);
  redis.on('ready', () => {
    metrics.redisConnected.set({ client: role }, 1);
    log.info({ role }, 'redis ready');
  });
  redis.on('close', () => metrics.redisConnected.set({ client: role }, 0));
  redis.on('reconnecting', () => metrics.redisReconnects.inc({ client: role }));
  let lastError = 0;
  redis.on('error', (err) => {
    // Reconnect loops emit an error per attempt: log at most every 10 s.
    if (Date.now() - lastError > 10_000) {
      lastError = Date.now();
      log.warn({ role, err: err.message }, 'redis error');
    }
  });
  return redis;
}
