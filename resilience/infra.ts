/**
 * Disposable infrastructure for the resilience suite: a private PostgreSQL cluster and Redis on
 * free loopback ports (never the machine's shared 5432/6379), and Parley server processes from
 * apps/server/dist/main.js. Everything started here is stopped by `cleanup()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../apps/server/dist/main.js', import.meta.url));
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void | Promise<void>)[] = [];
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch((e) => console.error('cleanup:', (e as Error).message));
  cleanups.length = 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const asPostgres = (cmd: string, args: string[]) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];

function run(cmd: string, args: string[]): string {
  const [c, a] = asPostgres(cmd, args);
  return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class OwnPostgres {
  readonly dir: string;
  readonly data: string;
  constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'parley-resilience-pg-'));
    this.data = join(this.dir, 'data');
    if (process.getuid?.() === 0) {
      chownSync(this.dir, uidOf('postgres'), gidOf('postgres'));
    }
    chmodSync(this.dir, 0o755);
  }
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/parley`;
  }
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  static async create(): Promise<OwnPostgres> {
    const pg = new OwnPostgres(await freePort());
    run(`${PG_BIN}/initdb`, ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    pg.start();
    cleanups.push(() => {
      pg.stop('immediate');
      rmSync(pg.dir, { recursive: true, force: true });
    });
    run(`${PG_BIN}/psql`, ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres', '-qc', 'CREATE DATABASE parley']);
    return pg;
  }
  start(): void {
    run(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-w', '-l', join(this.dir, 'log'), '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`, 'start']);
  }
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    try {
      run(`${PG_BIN}/pg_ctl`, ['-D', this.data, '-w', '-m', mode, 'stop']);
    } catch {
      /* already stopped */
    }
  }
  psql(sql: string): string {
    return run(`${PG_BIN}/psql`, ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', 'parley', '-XAtqc', sql]).trim();
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}
function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}

export class OwnRedis {
  child?: ChildProcess;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  static async create(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.start();
    cleanups.push(() => r.kill());
    return r;
  }
  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'ignore' });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('redis did not start');
  }
  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export interface Replica {
  name: string;
  port: number;
  metricsPort: number;
  child: ChildProcess;
  url: string;
  metricsUrl: string;
  log: string[];
  exited: Promise<void>;
}

export const SERVER_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  METRICS_HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  TOKEN_SECRET: 'resilience-secret-not-for-production-0123456789',
  PUBLIC_ORIGIN: 'http://localhost:3000',
  RATE_LIMIT_AUTH_PER_MIN: '100000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN: '100000',
  RATE_LIMIT_SEND_PER_10S: '100000',
  RATE_LIMIT_UPLOAD_PER_MIN: '100000',
  COOKIE_SECURE: 'false',
  WEB_DIST_DIR: '',
  SHUTDOWN_GRACE_MS: '10000', // the production default
  WS_HEARTBEAT_MS: '5000',
};

/** Starts a replica on a fixed port (so clients can come back to it) and waits for "listening". */
export async function startReplica(name: string, env: Record<string, string>, port?: number, metricsPort?: number): Promise<Replica> {
  port ??= await freePort();
  metricsPort ??= await freePort();
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...SERVER_ENV, ...env, PORT: String(port), METRICS_PORT: String(metricsPort) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const replica: Replica = { name, port, metricsPort, child, url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}`, log, exited };
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${log.join('\n')}`)), 60_000);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        log.push(line);
        if (log.length > 20_000) log.splice(0, 10_000);
        if (line.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`${name} exited before listening:\n${log.slice(-20).join('\n')}`)));
  });
  return replica;
}

export async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Counts log lines matching a message across replicas (what an operator would grep for). */
export function countLog(replicas: Replica[], pattern: RegExp): number {
  return replicas.reduce((n, r) => n + r.log.filter((l) => pattern.test(l)).length, 0);
}

/** A tmpfs of a few megabytes for the "disk full" fault, or null when mounting is not allowed. */
export function tinyFilesystem(sizeKb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'parley-resilience-tiny-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700,uid=${uidOf('postgres')},gid=${gidOf('postgres')}`, 'tmpfs', dir], { stdio: 'ignore' });
    mkdirSync(join(dir, 'ts'));
    if (process.getuid?.() === 0) chownSync(join(dir, 'ts'), uidOf('postgres'), gidOf('postgres'));
    cleanups.push(() => {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      } catch {
        /* ignore */
      }
      rmSync(dir, { recursive: true, force: true });
    });
    return join(dir, 'ts');
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}
