import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/load.js';
import type { Infra } from './context.js';
import { openDatabase, type Database } from './db/database.js';
import { buildApp } from './http/app.js';
import { LocalBus, RedisBus, type EventBus } from './infra/bus.js';
import { MemoryCache, RedisCache } from './infra/cache.js';
import { MemoryRateLimiter, RedisRateLimiter } from './infra/rate-limit.js';
import { createRedis } from './infra/redis.js';
import { createModules } from './modules.js';
import { ActiveUsers } from './observability/active-users.js';
import { metrics, registry } from './observability/metrics.js';
import { Gateway } from './realtime/gateway.js';
import { MemoryPresence, RedisPresence } from './realtime/presence.js';

export interface RunningServer {
  app: FastifyInstance;
  gateway: Gateway;
  database: Database;
  /** http://host:port of the public listener. */
  url: string;
  metricsUrl: string;
  /** Graceful shutdown (SIGTERM): not ready → drain WebSockets → finish requests → close pools. */
  shutdown(reason?: string): Promise<void>;
}

export interface ServerOptions {
  log: Logger;
  /** Run migrations at start (the embedded default does; production runs `migrate` as a Job). */
  migrate?: boolean;
  onServerError?: (err: unknown) => void;
}

export async function startServer(config: Config, options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  metrics.buildInfo.set({ version: config.release, commit: config.commit, node: process.version }, 1);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, statementTimeoutMs: config.databaseStatementTimeoutMs });
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  try {
    if (options.migrate ?? !config.databaseUrl) {
      const applied = await database.migrate();
      if (applied.length) log.info({ applied }, 'migrations applied');
    }
    let bus: EventBus;
    let infra: Infra;
    if (config.redisUrl) {
      redis = createRedis(config.redisUrl, 'command', log);
      subscriber = createRedis(config.redisUrl, 'subscriber', log);
      await Promise.all([redis.connect(), subscriber.connect()]);
      const prefix = config.redisKeyPrefix;
      const redisBus = new RedisBus(redis, subscriber, log, prefix);
      bus = redisBus;
      infra = { config, log, database, bus, cache: new RedisCache(redis, prefix), rateLimiter: new RedisRateLimiter(redis, log, prefix), presence: new RedisPresence(redis, redisBus.instanceId, prefix) };
    } else {
      bus = new LocalBus();
      infra = { config, log, database, bus, cache: new MemoryCache(), rateLimiter: new MemoryRateLimiter(), presence: new MemoryPresence() };
    }
    const modules = createModules(infra);
    const activeUsers = new ActiveUsers();
    const authenticate = modules.auth.authenticate.bind(modules.auth);
    modules.auth.authenticate = async (token, via) => {
      const result = await authenticate(token, via);
      activeUsers.seen(result.userId);
      return result;
    };
    const gateway = new Gateway(modules);
    let draining = false;
    const app = await buildApp({ modules, gateway, redis, isDraining: () => draining, onServerError: options.onServerError });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address}:${address.port}`;

    const metricsServer = await startMetricsServer(config, activeUsers, database);
    const metricsAddress = metricsServer.address() as AddressInfo;
    const metricsUrl = `http://127.0.0.1:${metricsAddress.port}`;
    log.info({ url, metricsUrl, database: database.kind, redis: Boolean(redis) }, 'listening');

    let shuttingDown: Promise<void> | undefined;
    // Each step gets a share of the grace period and is cut short when it overruns, so the
    // process exits 0 within SHUTDOWN_GRACE_MS even when a peer or a dependency stops answering.
    const grace = config.shutdownGraceMs;
    const shutdown = (reason = 'shutdown') =>
      (shuttingDown ??= (async () => {
        log.info({ reason, connections: gateway.size }, 'draining');
        draining = true;
        metrics.draining.set(1);
        await gateway.drain(Math.max(500, Math.floor(grace * 0.4)));
        // Stop listening and let in-flight requests finish; connections still busy after their share are cut.
        if (!(await within(app.close(), Math.max(500, Math.floor(grace * 0.3))))) {
          log.warn('in-flight requests did not finish in time: closing their connections');
          app.server.closeAllConnections();
        }
        gateway.stop();
        metricsServer.closeAllConnections();
        await within(new Promise<void>((resolve) => metricsServer.close(() => resolve())), 500);
        await bus.close();
        const pools = Promise.allSettled([redis?.quit(), subscriber?.quit(), database.close()]);
        if (!(await within(pools, Math.max(500, Math.floor(grace * 0.2))))) {
          log.warn('connection pools did not close in time');
          redis?.disconnect();
          subscriber?.disconnect();
        }
        log.info('shutdown complete');
      })());
    return { app, gateway, database, url, metricsUrl, shutdown };
  } catch (err) {
    redis?.disconnect();
    subscriber?.disconnect();
    await database.close().catch(() => undefined);
    throw err;
  }
}

/** Waits for a promise at most `ms`; true when it settled in time. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}

/** parley_db_up reflects the database at scrape time, not only when someone last probed readiness. */
async function sampleDatabase(database: Database): Promise<void> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref());
  await Promise.race([database.ping(), timeout]).then(
    () => metrics.dbUp.set(1),
    () => metrics.dbUp.set(0),
  );
}

function startMetricsServer(config: Config, activeUsers: ActiveUsers, database: Database): Promise<Server> {
  const server = createHttpServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    activeUsers.collect();
    await sampleDatabase(database);
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.metricsHost, () => resolve(server));
  });
}
