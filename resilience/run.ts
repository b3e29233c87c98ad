/**
 * `npm run test:resilience`: fault injection against two real Parley replicas on a private
 * PostgreSQL and Redis (never the shared ones), each fault under WebSocket load with idempotency
 * keys. After every fault: every acknowledged message is in the database exactly once and was
 * delivered to every connected member (after de-duplication by id). Prints a table per fault;
 * exits 1 if anything acknowledged was lost or duplicated, or a recovery expectation failed.
 *
 * Options: --strict fails on known weaknesses too; --only=<fault,...> run some faults; --compose adds the docker network disconnect fault; --soak=<seconds> soak duration after the faults
 * (default 60; 0 skips it; `npm run test:soak` runs 600 s alone). Bounded ≤ 15 minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';

/** Full log of a replica that crashed or exited non-zero, for the report. */
function dumpLog(r: { name: string; log: string[] }, fault: string): string {
  const dir = 'test-results/resilience-logs';
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${fault.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${r.name}.log`;
  writeFileSync(file, r.log.join('\n') + '\n');
  return file;
}
import pg from 'pg';
import { OwnPostgres, OwnRedis, cleanup, countLog, freePort, ready, sleep, startReplica, tinyFilesystem, type Replica } from './infra.js';
import { LoadClient, json, registerUser, type User } from './load.js';
import { composeAvailable, runComposeFault } from './compose.js';
import { runSoak } from './soak.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const ONLY = args.get('only')?.split(',');
const SOAK_S = Number(args.get('soak') ?? 60);
/** --compose: also run the docker network disconnect fault against deploy/compose (needs Docker and the images). */
const COMPOSE = args.has('compose');
/** --strict: a known, reported server weakness (KNOWN below) also fails the run. */
const STRICT = args.has('strict');
/**
 * Server weaknesses this suite found and reported (docs/operations/resilience.md). A fault whose
 * only failure is one of these (nothing lost, nothing duplicated) is shown as KNOWN and does not fail
 * the run unless --strict; once fixed, the signature stops matching and any failure is a FAIL again.
 */
const KNOWN = [
  { id: 'W0', re: /CRASHED .*(Connection terminated unexpectedly|terminating connection due to administrator command|pg\/lib\/client\.js)/ },
  { id: 'W9', re: /EXIT 1; .*shutdown grace period exceeded/ },
];
const CLIENTS = Number(args.get('clients') ?? 8);
const INTERVAL_MS = Number(args.get('interval') ?? 250);
const deadline = Date.now() + 15 * 60_000;

interface Row {
  fault: string;
  acknowledged: number;
  persisted: number;
  delivered: string; // "min over clients / acknowledged"
  duplicated: number;
  lost: number;
  recoveryS: string;
  notes: string[];
  ok: boolean;
  known?: string;
}
const rows: Row[] = [];

let pgInst: OwnPostgres;
let redis: OwnRedis;
let replicas: Replica[] = [];
let env: Record<string, string>;
let users: User[] = [];
let roomId: string;
let clients: LoadClient[] = [];
const ports: { port: number; metrics: number }[] = [];

async function startCluster(): Promise<void> {
  pgInst = await OwnPostgres.create();
  redis = await OwnRedis.create();
  env = { DATABASE_URL: pgInst.url, REDIS_URL: redis.url, DATA_DIR: pgInst.dir, DATABASE_POOL_MAX: '10', DATABASE_STATEMENT_TIMEOUT_MS: '5000' };
  const { spawnSync } = await import('node:child_process');
  const mig = spawnSync(process.execPath, [new URL('../apps/server/dist/main.js', import.meta.url).pathname, 'migrate'], { env: { PATH: process.env.PATH ?? '', ...env, NODE_ENV: 'test', TOKEN_SECRET: 'x'.repeat(40) }, encoding: 'utf8' });
  if (mig.status !== 0) throw new Error(`migrate failed: ${mig.stdout}${mig.stderr}`);
  for (let i = 0; i < 2; i++) ports.push({ port: await freePort(), metrics: await freePort() });
  replicas = await Promise.all(['A', 'B'].map((n, i) => startReplica(n, env, ports[i]!.port, ports[i]!.metrics)));
}

async function restart(i: number): Promise<Replica> {
  const r = await startReplica(replicas[i]!.name, env, ports[i]!.port, ports[i]!.metrics);
  replicas[i] = r;
  return r;
}

async function setupLoad(): Promise<void> {
  const url = replicas[0]!.url;
  users = [];
  for (let i = 0; i < CLIENTS; i++) users.push(await registerUser(url, `load${i}`));
  roomId = (await json(`${url}/api/v1/rooms`, 'POST', users[0]!.token, { kind: 'public', name: 'resilience' })).body.id;
  for (const u of users.slice(1)) await json(`${url}/api/v1/rooms/${roomId}/join`, 'POST', u.token, {});
  // Half the clients prefer replica A, half B; each fails over to the other.
  clients = users.map((u, i) => new LoadClient(u, roomId, i % 2 ? [replicas[1]!.url, replicas[0]!.url] : [replicas[0]!.url, replicas[1]!.url]));
  await Promise.all(clients.map((c) => c.connect()));
}

/** Runs the load while `fault` executes; returns the rows' numbers. */
async function underLoad(name: string, fault: (notes: string[]) => Promise<number | string>, expect: (notes: string[]) => boolean = () => true): Promise<void> {
  if (ONLY && !ONLY.some((o) => name.toLowerCase().includes(o))) return;
  if (Date.now() > deadline - 60_000) {
    rows.push({ fault: name, acknowledged: 0, persisted: 0, delivered: '-', duplicated: 0, lost: 0, recoveryS: '-', notes: ['not run: suite time budget exhausted'], ok: false });
    return;
  }
  console.log(`\n▶ ${name}`);
  const before = new Map(clients.map((c) => [c, new Set(c.acked.values())]));
  for (const c of clients) {
    c.sendErrors.clear();
    c.failFastMs = [];
  }
  const loops = clients.map((c) => c.start(INTERVAL_MS));
  await sleep(3000);
  const notes: string[] = [];
  let recovery: number | string = '-';
  try {
    recovery = await fault(notes);
  } catch (err) {
    notes.push(`fault script failed: ${(err as Error).message}`);
  }
  await sleep(3000);
  // A replica that died on its own (not killed by the fault script) is a crash: show why.
  for (const r of replicas) {
    if (!alive(r) && !(r as Replica & { killedOnPurpose?: boolean }).killedOnPurpose) {
      const why = r.log.filter((l) => /Error:|Unhandled|client\.js|uncaught/i.test(l)).slice(0, 4);
      notes.push(`replica ${r.name} CRASHED (exit ${r.child.exitCode}, signal ${r.child.signalCode}): ${(why.length ? why : r.log.slice(-6)).map((l) => l.trim().slice(0, 300)).join(' ⏎ ')} (full log: ${dumpLog(r, name)})`);
      await restart(replicas.indexOf(r));
    }
  }
  for (const c of clients) c.stop();
  await Promise.all(loops);
  // Every client catches up the documented way (gap fetch from its last contiguous seq), then we count.
  for (const c of clients) if (!c.ws) await c.connect();
  await sleep(1000);
  await Promise.all(clients.map((c) => c.fillGap()));

  const ackedIds = new Set<string>();
  for (const c of clients) for (const id of c.acked.values()) if (!before.get(c)!.has(id)) ackedIds.add(id);
  const allAcked = new Set(clients.flatMap((c) => [...c.acked.values()]));
  const db = new pg.Client({ connectionString: pgInst.url });
  await db.connect();
  const { rows: dbRows } = await db.query<{ id: string; n: number }>('SELECT id, count(*)::int AS n FROM messages WHERE room_id = $1 AND id = ANY($2::uuid[]) GROUP BY id', [roomId, [...ackedIds]]);
  const { rows: dupKeys } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT author_id, client_key FROM messages WHERE room_id = $1 AND client_key IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d', [roomId]);
  await db.end();
  const persisted = dbRows.filter((r) => r.n === 1).length;
  const deliveredPerClient = clients.map((c) => [...ackedIds].filter((id) => c.seen.has(id)).length);
  const undelivered = clients.reduce((n, c) => n + [...allAcked].filter((id) => !c.seen.has(id)).length, 0);
  const shownTwice = 0; // clients de-duplicate by id (the map key); the raw repeats are reported below
  const rawRepeats = clients.reduce((n, c) => n + [...c.seen.values()].filter((v) => v > 1).length, 0);
  const lost = ackedIds.size - persisted + undelivered;
  const errors = new Map<string, number>();
  for (const c of clients) for (const [k, v] of c.sendErrors) errors.set(k, (errors.get(k) ?? 0) + v);
  if (errors.size) notes.push(`send errors (retried with the same key): ${JSON.stringify(Object.fromEntries(errors))}`);
  const failFast = clients.flatMap((c) => c.failFastMs).sort((a, b) => a - b);
  if (failFast.length) notes.push(`failed sends answered in p50 ${failFast[Math.floor(failFast.length / 2)]} ms, max ${failFast.at(-1)} ms`);
  notes.push(`deliveries live/sync/gap-fill: ${clients.reduce((n, c) => n + c.liveDeliveries, 0)}/${clients.reduce((n, c) => n + c.syncDeliveries, 0)}/${clients.reduce((n, c) => n + c.gapDeliveries, 0)} (cumulative), raw repeats before dedupe ${rawRepeats}`);
  const duplicated = dupKeys[0]!.n + shownTwice;
  const ok = !notes.some((n) => n.includes(' CRASHED ')) && lost === 0 && duplicated === 0 && persisted === ackedIds.size && ackedIds.size > 0 && expect(notes);
  const dataOk = lost === 0 && duplicated === 0 && persisted === ackedIds.size && ackedIds.size > 0;
  const known = !ok && dataOk ? KNOWN.filter((k) => notes.some((n) => k.re.test(n))).map((k) => k.id).join(',') || undefined : undefined;
  rows.push({ fault: name, acknowledged: ackedIds.size, persisted, delivered: `${Math.min(...deliveredPerClient)}/${ackedIds.size} to each of ${clients.length}`, duplicated, lost, recoveryS: typeof recovery === 'number' ? (recovery / 1000).toFixed(1) : recovery, notes, ok: ok || (Boolean(known) && !STRICT), known });
  console.log(`  ${ok ? 'OK' : known ? `KNOWN ${known}` : 'FAIL'} acked ${ackedIds.size} persisted ${persisted} lost ${lost} duplicated ${duplicated} recovery ${rows.at(-1)!.recoveryS}s`);
  for (const n of notes) console.log(`  · ${n}`);
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 100): Promise<number> {
  const t = Date.now();
  while (Date.now() - t < timeoutMs) {
    if (await cond()) return Date.now() - t;
    await sleep(stepMs);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** A message sent through replica `from` reaches, live, an already connected load client on replica `to`. */
async function crossReplicaProbe(from: Replica, to: Replica, timeoutMs = 1500): Promise<boolean> {
  const receiver = clients.find((c) => c.ws && c.connectedTo === to.url);
  if (!receiver) return false;
  const r = await json(`${from.url}/api/v1/rooms/${roomId}/messages`, 'POST', users[0]!.token, { body: 'probe', clientKey: crypto.randomUUID() }).catch(() => ({ status: 0, body: null }));
  if (r.status !== 201) return false;
  const t = Date.now();
  while (Date.now() - t < timeoutMs) {
    if (receiver.liveSeen.has(r.body.id)) return true;
    await sleep(25);
  }
  return false;
}

/** Can a new WebSocket client authenticate now (by ticket, or by cookie at the upgrade)? */
async function newConnection(url: string, via: 'ticket' | 'cookie'): Promise<string> {
  const { default: WebSocket } = await import('ws');
  let ticket: string | undefined;
  if (via === 'ticket') {
    const t = await json(`${url}/api/v1/realtime/ticket`, 'POST', users[0]!.token, {}).catch(() => ({ status: 0, body: null }));
    if (t.status !== 200) return `ticket request ${t.status}`;
    ticket = t.body.ticket;
  }
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws', via === 'cookie' ? { headers: { cookie: `parley_access=${users[0]!.token}` } } : {});
  try {
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 5000);
      ws.on('error', () => (clearTimeout(timer), resolve('socket error')));
      ws.on('open', () => ticket && ws.send(JSON.stringify({ type: 'auth', id: 'a', ticket })));
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        if (f.type !== 'ready' && f.type !== 'error') return;
        clearTimeout(timer);
        resolve(f.type === 'ready' ? 'ok' : `error ${f.code}/${f.status}`);
      });
      ws.on('close', (code) => (clearTimeout(timer), resolve(`closed ${code}`)));
    });
  } finally {
    ws.terminate();
  }
}

const alive = (r: Replica) => r.child.exitCode === null && r.child.signalCode === null;

async function main(): Promise<void> {
  const t0 = Date.now();
  await startCluster();
  await setupLoad();
  console.log(`cluster: PostgreSQL :${pgInst.port}, Redis :${redis.port}, replicas ${replicas.map((r) => r.url).join(' ')}; ${CLIENTS} clients, one send each per ${INTERVAL_MS} ms`);

  await underLoad('kill -9 of one of two replicas', async (notes) => {
    const victim = replicas[0]!;
    const onVictim = clients.filter((c) => c.connectedTo === victim.url).length;
    const t = Date.now();
    (victim as Replica & { killedOnPurpose?: boolean }).killedOnPurpose = true;
    victim.child.kill('SIGKILL');
    await victim.exited;
    // Clients of the dead replica reconnect to the other and resume with lastSeq.
    await waitFor(() => clients.every((c) => c.ws && c.connectedTo === replicas[1]!.url), 20_000);
    const failover = Date.now() - t;
    notes.push(`${onVictim} clients were on the killed replica; all on the survivor after ${(failover / 1000).toFixed(1)} s`);
    await sleep(2000);
    await restart(0);
    notes.push('killed replica restarted for the next faults');
    return failover;
  });

  await underLoad('rolling SIGTERM restart of both replicas', async (notes) => {
    let worst = 0;
    for (const i of [0, 1]) {
      const r = replicas[i]!;
      const t = Date.now();
      (r as Replica & { killedOnPurpose?: boolean }).killedOnPurpose = true;
      r.child.kill('SIGTERM');
      await r.exited;
      notes.push(`replica ${r.name} drained and exited with ${r.child.exitCode} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      if (r.child.exitCode !== 0) notes.push(`replica ${r.name} EXIT ${r.child.exitCode}; last lines: ${r.log.filter((l) => /grace|error|draining|shutdown/.test(l)).slice(-4).map((l) => l.slice(0, 300)).join(' ⏎ ')} (full log: ${dumpLog(r, 'rolling')})`);
      const other = replicas[1 - i]!;
      const moved = await waitFor(() => clients.every((c) => c.ws && c.connectedTo === other.url), 20_000).catch(() => -1);
      worst = Math.max(worst, moved < 0 ? 20_000 : Date.now() - t);
      await restart(i);
      await waitFor(() => ready(replicas[i]!.url), 20_000);
    }
    return worst;
  }, (notes) => !notes.some((n) => n.includes(' EXIT ')));

  await underLoad('Redis restarted and unavailable 30 s', async (notes) => {
    const [a, b] = replicas as [Replica, Replica];
    // Both replicas need local recipients: send every client back to its preferred replica
    // (after the rolling restart they may all sit on one).
    for (const [i, c] of clients.entries()) {
      c.urls = i % 2 ? [b.url, a.url] : [a.url, b.url];
      if (c.connectedTo !== c.urls[0]) c.ws?.close();
    }
    await waitFor(() => clients.every((c) => c.ws && c.connectedTo === c.urls[0]), 20_000).catch(() => notes.push('clients did not all return to their preferred replica'));
    await sleep(2000);
    const warnBefore = countLog(replicas, /rate limiter unavailable: failing open/);
    redis.kill();
    const downAt = Date.now();
    await sleep(2000);
    notes.push(`during the outage: /health/ready A=${(await ready(a.url)) ? 200 : 503} B=${(await ready(b.url)) ? 200 : 503}`);
    const sameReplica = (await crossReplicaProbe(a, a)) && (await crossReplicaProbe(b, b));
    const cross = await crossReplicaProbe(a, b);
    notes.push(`during the outage: same-replica live delivery ${sameReplica ? 'works' : 'FAILS'}, cross-replica live delivery ${cross ? 'works' : 'does not (recovered by gap fetch)'}`);
    notes.push(`during the outage: a new WebSocket authenticating by ticket → ${await newConnection(a.url, 'ticket')}; by cookie at the upgrade → ${await newConnection(a.url, 'cookie')}`);
    await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
    await redis.start();
    const back = Date.now();
    const recovered = await waitFor(async () => (await ready(a.url)) && (await ready(b.url)) && (await crossReplicaProbe(a, b, 500)), 30_000, 200);
    notes.push(`rate limiter failed open: ${countLog(replicas, /rate limiter unavailable: failing open/) - warnBefore} warning line(s) "rate limiter unavailable: failing open"`);
    notes.push(`fan-out failures logged: ${countLog(replicas, /fan-out publish failed/)} line(s) "fan-out publish failed; clients on other replicas will recover by gap fetch"`);
    void back;
    return recovered;
  }, (notes) => !notes.some((n) => n.includes('same-replica live delivery FAILS')));

  await underLoad('PostgreSQL restarted and unavailable 30 s', async (notes) => {
    const [a, b] = replicas as [Replica, Replica];
    pgInst.stop('fast');
    const downAt = Date.now();
    await sleep(1500);
    const readyDuring = [await ready(a.url), await ready(b.url)];
    notes.push(`during the outage: /health/ready A=${readyDuring[0] ? 200 : 503} B=${readyDuring[1] ? 200 : 503}`);
    const t = Date.now();
    const rest = await json(`${a.url}/api/v1/rooms/${roomId}/messages`, 'POST', users[0]!.token, { body: 'during outage', clientKey: crypto.randomUUID() }).catch((e) => ({ status: 0, body: String(e) }));
    notes.push(`REST send during the outage: ${rest.status} ${rest.body?.code ?? ''} in ${Date.now() - t} ms (retry-after honoured by the load clients' backoff)`);
    await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
    pgInst.start();
    const up = Date.now();
    const recovered = await waitFor(async () => (await ready(a.url)) && (await ready(b.url)), 30_000, 200);
    const firstAck = await waitFor(async () => (await json(`${b.url}/api/v1/rooms/${roomId}/messages`, 'POST', users[1]!.token, { body: 'after outage', clientKey: crypto.randomUUID() }).catch(() => ({ status: 0 }))).status === 201, 30_000, 200);
    notes.push(`ready again ${(recovered / 1000).toFixed(1)} s after PostgreSQL came back; first REST send OK after ${((Date.now() - up) / 1000).toFixed(1)} s; both replicas alive without restart: ${alive(a) && alive(b)}`);
    void firstAck;
    return Date.now() - up;
  }, (notes) => notes.some((n) => /A=503 B=503/.test(n)) && notes.some((n) => /REST send during the outage: 503 unavailable/.test(n)) && notes.some((n) => n.includes('without restart: true')));

  await underLoad('disk full for uploads', async (notes) => {
    const a = replicas[0]!;
    const mount = tinyFilesystem(3 * 1024);
    if (mount) {
      pgInst.psql(`CREATE TABLESPACE tiny LOCATION '${mount}'`);
      pgInst.psql('ALTER TABLE blobs SET TABLESPACE tiny');
      notes.push('simulated with a 3 MiB tmpfs tablespace holding the blobs table (real ENOSPC from PostgreSQL)');
    } else {
      pgInst.psql(`CREATE OR REPLACE FUNCTION parley_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = '53100'; END $$; CREATE TRIGGER parley_disk_full BEFORE INSERT ON blobs FOR EACH ROW EXECUTE FUNCTION parley_disk_full()`);
      notes.push('mount not permitted: simulated with a trigger raising SQLSTATE 53100 disk_full on blob inserts');
    }
    const countsBefore = pgInst.psql('SELECT (SELECT count(*) FROM uploads) || \'/\' || (SELECT count(*) FROM blobs)');
    const statuses = new Map<string, number>();
    let firstFailure: { status: number; body: any } | undefined;
    const stored: string[] = [];
    for (let i = 0; i < 12; i++) {
      const form = new FormData();
      form.append('file', new Blob([randomBytes(512 * 1024)]), `big-${i}.bin`);
      const res = await fetch(`${a.url}/api/v1/rooms/${roomId}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${users[0]!.token}` }, body: form });
      const body: any = await res.json().catch(() => null);
      statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
      if (res.status === 201) stored.push(body.id);
      else firstFailure ??= { status: res.status, body };
    }
    notes.push(`12 × 512 KiB uploads: ${JSON.stringify(Object.fromEntries(statuses))}; first refusal ${firstFailure ? `${firstFailure.status} ${firstFailure.body?.code} "${firstFailure.body?.detail ?? firstFailure.body?.title}"` : 'none'}`);
    const orphans = pgInst.psql('SELECT count(*) FROM uploads u LEFT JOIN blobs b ON b.key = u.storage_key WHERE b.key IS NULL');
    notes.push(`uploads/blobs rows before ${countsBefore}, after ${pgInst.psql("SELECT (SELECT count(*) FROM uploads) || '/' || (SELECT count(*) FROM blobs)")}; uploads without a blob: ${orphans}`);
    // Every stored file is served whole.
    let whole = 0;
    for (const id of stored) {
      const res = await fetch(`${a.url}/api/v1/uploads/${id}`, { headers: { authorization: `Bearer ${users[0]!.token}` } });
      if (res.status === 200 && (await res.arrayBuffer()).byteLength === 512 * 1024) whole++;
    }
    notes.push(`${whole}/${stored.length} stored files served complete`);
    // Space comes back: uploads work again without a restart.
    const t = Date.now();
    if (mount) pgInst.psql('ALTER TABLE blobs SET TABLESPACE pg_default');
    else pgInst.psql('DROP TRIGGER parley_disk_full ON blobs');
    const form = new FormData();
    form.append('file', new Blob(['after']), 'after.txt');
    const after = await fetch(`${a.url}/api/v1/rooms/${roomId}/uploads`, { method: 'POST', headers: { authorization: `Bearer ${users[0]!.token}` }, body: form });
    notes.push(`after freeing space: upload ${after.status}`);
    (globalThis as { diskOk?: boolean }).diskOk = Boolean(firstFailure) && firstFailure!.status < 600 && orphans === '0' && whole === stored.length && after.status === 201;
    return Date.now() - t;
  }, () => Boolean((globalThis as { diskOk?: boolean }).diskOk));

  const composeName = 'compose: docker network disconnect of server-1 from the database network, 30 s';
  const why = COMPOSE ? composeAvailable() : 'not requested (pass --compose; needs Docker and the compose images)';
  if (why || (ONLY && !ONLY.some((o) => 'compose'.includes(o)))) {
    rows.push({ fault: composeName, acknowledged: 0, persisted: 0, delivered: '-', duplicated: 0, lost: 0, recoveryS: '-', notes: [`not run: ${why ?? 'filtered by --only'}`], ok: true });
  } else {
    console.log(`\n▶ ${composeName}`);
    try {
      const r = await runComposeFault();
      const ok = r.lost === 0 && r.duplicated === 0 && r.acknowledged > 0 && r.recoveryMs !== null;
      rows.push({ fault: composeName, acknowledged: r.acknowledged, persisted: r.persisted, delivered: r.delivered, duplicated: r.duplicated, lost: r.lost, recoveryS: r.recoveryMs === null ? '-' : (r.recoveryMs / 1000).toFixed(1), notes: r.notes, ok });
      for (const n of r.notes) console.log(`  · ${n}`);
    } catch (err) {
      rows.push({ fault: composeName, acknowledged: 0, persisted: 0, delivered: '-', duplicated: 0, lost: 0, recoveryS: '-', notes: [`failed: ${(err as Error).message}`], ok: false });
    }
  }

  for (const c of clients) c.close();
  for (const r of replicas) if (alive(r)) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));

  let soakOk = true;
  if (SOAK_S > 0) {
    const budget = Math.floor((deadline - Date.now()) / 1000) - 60;
    const seconds = Math.min(SOAK_S, budget);
    soakOk = await runSoak({ seconds, env, pgUrl: pgInst.url });
  }

  printTable(Date.now() - t0);
  const ok = rows.every((r) => r.ok) && soakOk;
  process.exitCode = ok ? 0 : 1;
}

function printTable(totalMs: number): void {
  const header = ['fault', 'acknowledged', 'persisted', 'delivered (min per client)', 'duplicated after dedupe', 'lost', 'recovery s', 'result'];
  const lines = rows.map((r) => [r.fault, String(r.acknowledged), String(r.persisted), r.delivered, String(r.duplicated), String(r.lost), r.recoveryS, r.notes[0]?.startsWith('not run') ? 'NOT RUN' : r.known ? `KNOWN ${r.known}${STRICT ? ' (FAIL)' : ''}` : r.ok ? 'PASS' : 'FAIL']);
  const md = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
  console.log(`\nResilience summary (${(totalMs / 1000).toFixed(0)} s)\n${md}\n`);
  for (const r of rows) for (const n of r.notes) console.log(`- ${r.fault}: ${n}`);
  const out = process.env.RESILIENCE_REPORT ?? 'test-results/resilience.md';
  try {
    writeFileSync(out, `${md}\n\n${rows.flatMap((r) => r.notes.map((n) => `- ${r.fault}: ${n}`)).join('\n')}\n`);
  } catch {
    /* no test-results directory */
  }
}

const hardStop = setTimeout(() => {
  console.error('resilience suite exceeded 15 minutes');
  void cleanup().then(() => process.exit(1));
}, 15 * 60_000);
hardStop.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().then(() => process.exit(130)));

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    clearTimeout(hardStop);
  });
