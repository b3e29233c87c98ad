import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The server and web builds the browser tests run against; built here when missing. */
export function ensureBuilt(): void {
  if (!existsSync(join(REPO, 'apps/server/dist/main.js'))) {
    execFileSync('npm', ['run', 'build', '-w', 'packages/protocol', '-w', 'apps/server'], { cwd: REPO, stdio: 'inherit' });
  }
  if (!existsSync(join(REPO, 'apps/web/dist/index.html'))) {
    execFileSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: REPO, stdio: 'inherit' });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A real Parley server process (embedded PGlite in a temp DATA_DIR), restartable on the same port and data. */
export class ServerProcess {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  private child: ChildProcess | null = null;
  private output = '';
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const env = {
      ...process.env,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      DATA_DIR: this.dataDir,
      METRICS_PORT: '0',
      WEB_DIST_DIR: join(REPO, 'apps/web/dist'),
      NODE_ENV: 'test',
      PUBLIC_ORIGIN: this.url,
      LOG_LEVEL: 'info',
      UPLOAD_MAX_BYTES: String(1024 * 1024),
      RATE_LIMIT_AUTH_PER_MIN: '1000',
      RATE_LIMIT_SEND_PER_10S: '100000',
      RATE_LIMIT_UPLOAD_PER_MIN: '1000',
      SHUTDOWN_GRACE_MS: '2000',
    };
    const child = spawn(process.execPath, [join(REPO, 'apps/server/dist/main.js')], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${this.output.slice(-4000)}`)), 120_000);
      const onData = (buf: Buffer) => {
        this.output += buf.toString();
        if (this.output.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (b: Buffer) => (this.output += b.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${this.output.slice(-4000)}`));
      });
    });
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${this.url}/health/ready`).catch(() => null);
      if (r?.status === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('server never became ready');
  }

  /** Kills the process (SIGKILL by default: a crash, no graceful goodbye) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    this.child = null;
  }

  logs(): string {
    return this.output;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Minimal API client with a bearer token (no cookies, so no Origin check). */
export class Api {
  constructor(
    readonly base: string,
    public token = '',
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}/api/v1${path}`, {
      method,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async register(username: string, password: string, displayName?: string): Promise<{ id: string }> {
    const r = await this.call<{ user: { id: string }; accessToken: string }>('POST', '/auth/register', { username, password, ...(displayName ? { displayName } : {}) });
    this.token = r.accessToken;
    return r.user;
  }

  async login(username: string, password: string): Promise<void> {
    const r = await this.call<{ accessToken: string }>('POST', '/auth/login', { username, password });
    this.token = r.accessToken;
  }
}

/** A small RGB PNG (a colour gradient) built with zlib, for upload tests and screenshots. */
export async function gradientPng(width: number, height: number): Promise<Buffer> {
  const { deflateSync, crc32 } = await import('node:zlib');
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((x / width) * 255);
      raw[row + 2 + x * 3] = Math.round((y / height) * 200) + 40;
      raw[row + 3 + x * 3] = 220;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
