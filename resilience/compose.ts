/**
 * The compose fault: `docker network disconnect` of server-1 from the stack's internal `backend`
 * network (PostgreSQL and Redis) for 30 s, then reconnect, under the same WebSocket load through
 * the web (nginx) container. Needs Docker (`eval "$(/work/shared/container-sandbox/up)"`) and the
 * images `parley/server:local` and `parley/web:local` (built by deploy/compose). Runs as its own
 * compose project (`parley-resilience`) on a free port, and removes it (`down -v`) afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from './infra.js';
import { LoadClient, json, registerUser } from './load.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT = 'parley-resilience';

export interface ComposeResult {
  ran: boolean;
  acknowledged: number;
  persisted: number;
  delivered: string;
  duplicated: number;
  lost: number;
  recoveryMs: number | null;
  notes: string[];
}

function docker(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): string {
  const r = spawnSync('docker', args, { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`docker ${args.slice(0, 4).join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

export function composeAvailable(): string | null {
  try {
    execFileSync('docker', ['image', 'inspect', 'parley/server:local', 'parley/web:local'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'Docker or the images parley/server:local and parley/web:local are not available (run `eval "$(/work/shared/container-sandbox/up)"` and build deploy/compose first)';
  }
}

export async function runComposeFault(): Promise<ComposeResult> {
  const notes: string[] = [];
  const secrets = mkdtempSync(join(tmpdir(), 'parley-resilience-secrets-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARLEY_SECRETS_DIR: secrets,
    PARLEY_HTTP_PORT: String(port),
    PARLEY_COOKIE_SECURE: 'false',
    PARLEY_PUBLIC_ORIGIN: `http://localhost:${port}`,
    POSTGRES_IMAGE: process.env.SANDBOX_POSTGRES_IMAGE ?? process.env.POSTGRES_IMAGE ?? 'postgres:16-bookworm',
    REDIS_IMAGE: process.env.SANDBOX_REDIS_IMAGE ?? process.env.REDIS_IMAGE ?? 'redis:7-bookworm',
  };
  const compose = (args: string[], timeoutMs?: number) => docker(['compose', '-p', PROJECT, '-f', join(ROOT, 'deploy/compose/compose.yaml'), ...args], env, timeoutMs);
  execFileSync('sh', [join(ROOT, 'deploy/compose/init-secrets.sh'), secrets], { stdio: 'ignore' });
  const clients: LoadClient[] = [];
  try {
    const t = Date.now();
    compose(['up', '-d', '--wait', '--no-build', 'web'], 300_000);
    notes.push(`stack up in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    const url = `http://127.0.0.1:${port}`;
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await registerUser(url, `net${i}`));
    const roomId = (await json(`${url}/api/v1/rooms`, 'POST', users[0]!.token, { kind: 'public', name: 'netfault' })).body.id as string;
    for (const u of users.slice(1)) await json(`${url}/api/v1/rooms/${roomId}/join`, 'POST', u.token, {});
    for (const u of users) clients.push(new LoadClient(u, roomId, [url]));
    await Promise.all(clients.map((c) => c.connect()));
    const loops = clients.map((c) => c.start(400)); // under the default 50 sends / 10 s per user
    await sleep(3000);

    const container = `${PROJECT}-server-1-1`;
    const network = `${PROJECT}_backend`;
    const readyOf = () => {
      try {
        return compose(['exec', '-T', 'web', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '4', 'http://server-1:3000/health/ready'], 15_000).trim();
      } catch (err) {
        return `error ${(err as Error).message.slice(0, 80)}`;
      }
    };
    docker(['network', 'disconnect', network, container], env);
    const down = Date.now();
    await sleep(5000);
    notes.push(`server-1 disconnected from ${network}: its /health/ready → ${readyOf()} (nginx keeps routing to server-2 and retries)`);
    await sleep(Math.max(0, 30_000 - (Date.now() - down)));
    docker(['network', 'connect', network, container], env);
    const back = Date.now();
    let recoveryMs: number | null = null;
    while (Date.now() - back < 60_000) {
      if (readyOf() === '200') {
        recoveryMs = Date.now() - back;
        break;
      }
      await sleep(500);
    }
    notes.push(recoveryMs === null ? 'server-1 did not become ready within 60 s of reconnecting' : `server-1 ready ${(recoveryMs / 1000).toFixed(1)} s after reconnecting, without a restart`);
    await sleep(3000);
    for (const c of clients) c.stop();
    await Promise.all(loops);
    await Promise.all(clients.map((c) => c.fillGap()));

    const acked = [...new Set(clients.flatMap((c) => [...c.acked.values()]))];
    const ids = acked.map((id) => `'${id}'`).join(',') || `'00000000-0000-0000-0000-000000000000'`;
    const persisted = Number(compose(['exec', '-T', 'postgres', 'psql', '-U', 'parley', '-d', 'parley', '-Atc', `SELECT count(*) FROM messages WHERE id IN (${ids})`]).trim());
    const duplicated = Number(compose(['exec', '-T', 'postgres', 'psql', '-U', 'parley', '-d', 'parley', '-Atc', `SELECT count(*) FROM (SELECT 1 FROM messages WHERE room_id = '${roomId}' AND client_key IS NOT NULL GROUP BY author_id, client_key HAVING count(*) > 1) d`]).trim());
    const perClient = clients.map((c) => acked.filter((id) => c.seen.has(id)).length);
    const undelivered = clients.reduce((n, c) => n + acked.filter((id) => !c.seen.has(id)).length, 0);
    const errors = new Map<string, number>();
    for (const c of clients) for (const [k, v] of c.sendErrors) errors.set(k, (errors.get(k) ?? 0) + v);
    if (errors.size) notes.push(`send errors (retried with the same key): ${JSON.stringify(Object.fromEntries(errors))}`);
    notes.push(`client reconnects: ${clients.reduce((n, c) => n + c.reconnects, 0)}`);
    return { ran: true, acknowledged: acked.length, persisted, delivered: `${Math.min(...perClient)}/${acked.length} to each of ${clients.length}`, duplicated, lost: acked.length - persisted + undelivered, recoveryMs, notes };
  } finally {
    for (const c of clients) c.close();
    try {
      compose(['down', '-v', '--remove-orphans'], 120_000);
    } catch (err) {
      console.error(`compose down: ${(err as Error).message}`);
    }
    rmSync(secrets, { recursive: true, force: true });
  }
}
