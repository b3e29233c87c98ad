import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';
import { migrations } from './migrations/index.js';
import { PGlitePool } from './pglite-pool.js';
import { checkPgliteVersion, lockDataDir, markPgliteVersion } from './data-dir.js';
import { metrics } from '../observability/metrics.js';

export interface Database {
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  /** Connections the pool may open (PGlite: 1, it runs one statement at a time). */
  poolMax: number;
  /**
   * Runs a hot statement by name: on PostgreSQL a named prepared statement, parsed and planned once
   * per connection instead of on every call (the message inserts plan in ~1 ms, more than they
   * take to run). PGlite runs it through the same queue as every other query.
   */
  prepared<R>(name: string, text: string, values: unknown[]): Promise<R[]>;
  /** Cheap round trip for readiness. */
  ping(): Promise<void>;
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string;
  dataDir: string;
  poolMax: number;
  statementTimeoutMs: number;
}

/** int8 (count(*), bigint columns) as JS numbers on both drivers; sequence numbers stay far below 2^53. */
const INT8_OID = 20;
const parseInt8 = (value: string) => Number(value);

/** Query name for the duration histogram: verb + first table (bounded by the schema). */
export function queryName(sqlText: string): string {
  const verb = /^\s*(select|insert|update|delete|with|begin|commit|rollback)/i.exec(sqlText)?.[1]?.toLowerCase() ?? 'other';
  if (verb === 'begin' || verb === 'commit' || verb === 'rollback') return verb;
  const table = /\b(?:from|into|update)\s+"?([a-z_]+)"?/i.exec(sqlText)?.[1]?.toLowerCase() ?? 'none';
  return `${verb}_${table}`;
}

function logQuery(event: LogEvent): void {
  metrics.dbQueryDuration.observe({ query: queryName(event.query.sql) }, event.queryDurationMillis / 1000);
}

/** Publishes pool usage (parley_db_pool_*) every second; returns the function that stops it. */
function samplePool(max: number, read: () => { total: number; idle: number; waiting: number }): () => void {
  metrics.dbPoolMax.set(max);
  const timer = setInterval(() => {
    const usage = read();
    metrics.dbPoolConnections.set({ state: 'total' }, usage.total);
    metrics.dbPoolConnections.set({ state: 'idle' }, usage.idle);
    metrics.dbPoolConnections.set({ state: 'waiting' }, usage.waiting);
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options) : openPglite(options);
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    statement_timeout: options.statementTimeoutMs,
    // The server-side statement_timeout cannot fire when the network to PostgreSQL is gone:
    // a client-side timeout and TCP keepalive make such queries fail (503) instead of hanging.
    query_timeout: options.statementTimeoutMs + 5000,
    keepAlive: true,
    application_name: 'parley',
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // A client losing its connection (PostgreSQL restart, failover) must not crash the process.
  // pg-pool listens for errors only on idle clients; a checked-out client whose connection drops
  // emits 'error' with nobody listening, which would kill the process. Every client gets its own
  // listener; the query in flight still fails (and is answered 503 unavailable).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const stopSampling = samplePool(options.poolMax, () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: logQuery });
  return {
    db,
    kind: 'postgres',
    poolMax: options.poolMax,
    prepared: async <R>(name: string, text: string, values: unknown[]) => {
      const started = performance.now();
      try {
        return (await pool.query({ name, text, values })).rows as R[];
      } finally {
        metrics.dbQueryDuration.observe({ query: name }, (performance.now() - started) / 1000);
      }
    },
    ping: async () => {
      await pool.query('SELECT 1');
    },
    migrate: () => runMigrations(db),
    close: async () => {
      stopSampling();
      await db.destroy();
    },
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const release = lockDataDir(options.dataDir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const version = pgliteVersion();
    const pgDir = join(options.dataDir, 'pglite');
    checkPgliteVersion(pgDir, version);
    if (!existsSync(join(pgDir, 'PG_VERSION'))) await initPgliteInWorker(pgDir);
    const pglite = await PGlite.create(pgDir, { parsers: { [INT8_OID]: parseInt8 } });
    markPgliteVersion(pgDir, version);
    const pool = new PGlitePool(pglite);
    const stopSampling = samplePool(1, () => ({ total: 1, idle: pool.busy ? 0 : 1, waiting: pool.waiting }));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as never }), log: logQuery });
    return {
      db,
      kind: 'pglite',
      poolMax: 1,
      prepared: async <R>(_name: string, text: string, values: unknown[]) => (await db.executeQuery<R>(CompiledQuery.raw(text, values))).rows as R[],
      ping: async () => {
        await pglite.query('SELECT 1');
      },
      migrate: () => runMigrations(db),
      close: async () => {
        stopSampling();
        await db.destroy();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Creating a PGlite cluster (initdb) grows its WebAssembly memory to ~800 MB, and WASM memory never
 * shrinks. Doing it in a worker thread that then exits gives that memory back: the server opens
 * the new directory afterwards at ~400 MB resident instead of ~840 MB.
 */
async function initPgliteInWorker(pgDir: string): Promise<void> {
  const entry = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.entry)
      .then(async ({ PGlite }) => { const pg = await PGlite.create(workerData.dir); await pg.close(); parentPort.postMessage({ ok: true }); })
      .catch((err) => parentPort.postMessage({ ok: false, message: String(err && err.message || err) }));`;
  const worker = new Worker(code, { eval: true, workerData: { entry, dir: pgDir } });
  try {
    const result = await new Promise<{ ok: boolean; message?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`PGlite init worker exited with ${code}`)));
    });
    if (!result.ok) throw new Error(`creating the embedded database failed: ${result.message}`);
  } finally {
    await worker.terminate();
  }
}

/** The installed PGlite version (its package.json is not exported, so find it beside the entry point). */
export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot determine the PGlite version');
}

/**
 * Applies pending migrations. Kysely's migrator holds a PostgreSQL advisory lock
 * (pg_advisory_xact_lock) for the whole run, so two pods starting `migrate` at once
 * serialise instead of racing.
 */
async function runMigrations(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'parley_migrations',
    migrationLockTableName: 'parley_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
