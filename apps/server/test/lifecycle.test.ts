import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { CONFIG_VARS } from '../src/config/schema.js';
import { lockDataDir, checkPgliteVersion, DataDirError } from '../src/db/data-dir.js';
import { backends, createBackend, startTestServer, TEST_ENV } from './support/harness.js';
import { runMain, spawnServer } from './support/process.js';
import { Api, registerUser, WsClient } from './support/client.js';

const tmp = mkdtempSync(join(tmpdir(), 'parley-life-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('configuration', () => {
  it('validates every variable and names the bad one', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT: "eighty" is not a whole number$/],
      [{ PORT: '70000' }, /^PORT: 70000 is above the maximum 65535$/],
      [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL: not a valid URL$/],
      [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: "loud" is not one of/],
      [{ COOKIE_SECURE: 'maybe' }, /^COOKIE_SECURE: "maybe" is not true or false$/],
      [{ TOKEN_SECRET: 'short' }, /^TOKEN_SECRET: must be at least 32 characters$/],
      [{ NODE_ENV: 'production', PUBLIC_ORIGIN: 'https://chat.example.com' }, /^DATABASE_URL: required when NODE_ENV=production/],
      [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/parley', PUBLIC_ORIGIN: 'https://chat.example.com' }, /^TOKEN_SECRET: required when NODE_ENV=production/],
      [{ TOKEN_SECRET_FILE: '/nonexistent/secret' }, /^TOKEN_SECRET_FILE: cannot read \/nonexistent\/secret \(ENOENT\)$/],
    ];
    for (const [env, message] of bad) {
      expect(() => loadConfig(env)).toThrowError(ConfigError);
      expect(() => loadConfig(env)).toThrowError(message);
    }
  });

  it('never echoes a secret in a configuration error', () => {
    try {
      loadConfig({ DATABASE_URL: 'postgres://user:hunter2 secret@/x y' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('reads secrets from *_FILE and applies documented defaults', () => {
    const file = join(tmp, 'secret');
    writeFileSync(file, 'file-secret-0123456789-0123456789-abcdef\n');
    const config = loadConfig({ TOKEN_SECRET_FILE: file });
    expect(config.tokenSecret).toBe('file-secret-0123456789-0123456789-abcdef');
    expect(config.port).toBe(Number(CONFIG_VARS.PORT.default));
    expect(config.dataDir).toBe('./data');
    expect(config.metricsPort).toBe(9464);
  });

  it('a bad value makes the process exit 1 with one line naming the variable', async () => {
    const result = await runMain({ PORT: 'eighty' }, ['serve']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['config: PORT: "eighty" is not a whole number']);
  });
});

describe('embedded database directory', () => {
  it('refuses a second process on the same DATA_DIR with a clear error', async () => {
    const backend = await createBackend('pglite');
    const first = await spawnServer(backend.env);
    try {
      const second = await runMain({ ...TEST_ENV, ...backend.env }, ['serve']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/^data: DATA_DIR .* is in use by process \d+/);
      expect((await new Api(first.url).get('/health/ready')).status).toBe(200); // the first one is unharmed
    } finally {
      expect((await first.stop()).code).toBe(0);
      await backend.dispose();
    }
  });

  it('takes over a lock left by a dead process, and releases its own', () => {
    const dir = join(tmp, 'lock');
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).not.toThrow(); // same pid: a stale lock of this very process is taken over
    release();
    writeFileSync(join(dir, 'parley.lock'), '999999999\n'); // no such process
    const again = lockDataDir(dir);
    again();
    expect(existsSync(join(dir, 'parley.lock'))).toBe(false);
  });

  it('refuses a data directory written by another PGlite minor version', () => {
    const dir = join(tmp, 'pg-old');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'PARLEY_PGLITE_VERSION'), '0.4.3\n');
    expect(() => checkPgliteVersion(dir, '0.5.16')).toThrowError(DataDirError);
    expect(() => checkPgliteVersion(dir, '0.5.16')).toThrowError(/written by PGlite 0.4.3/);
    expect(() => checkPgliteVersion(dir, '0.4.9')).not.toThrow();
  });

  it('generates the token secret once and keeps it private', async () => {
    const backend = await createBackend('pglite');
    const server = await startTestServer(backend, { TOKEN_SECRET: '' });
    await server.shutdown();
    const file = join(backend.env.DATA_DIR!, 'secret.key');
    const secret = readFileSync(file, 'utf8');
    expect(secret.trim().length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await startTestServer(backend, { TOKEN_SECRET: '' });
    await again.shutdown();
    expect(readFileSync(file, 'utf8')).toBe(secret);
    await backend.dispose();
  });
});

describe('health and migrations', () => {
  it('/health/ready is 503 while draining and when the database is unreachable; /health/live stays 200', async () => {
    const backend = await createBackend('pglite');
    const server = await startTestServer(backend);
    const api = new Api(server.url);
    expect((await api.get('/health/ready')).body).toEqual({ status: 'ok', checks: { database: 'ok' } });
    // A client that stops reading keeps the WebSocket drain busy, so the server is observably draining.
    const user = await registerUser(server.url, 'drain');
    const ws = await WsClient.connect(server.url, user);
    (ws.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const shutdown = server.shutdown();
    const during = await api.get('/health/ready');
    expect(during.status).toBe(503);
    expect(during.body.checks.lifecycle).toBe('draining');
    await shutdown;
    await backend.dispose();

    const down = await startTestServer({ name: 'postgres+redis', env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, dispose: async () => {} }, { DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
    try {
      const ready = await new Api(down.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toBe('fail');
      expect((await new Api(down.url).get('/health/live')).status).toBe(200);
      const login = await new Api(down.url).post('/api/v1/auth/login', { username: 'someone', password: 'whatever it is' });
      expect(login.status).toBe(503); // fails fast with a retryable error
      expect(login.body.code).toBe('unavailable');
      expect(login.headers.get('retry-after')).toBe('2');
    } finally {
      await down.shutdown();
    }
  });

  it.skipIf(!backends().includes('postgres+redis'))('two `migrate` processes started at once both succeed (advisory lock)', async () => {
    const backend = await createBackend('postgres+redis');
    try {
      // A fresh, empty database (not the migrated template).
      const url = new URL(backend.env.DATABASE_URL!);
      const pg = (await import('pg')).default;
      const admin = new pg.Client({ connectionString: backend.env.DATABASE_URL });
      await admin.connect();
      await admin.query('DROP SCHEMA public CASCADE');
      await admin.query('CREATE SCHEMA public');
      await admin.end();
      const env = { ...TEST_ENV, DATABASE_URL: url.toString(), LOG_LEVEL: 'info' };
      const [a, b] = await Promise.all([runMain(env, ['migrate']), runMain(env, ['migrate'])]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const logs = (a.stdout + b.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const applied = logs.flatMap((l) => l.applied ?? []);
      expect(applied).toEqual(['0001_initial']); // applied exactly once between the two
      const again = await runMain(env, ['migrate']);
      expect(again.stdout).toMatch(/database is up to date/);
    } finally {
      await backend.dispose();
    }
  });
});
