import { randomUUID } from 'node:crypto';
import { createBackend, type Backend } from '../support/harness.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

/** FUZZ_SEED / FUZZ_RUNS make a run reproducible and longer (`FUZZ_SEED=123 FUZZ_RUNS=500 npx vitest run --project server test/fuzz`). */
export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
export const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

export interface Target {
  backend: Backend;
  server: ServerProcess;
  dispose(): Promise<void>;
}

/** A real server process (a crash is visible as an exit) on a fresh PGlite database. */
export async function startTarget(env: Record<string, string> = {}): Promise<Target> {
  const backend = await createBackend('pglite');
  const server = await spawnServer({ ...backend.env, ...env });
  return {
    backend,
    server,
    dispose: async () => {
      await server.stop('SIGTERM');
      await backend.dispose();
    },
  };
}

/** One gauge from the metrics endpoint. */
export async function metric(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.split(' ').at(-1));
}

export async function register(url: string, prefix: string): Promise<{ token: string; id: string; username: string }> {
  const username = `${prefix}${randomUUID().slice(0, 8)}`;
  const res = await fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery staple' }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { token: body.accessToken, id: body.user.id, username };
}

export async function call(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
