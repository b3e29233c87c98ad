#!/usr/bin/env node
import { ConfigError, loadConfig, type Config } from './config/load.js';
import { DataDirError } from './db/data-dir.js';
import { createLogger } from './observability/logger.js';

/*
 * parley-server [serve|migrate]
 *   serve    (default) run the API, /ws and (embedded default) the web app
 *   migrate  apply database migrations under an advisory lock, then exit 0
 *
 * Runs as PID 1 in the distroless image (no init there): it handles SIGTERM and SIGINT
 * itself and exits when shutdown completes, so `docker stop` and Kubernetes get a clean exit.
 */
async function main(): Promise<void> {
  const command = process.argv[2] ?? 'serve';
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, { release: config.release });

  if (command === 'migrate') {
    const { openDatabase } = await import('./db/database.js');
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 2, statementTimeoutMs: 600_000 });
    try {
      const applied = await database.migrate();
      log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    } finally {
      await database.close();
    }
    return;
  }
  if (command !== 'serve') {
    process.stderr.write(`usage: parley-server [serve|migrate] (unknown command "${command}")\n`);
    process.exit(2);
  }

  // Tracing must patch http/pg/ioredis before they are loaded: set it up, then load the server.
  const observability = await import('./observability/setup.js');
  const hooks = await observability.setupObservability(config, log);
  const { startServer } = await import('./server.js');
  const server = await startServer(config, { log, onServerError: hooks.captureError });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    const timer = setTimeout(() => {
      log.error({ graceMs: config.shutdownGraceMs }, 'shutdown grace period exceeded: exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    timer.unref();
    server
      .shutdown(signal)
      .then(() => hooks.flush())
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  if (err instanceof DataDirError) {
    process.stderr.write(`data: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
