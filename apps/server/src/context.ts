import type { Logger } from 'pino';
import type { Config } from './config/load.js';
import type { Database } from './db/database.js';
import type { Cache } from './infra/cache.js';
import type { EventBus } from './infra/bus.js';
import type { RateLimiter } from './infra/rate-limit.js';
import type { Presence } from './realtime/presence.js';

/** The process-wide dependencies every module receives (built once in server.ts). */
export interface Infra {
  config: Config;
  log: Logger;
  database: Database;
  cache: Cache;
  bus: EventBus;
  rateLimiter: RateLimiter;
  presence: Presence;
}
