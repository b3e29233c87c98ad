#!/usr/bin/env node
/*
 * npm run bench — Parley's benchmark: scenarios (a)–(e) of the performance issue, side by side
 * with a bare `ws` broadcast server and Socket.IO + @socket.io/redis-adapter with the same
 * persistence, on this machine, loopback only. Bounded: every step has a fixed duration and
 * every scenario a fixed count; the whole run takes ~6–10 minutes.
 *
 *   node bench/run.mjs [--only a,b,c,d,e] [--quick] [--out bench/results] [--cpu-prof DIR]
 *
 * Needs PostgreSQL (BENCH_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres,
 * may CREATE DATABASE) and Redis (BENCH_REDIS_URL), a built server (npm run build), and a file
 * limit above 10,000 for scenario (b) (the npm script raises it with `ulimit -n`).
 * Writes <out>/<date>.json, <date>.md (summary table) and <date>.svg (chart).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { closeClients, connectClients, runSteps } from '../loadtest/lib/chat-load.mjs';
import { seedParley } from '../loadtest/lib/seed.mjs';
import { median } from '../loadtest/lib/stats.mjs';
import { PARLEY_MAIN, REDIS_URL, ROOT, TOKEN_SECRET, adminQuery, parleyEnv, pgUrl, procStats, query, sleep, spawnServer, waitReady } from './lib.mjs';
import { renderChart, renderSummary } from './report.mjs';

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', default: 'a,b,c,d,e' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results') },
    'cpu-prof': { type: 'string' },
    targets: { type: 'string', default: 'ws,socketio,parley' },
  },
});
const only = new Set(opts.only.split(','));
// Time budget: a scenario does not start after BENCH_BUDGET_S (default 600 s; it is then listed as
// skipped), and the whole run is cut off 300 s later whatever happens (partial results are written).
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? 600) * 1000;
const startedAt = Date.now();
const overBudget = (name) => {
  if (Date.now() - startedAt < BUDGET_MS) return false;
  results.notes.push(`scenario ${name} skipped: time budget of ${BUDGET_MS / 1000} s used up`);
  return true;
};
const quick = opts.quick;
const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

const CLIENTS = quick ? 100 : 1000;
const ROOMS = quick ? 5 : 50;
const RATES = quick ? [100, 300] : [50, 100, 250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6500, 8000];
const STEP_MS = quick ? 2000 : 5000;
const DRAIN_MS = quick ? 2000 : 3000;
const IDLE_CONNS = quick ? 500 : 10_000;

const database = `parley_bench_${process.pid}`;
const databaseUrl = pgUrl(database);
const redisPrefix = `parley-bench:${process.pid}:`;
const servers = [];
const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAvgAtStart: (await import('node:os')).loadavg() },
  config: { clients: CLIENTS, rooms: ROOMS, rates: RATES, stepMs: STEP_MS, drainMs: DRAIN_MS, idleConnections: IDLE_CONNS, quick, sloMs: 100 },
  scenarios: {},
  notes: [],
};

async function start(kind, extraEnv = {}, nodeArgs = []) {
  let s;
  if (kind === 'parley') s = await spawnServer(PARLEY_MAIN, parleyEnv({ DATABASE_URL: databaseUrl, REDIS_URL, REDIS_KEY_PREFIX: redisPrefix, ...extraEnv }), { nodeArgs });
  else if (kind === 'ws') s = await spawnServer(join(ROOT, 'bench/servers/ws-broadcast.mjs'), { ...extraEnv }, { nodeArgs });
  else s = await spawnServer(join(ROOT, 'bench/servers/socketio-redis.mjs'), { DATABASE_URL: databaseUrl, REDIS_URL, REDIS_KEY_PREFIX: redisPrefix, ...extraEnv }, { nodeArgs });
  servers.push(s);
  return s;
}
async function stop(s) {
  await s.stop();
  servers.splice(servers.indexOf(s), 1);
}

/** Rows committed for a run, and whether every acknowledged message is among them (ack-after-commit). */
async function persisted(runKey, r) {
  const { rows } = await query(databaseUrl, `SELECT client_key FROM messages WHERE client_key LIKE $1`, [`${runKey}-%`]);
  const keys = new Set(rows.map((x) => x.client_key));
  const missing = r.ackedKeys.filter((k) => !keys.has(k)).length;
  return { rows: rows.length, distinctKeys: keys.size, acked: r.totals.acked, ackedButMissing: missing, everyAckedPersisted: missing === 0, noDuplicateRows: rows.length === keys.size };
}

async function main() {
  await adminQuery(`CREATE DATABASE ${database}`);
  log(`database ${database}`);
  {
    const m = await spawnMigrate();
    if (m !== 0) throw new Error(`migrate exited ${m}`);
  }
  const seeded = await seedParley({ databaseUrl, tokenSecret: TOKEN_SECRET, users: CLIENTS, rooms: ROOMS });
  log(`seeded ${CLIENTS} users in ${ROOMS} rooms`);
  const nodeArgs = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${opts['cpu-prof']}`] : [];

  if (only.has('a') && !overBudget('a')) {
    const a = (results.scenarios.a = { title: `(a) ${CLIENTS} clients in ${ROOMS} rooms, increasing send rate until p99 delivery > 100 ms`, targets: {} });
    for (const target of opts.targets.split(',')) {
      const s = await start(target, {}, target === 'parley' ? nodeArgs : []);
      log(`(a) ${target} at ${s.url}`);
      const specs = seeded.users.map((u) => ({ url: s.url, token: u.token, userId: u.id, roomId: u.roomId }));
      const { clients, failures, errors } = await connectClients(target, specs, { concurrency: 50 });
      if (failures) log(`  ${failures} connections failed: ${errors.join('; ')}`);
      const runKey = `a-${target}-${Date.now()}`;
      // Warm-up (JIT, caches, pool connections); not recorded.
      await runSteps(target, clients, { rates: [RATES[0]], durationMs: quick ? 1000 : 3000, drainMs: DRAIN_MS, runKey: `${runKey}w`, stopOnFail: false });
      const serverCpuMs = () => procStats(s.pid).cpuMs;
      const r = await runSteps(target, clients, { rates: RATES, durationMs: STEP_MS, drainMs: DRAIN_MS, runKey, serverCpuMs, log });
      r.serverCpuMsPerMsg = medianCpu(r.steps);
      r.connectFailures = failures;
      if (target !== 'ws') {
        r.persisted = await persisted(runKey, r);
        log(`  persisted ${r.persisted.rows} rows (${r.persisted.distinctKeys} distinct keys) for ${r.totals.acked} acks; acked but missing: ${r.persisted.ackedButMissing}`);
      }
      const basis = r.maxSustainedMsgsPerSec || r.saturationMsgsPerSec;
      if (target === 'parley' && basis > 0) {
        const half = Math.round(basis / 2);
        const h = await runSteps(target, clients, { rates: [half], durationMs: STEP_MS, drainMs: DRAIN_MS, runKey: `${runKey}h`, stopOnFail: false, log });
        r.halfRate = { rate: half, deliver: h.steps[0].deliver, ack: h.steps[0].ack, lost: h.steps[0].lostDeliveries, duplicates: h.steps[0].duplicateDeliveries, pass50ms: (h.steps[0].deliver.p99 ?? Infinity) <= 50, basis: r.maxSustainedMsgsPerSec ? 'max at SLO' : 'saturation (no step met the SLO)' };
      }
      r.serverAfter = procStats(s.pid);
      if (target === 'parley') r.serverMetrics = await scrapeMetrics(s.metricsUrl);
      r.serverErrors = { count: s.errorCount, first: s.errorLines };
      await closeClients(clients);
      a.targets[target] = r;
      if (target === 'parley' && only.has('d')) await scenarioD(s, seeded);
      await stop(s);
    }
    const t = a.targets;
    if (t.parley && t.ws?.maxSustainedMsgsPerSec) a.ratioToWs = round2(t.parley.maxSustainedMsgsPerSec / t.ws.maxSustainedMsgsPerSec);
    if (t.parley && t.socketio?.maxSustainedMsgsPerSec) a.ratioToSocketIo = round2(t.parley.maxSustainedMsgsPerSec / t.socketio.maxSustainedMsgsPerSec);
    // CPU efficiency ratios: (ws CPU per message) / (Parley CPU per message) — the throughput ratio one dedicated core would give.
    if (t.parley?.serverCpuMsPerMsg && t.ws?.serverCpuMsPerMsg) a.cpuEfficiencyRatioToWs = round2(t.ws.serverCpuMsPerMsg / t.parley.serverCpuMsPerMsg);
    if (t.parley?.serverCpuMsPerMsg && t.socketio?.serverCpuMsPerMsg) a.cpuEfficiencyRatioToSocketIo = round2(t.socketio.serverCpuMsPerMsg / t.parley.serverCpuMsPerMsg);
    if (t.parley && t.ws?.saturationMsgsPerSec) a.saturationRatioToWs = round2(t.parley.saturationMsgsPerSec / t.ws.saturationMsgsPerSec);
    if (t.parley && t.socketio?.saturationMsgsPerSec) a.saturationRatioToSocketIo = round2(t.parley.saturationMsgsPerSec / t.socketio.saturationMsgsPerSec);
    flush();
  } else if (only.has('d')) {
    const s = await start('parley');
    await scenarioD(s, seeded);
    await stop(s);
  }

  if (only.has('c') && !overBudget('c')) {
    const c = (results.scenarios.c = { title: `(c) two Parley processes + Redis, ${CLIENTS} clients split across them` });
    const s1 = await start('parley');
    const s2 = await start('parley');
    // User i is in room i % ROOMS: alternating replicas per round of rooms puts half of every room on each.
    const specs = seeded.users.map((u, i) => ({ url: (Math.floor(i / ROOMS) % 2 ? s2 : s1).url, server: Math.floor(i / ROOMS) % 2, token: u.token, userId: u.id, roomId: u.roomId }));
    const { clients, failures } = await connectClients('parley', specs, { concurrency: 50 });
    log(`(c) two replicas ${s1.url} ${s2.url}`);
    const runKey = `c-${Date.now()}`;
    await runSteps('parley', clients, { rates: [RATES[0]], durationMs: 3000, drainMs: DRAIN_MS, runKey: `${runKey}w`, stopOnFail: false });
    const r = await runSteps('parley', clients, { rates: RATES, durationMs: STEP_MS, drainMs: DRAIN_MS, runKey, serverCpuMs: () => procStats(s1.pid).cpuMs + procStats(s2.pid).cpuMs, log });
    r.serverCpuMsPerMsg = medianCpu(r.steps);
    Object.assign(c, r, { connectFailures: failures, persisted: await persisted(runKey, r) });
    await closeClients(clients);
    await stop(s1);
    await stop(s2);
    flush();
  }

  if (only.has('b') && !overBudget('b')) await scenarioB(seeded);
  if (only.has('e') && !overBudget('e')) await scenarioE();
}

async function scenarioD(s, seeded) {
  // History pagination: a room with messages from scenario (a), pages of 50 (the default page size).
  const user = seeded.users[0];
  const d = (results.scenarios.d = { title: '(d) history pagination at 1,000 requests/s (autocannon, 20 connections), then login' });
  const duration = quick ? 3 : 10;
  const run = (o) => new Promise((resolve, reject) => autocannon(o, (err, res) => (err ? reject(err) : resolve(res))));
  const pageUrl = `${s.url}/api/v1/rooms/${user.roomId}/messages?limit=50`;
  const probe = await fetch(pageUrl, { headers: { authorization: `Bearer ${user.token}` } });
  const page = await probe.json();
  d.pageItems = page.items?.length ?? 0;
  d.pageBytes = JSON.stringify(page).length;
  const cpu0 = procStats(s.pid);
  const r = await run({ url: pageUrl, connections: 20, overallRate: 1000, duration, headers: { authorization: `Bearer ${user.token}` } });
  const cpu1 = procStats(s.pid);
  d.history = summariseCannon(r, duration);
  d.history.serverCpuPct = Math.round(((cpu1.cpuMs - cpu0.cpuMs) / (duration * 1000)) * 100);
  log(`(d) history: ${d.history.rps} req/s, p50 ${d.history.p50} p99 ${d.history.p99} max ${d.history.max} ms, non-2xx ${d.history.non2xx}, server CPU ${d.history.serverCpuPct}%`);
  // Login: argon2 verification dominates (~60 ms of CPU each here), so this is CPU-bound by design.
  const username = `benchlogin${process.pid}`;
  const password = 'correct horse battery staple';
  await fetch(`${s.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const lr = await run({ url: `${s.url}/api/v1/auth/login`, method: 'POST', connections: 4, duration: quick ? 2 : 5, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  d.login = summariseCannon(lr, quick ? 2 : 5);
  log(`(d) login: ${d.login.rps} req/s, p50 ${d.login.p50} p99 ${d.login.p99} ms, non-2xx ${d.login.non2xx}`);
  flush();
}

/**
 * Where a Parley send spends its time, from the server's own Prometheus metrics: mean latency of
 * each database query and of the Redis fan-out publish, commit→socket-write delivery latency,
 * and the pool's waiting count at the end.
 */
async function scrapeMetrics(metricsUrl) {
  try {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const sums = {};
    for (const line of text.split('\n')) {
      const m = /^(parley_db_query_duration_seconds|parley_redis_publish_duration_seconds|parley_ws_delivery_latency_seconds)_(sum|count)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
      if (!m) continue;
      const q = /query="([^"]+)"/.exec(m[3] ?? '')?.[1];
      const key = q ? `db:${q}` : m[1].replace(/^parley_|_seconds$/g, '');
      (sums[key] ??= {})[m[2]] = Number(m[4]);
    }
    const out = {};
    for (const [k, v] of Object.entries(sums)) if (v.count) out[k] = { count: v.count, meanMs: round2((v.sum / v.count) * 1000) };
    const waiting = /parley_db_pool_connections\{state="waiting"\} (\d+)/.exec(text)?.[1];
    return { ...out, poolWaitingAtEnd: waiting === undefined ? null : Number(waiting) };
  } catch (err) {
    return { error: err.message };
  }
}

function summariseCannon(r, duration) {
  return { rps: Math.round(r.requests.total / duration), requests: r.requests.total, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts };
}

async function scenarioB(seeded) {
  const b = (results.scenarios.b = { title: `(b) ${IDLE_CONNS} idle authenticated WebSocket connections (each subscribed to one room)` });
  const heartbeatMs = 5000;
  const s = await start('parley', { WS_HEARTBEAT_MS: String(heartbeatMs) });
  await sleep(2000);
  const before = procStats(s.pid);
  const specs = Array.from({ length: IDLE_CONNS }, (_, i) => {
    const u = seeded.users[i % seeded.users.length];
    return { url: s.url, token: u.token, userId: u.id, roomId: u.roomId };
  });
  const t0 = performance.now();
  const { clients, failures, errors } = await connectClients('parley', specs, { concurrency: 100, timeoutMs: 60_000, onProgress: (n) => n % 5000 === 0 && log(`  ${n} connected`) });
  const connectMs = performance.now() - t0;
  log(`(b) ${clients.length} connected in ${Math.round(connectMs)} ms (${failures} failed${failures ? `: ${errors.join('; ')}` : ''})`);
  await sleep(3000);
  const after = procStats(s.pid);
  // Heartbeat cost: CPU of the idle server over whole ping rounds (at a 5 s interval to get several rounds quickly).
  const rounds = quick ? 1 : 3;
  const h0 = procStats(s.pid);
  await sleep(rounds * heartbeatMs);
  const h1 = procStats(s.pid);
  const cpuPerRoundMs = (h1.cpuMs - h0.cpuMs) / rounds;
  Object.assign(b, {
    connections: clients.length,
    connectFailures: failures,
    connectSeconds: round2(connectMs / 1000),
    connectsPerSec: Math.round(clients.length / (connectMs / 1000)),
    rssBeforeMiB: round2(before.rssBytes / 2 ** 20),
    rssAfterMiB: round2(after.rssBytes / 2 ** 20),
    rssPerConnectionKiB: round2((after.rssBytes - before.rssBytes) / clients.length / 1024),
    heartbeat: {
      intervalMsMeasured: heartbeatMs,
      idleCpuMsPerRound: round2(cpuPerRoundMs),
      cpuUsPerConnectionPerPing: round2((cpuPerRoundMs * 1000) / clients.length),
      // At the default 30 s interval, the same rounds cost this share of one core:
      coreShareAtDefault30s: `${round2((cpuPerRoundMs / 30_000) * 100)} %`,
    },
    stillConnectedAfterHeartbeats: clients.filter((c) => !c.closed).length,
  });
  log(`(b) RSS ${b.rssBeforeMiB} → ${b.rssAfterMiB} MiB: ${b.rssPerConnectionKiB} KiB/connection; heartbeat round ${b.heartbeat.idleCpuMsPerRound} ms CPU`);
  await closeClients(clients);
  await stop(s);
  flush();
}

async function scenarioE() {
  const e = (results.scenarios.e = { title: '(e) cold start: spawn → /health/ready 200 (PostgreSQL + Redis, migrated database)', runs: [] });
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    const t0 = performance.now();
    const s = await start('parley');
    await waitReady(s.url);
    const readyMs = performance.now() - t0;
    const st = procStats(s.pid);
    // CPU time the process used to get ready: unlike wall time, it hardly depends on how busy the machine is.
    e.runs.push({ listeningMs: Math.round(s.listeningMs), readyMs: Math.round(readyMs), cpuMsToReady: Math.round(st.cpuMs), rssMiB: round2(st.rssBytes / 2 ** 20) });
    await stop(s);
  }
  e.medianReadyMs = median(e.runs.map((r) => r.readyMs));
  e.maxReadyMs = Math.max(...e.runs.map((r) => r.readyMs));
  e.medianCpuMsToReady = median(e.runs.map((r) => r.cpuMsToReady));
  log(`(e) cold start to ready: median ${e.medianReadyMs} ms, max ${e.maxReadyMs} ms; CPU used to get ready: median ${e.medianCpuMsToReady} ms`);
  flush();
}

async function spawnMigrate() {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [PARLEY_MAIN, 'migrate'], { env: { PATH: process.env.PATH ?? '', ...parleyEnv({ DATABASE_URL: databaseUrl }) }, stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

const round2 = (v) => Math.round(v * 100) / 100;
/** Median server CPU per message over the steps where everything was delivered (null without such steps). */
function medianCpu(steps) {
  const kept = steps.filter((x) => x.keptUp && x.serverCpuMsPerMsg).map((x) => x.serverCpuMsPerMsg);
  const any = steps.filter((x) => x.acked > 0 && x.serverCpuMsPerMsg).map((x) => x.serverCpuMsPerMsg);
  return kept.length ? median(kept) : any.length ? median(any) : null;
}
const stamp = results.date.slice(0, 10);
mkdirSync(opts.out, { recursive: true });
function flush() {
  writeFileSync(join(opts.out, `${stamp}.json`), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(opts.out, `${stamp}.md`), renderSummary(results));
  writeFileSync(join(opts.out, `${stamp}.svg`), renderChart(results));
}

let failed = false;
const hardStop = setTimeout(async () => {
  results.error = `hard time limit (${BUDGET_MS / 1000 + 300} s) reached`;
  for (const s of [...servers]) s.child.kill('SIGKILL');
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  flush();
  process.exit(1);
}, BUDGET_MS + 300_000);
hardStop.unref();
try {
  await main();
  results.machine.loadAvgAtEnd = (await import('node:os')).loadavg();
} catch (err) {
  failed = true;
  results.error = String(err.stack ?? err);
  console.error(err);
} finally {
  for (const s of [...servers]) await s.stop().catch(() => undefined);
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((err) => console.error('drop database:', err.message));
  await cleanRedis().catch(() => undefined);
  flush();
  log(`results: ${join(opts.out, stamp)}.{json,md,svg}`);
}
process.exit(failed ? 1 : 0);

async function cleanRedis() {
  const { Redis } = await import('ioredis');
  const r = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  await r.quit();
}
