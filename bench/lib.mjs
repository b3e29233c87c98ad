import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
// BENCH_PARLEY_MAIN: another build of the server (for before/after comparisons of a change).
export const PARLEY_MAIN = process.env.BENCH_PARLEY_MAIN ?? fileURLToPath(new URL('../apps/server/dist/main.js', import.meta.url));
export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TOKEN_SECRET = 'bench-secret-not-for-production-0123456789abcdef';

export function pgUrl(database) {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function adminQuery(sql) {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function query(databaseUrl, sql, params) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** Environment for a Parley process under load: production mode, limits raised for the generator. */
export function parleyEnv(extra = {}) {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    TOKEN_SECRET,
    PUBLIC_ORIGIN: 'http://localhost:3000',
    COOKIE_SECURE: 'false',
    WEB_DIST_DIR: '',
    // The defaults (50 sends per user per 10 s, 20 logins per IP per minute) would cap the generator,
    // which sends from every user at many times a human rate, all from 127.0.0.1.
    RATE_LIMIT_SEND_PER_10S: '1000000',
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN: '1000000',
    SHUTDOWN_GRACE_MS: '5000',
    ...extra,
  };
}

/**
 * Spawns a server (Parley's main.js or a baseline) and resolves when it logs a `listening` line
 * with its url. Output is drained (a full pipe would block the server) and the tail kept.
 */
export function spawnServer(script, env, { args = [], nodeArgs = [], timeoutMs = 60_000 } = {}) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  const errorLines = []; // first few error/fatal log lines, and how many there were
  let errorCount = 0;
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${script} did not start in ${timeoutMs} ms`)), timeoutMs);
    const fail = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${tail.join('\n')}`));
    };
    const onLine = (line) => {
      if (/"level":(50|60|"error"|"fatal")/.test(line)) {
        errorCount++;
        if (errorLines.length < 3) errorLines.push(line.slice(0, 1500));
      }
      tail.push(line);
      if (tail.length > 200) tail.shift();
      if (!done && line.includes('"msg":"listening"')) {
        done = true;
        clearTimeout(timer);
        const { url, metricsUrl } = JSON.parse(line);
        resolve({
          child,
          pid: child.pid,
          url,
          metricsUrl,
          tail,
          errorLines,
          get errorCount() {
            return errorCount;
          },
          exited,
          listeningMs: performance.now() - t0,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
              await exited;
              clearTimeout(t);
            }
          },
        });
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (chunk) => {
        buf += chunk.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    void exited.then(({ code, signal }) => fail(new Error(`${script} exited (${code ?? signal}) before listening`)));
  });
}

/** Resident set size and CPU time (user+system, ms) of a process, from /proc. */
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
  return { rssBytes: rssKb * 1024, cpuMs: (ticks * 1000) / 100 };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitReady(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(5);
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms`);
}
