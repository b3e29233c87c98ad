/**
 * Soak: one replica at steady load (WebSocket sends, history reads, reconnect churn) for a fixed
 * time, sampling every 10 s: RSS, V8 heap used, event-loop lag p99, active handles, WebSocket
 * connections (from /metrics) and PostgreSQL connections (pg_stat_activity). Fails on growth beyond
 * the bounds below (compared between the first sample after warm-up and the mean of the last two).
 *
 * Standalone: `npm run test:soak` (600 s) or `node --import tsx resilience/soak.ts --seconds=120`.
 */
import pg from 'pg';
import { OwnPostgres, OwnRedis, cleanup, sleep, startReplica } from './infra.js';
import { LoadClient, json, registerUser } from './load.js';

export const BOUNDS = {
  rssGrowthMb: 96,
  heapGrowthMb: 48,
  handlesGrowth: 25,
  eventLoopLagP99Ms: 500,
  dbConnectionsMax: 10, // DATABASE_POOL_MAX
};

interface Metrics {
  rssMb: number;
  heapMb: number;
  lagP99Ms: number;
  handles: number;
  ws: number;
}

async function scrape(metricsUrl: string): Promise<Metrics> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const get = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN);
  return {
    rssMb: get('process_resident_memory_bytes') / 2 ** 20,
    heapMb: get('nodejs_heap_size_used_bytes') / 2 ** 20,
    lagP99Ms: get('nodejs_eventloop_lag_p99_seconds') * 1000,
    handles: get('nodejs_active_handles_total'),
    ws: get('parley_ws_connections'),
  };
}

export async function runSoak(opts: { seconds: number; env: Record<string, string>; pgUrl: string }): Promise<boolean> {
  console.log(`\n▶ soak for ${opts.seconds} s (sampling every 10 s)`);
  const replica = await startReplica('soak', opts.env);
  const users = [];
  for (let i = 0; i < 6; i++) users.push(await registerUser(replica.url, 'soak'));
  const roomId = (await json(`${replica.url}/api/v1/rooms`, 'POST', users[0]!.token, { kind: 'public', name: `soak-${Date.now()}` })).body.id;
  for (const u of users.slice(1)) await json(`${replica.url}/api/v1/rooms/${roomId}/join`, 'POST', u.token, {});
  const clients = users.map((u) => new LoadClient(u, roomId, [replica.url]));
  await Promise.all(clients.map((c) => c.connect()));
  const loops = clients.map((c) => c.start(200));
  let running = true;
  // Readers and reconnect churn alongside the senders.
  const churn = (async () => {
    let i = 0;
    while (running) {
      await json(`${replica.url}/api/v1/rooms/${roomId}/messages?limit=50`, 'GET', users[i % users.length]!.token).catch(() => undefined);
      if (++i % 20 === 0) clients[i % clients.length]!.ws?.close();
      await sleep(100);
    }
  })();
  const db = new pg.Client({ connectionString: opts.pgUrl });
  await db.connect();
  const samples: (Metrics & { t: number; dbConns: number })[] = [];
  const start = Date.now();
  while (Date.now() - start < opts.seconds * 1000) {
    await sleep(Math.min(10_000, opts.seconds * 1000 - (Date.now() - start)));
    const m = await scrape(replica.metricsUrl);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'parley'");
    const s = { t: Math.round((Date.now() - start) / 1000), ...m, dbConns: rows[0]!.n };
    samples.push(s);
    console.log(`  t=${s.t}s rss=${s.rssMb.toFixed(0)}MB heap=${s.heapMb.toFixed(0)}MB lagP99=${s.lagP99Ms.toFixed(1)}ms handles=${s.handles} ws=${s.ws} db=${s.dbConns}`);
  }
  running = false;
  for (const c of clients) c.stop();
  await Promise.all(loops);
  await churn;
  for (const c of clients) c.close();
  await db.end();
  const acked = clients.reduce((n, c) => n + c.acked.size, 0);
  replica.child.kill('SIGTERM');
  await replica.exited;

  const first = samples[Math.min(1, samples.length - 1)]!; // skip the warm-up sample when there are several
  const tail = samples.slice(-2);
  const mean = (k: keyof (typeof samples)[number]) => tail.reduce((n, s) => n + (s[k] as number), 0) / tail.length;
  const result = {
    rssGrowthMb: mean('rssMb') - first.rssMb,
    heapGrowthMb: mean('heapMb') - first.heapMb,
    handlesGrowth: mean('handles') - first.handles,
    eventLoopLagP99Ms: Math.max(...samples.map((s) => s.lagP99Ms)),
    dbConnectionsMax: Math.max(...samples.map((s) => s.dbConns)),
  };
  const failures = (Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]).filter((k) => !(result[k] <= BOUNDS[k]));
  console.log(`  soak: ${acked} messages acknowledged; ${Object.entries(result).map(([k, v]) => `${k}=${v.toFixed(1)} (bound ${BOUNDS[k as keyof typeof BOUNDS]})`).join(', ')}`);
  console.log(`  soak ${failures.length ? `FAIL: ${failures.join(', ')}` : 'PASS'}`);
  return failures.length === 0 && acked > 0;
}

// Standalone entry point.
if (import.meta.url === `file://${process.argv[1]}`) {
  const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 600);
  (async () => {
    const pgInst = await OwnPostgres.create();
    const redis = await OwnRedis.create();
    const env = { DATABASE_URL: pgInst.url, REDIS_URL: redis.url, DATA_DIR: pgInst.dir, DATABASE_POOL_MAX: '10' };
    const { spawnSync } = await import('node:child_process');
    const mig = spawnSync(process.execPath, [new URL('../apps/server/dist/main.js', import.meta.url).pathname, 'migrate'], { env: { PATH: process.env.PATH ?? '', ...env, NODE_ENV: 'test', TOKEN_SECRET: 'x'.repeat(40) }, encoding: 'utf8' });
    if (mig.status !== 0) throw new Error(`migrate failed: ${mig.stderr}`);
    return runSoak({ seconds, env, pgUrl: pgInst.url });
  })()
    .then((ok) => (process.exitCode = ok ? 0 : 1))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => cleanup());
}
