#!/usr/bin/env node
// Container smoke test: builds both images from deploy/docker with only the base-image build
// arguments overridden, runs the server image hardened, brings the compose stack up, chats
// across the two server replicas through the web container, restarts the stack, and restores a
// PostgreSQL dump into a fresh volume. Each step prints PASS/FAIL; the last line is
// `N passed, N failed`, and the exit code is non-zero when anything failed.
//
//   eval "$(../shared/container-sandbox/up)"   # CI: Docker engine + stand-in base images
//   node scripts/container-smoke.mjs
//
// Base images come from SANDBOX_NODE_IMAGE / SANDBOX_DISTROLESS_NODE_IMAGE / SANDBOX_NGINX_IMAGE /
// SANDBOX_POSTGRES_IMAGE / SANDBOX_REDIS_IMAGE when set (else the Dockerfiles' and compose
// defaults). SMOKE_KEEP=1 leaves the stacks running for inspection (clean up with `down -v`).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const composeFile = join(root, 'deploy/compose/compose.yaml');
const env = process.env;
const tag = `smoke-${process.pid}`;
// SMOKE_SERVER_IMAGE / SMOKE_WEB_IMAGE (local debugging only): use these images instead of
// building; the build steps are then reported as SKIP and not counted.
const serverImage = env.SMOKE_SERVER_IMAGE || `parley/server:${tag}`;
const webImage = env.SMOKE_WEB_IMAGE || `parley/web:${tag}`;
const project = `parley-smoke-${process.pid}`;
const restoreProject = `${project}-restore`;
const work = mkdtempSync(join(tmpdir(), 'parley-smoke-'));
const secretsDir = join(work, 'secrets');
const started = Date.now();
const results = [];
const cleanups = [];
const soloCleanups = [];
// Every HTTP call has a deadline: a hung request must fail the step, not the whole run.
const rawFetch = globalThis.fetch;
const fetch = (url, init = {}) => rawFetch(url, { signal: AbortSignal.timeout(15_000), ...init });
// Keep the event loop alive while steps await (a step waiting on a socket that Node unrefs
// must not end the process with "unsettled top-level await").
const keepAlive = setInterval(() => {}, 60_000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const elapsed = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

// ---- helpers ---------------------------------------------------------------------------------
/** Runs a command; throws with its output on a non-zero exit unless allowFail. */
function sh(cmd, args, { input, allowFail = false, quiet = true, extraEnv = {}, timeoutMs = 600_000 } = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (!quiet) process.stdout.write(r.stdout + r.stderr);
  if (r.status !== 0 && !allowFail) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${tail}`);
  }
  return r;
}
const docker = (args, opts) => sh('docker', args, opts);

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

function skip(name, why) {
  results.push({ name, ok: true, skipped: true });
  console.log(`SKIP  ${name} (${why})`);
}
async function step(name, fn, { needs = [] } = {}) {
  const missing = needs.filter((n) => !results.find((r) => r.name === n && r.ok));
  if (missing.length) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} (not run: needs ${missing.join(', ')})`);
    return false;
  }
  const t0 = Date.now();
  try {
    const note = await fn();
    results.push({ name, ok: true });
    console.log(`PASS  ${name} (${elapsed(t0)} s)${note ? ` — ${note}` : ''}`);
    return true;
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL  ${name} (${elapsed(t0)} s)`);
    for (const line of String(err?.stack ?? err).split('\n').slice(0, 30)) console.log(`      ${line}`);
    return false;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function waitFor(what, fn, timeoutMs, intervalMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(intervalMs);
  }
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
function imageSize(image) {
  return Number(docker(['image', 'inspect', '-f', '{{.Size}}', image]).stdout.trim());
}

// ---- compose ---------------------------------------------------------------------------------
const baseEnv = {
  PARLEY_SERVER_IMAGE: serverImage,
  PARLEY_WEB_IMAGE: webImage,
  PARLEY_SECRETS_DIR: secretsDir,
  PARLEY_COOKIE_SECURE: 'false',
  ...(env.SANDBOX_POSTGRES_IMAGE ? { POSTGRES_IMAGE: env.SANDBOX_POSTGRES_IMAGE } : {}),
  ...(env.SANDBOX_REDIS_IMAGE ? { REDIS_IMAGE: env.SANDBOX_REDIS_IMAGE } : {}),
  ...(env.SANDBOX_NODE_IMAGE ? { NODE_IMAGE: env.SANDBOX_NODE_IMAGE } : {}),
  ...(env.SANDBOX_DISTROLESS_NODE_IMAGE ? { RUNTIME_IMAGE: env.SANDBOX_DISTROLESS_NODE_IMAGE } : {}),
  ...(env.SANDBOX_NGINX_IMAGE ? { NGINX_IMAGE: env.SANDBOX_NGINX_IMAGE } : {}),
};
function stack(name, port) {
  const extraEnv = { ...baseEnv, PARLEY_HTTP_PORT: String(port), PARLEY_PUBLIC_ORIGIN: `http://localhost:${port}` };
  const prefix = ['compose', '-f', composeFile, '-p', name];
  return {
    name,
    port,
    origin: `http://localhost:${port}`,
    base: `http://127.0.0.1:${port}`,
    extraEnv,
    /** For backup.sh / restore.sh: their COMPOSE command. */
    composeCmd: `docker compose -f ${composeFile} -p ${name}`,
    run: (args, opts = {}) => docker([...prefix, ...args], { ...opts, extraEnv: { ...extraEnv, ...(opts.extraEnv ?? {}) } }),
    logs() {
      return docker([...prefix, 'logs', '--no-color', '--tail', '60'], { extraEnv, allowFail: true }).stdout;
    },
  };
}
function upWait(s) {
  const t0 = Date.now();
  try {
    s.run(['up', '-d', '--wait', '--wait-timeout', '300'], { timeoutMs: 360_000 });
  } catch (err) {
    err.message += `\n--- compose ps ---\n${s.run(['ps', '-a'], { allowFail: true }).stdout}\n--- logs ---\n${s.logs()}`;
    throw err;
  }
  return elapsed(t0);
}

// ---- HTTP/WebSocket client (through the web container) ------------------------------------------
async function api(s, method, path, { token, body, form, expect } = {}) {
  const headers = { origin: s.origin };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(s.base + path, { method, headers, body: payload });
  const text = await res.text();
  if (expect !== undefined && ![expect].flat().includes(res.status)) {
    throw new Error(`${method} ${path} → ${res.status} (expected ${expect}): ${text.slice(0, 400)}`);
  }
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, json: type.includes('json') && text ? JSON.parse(text) : undefined };
}

/** A WebSocket client authenticated with a ticket, collecting frames. */
async function connect(s, token) {
  const { json: t } = await api(s, 'POST', '/api/v1/realtime/ticket', { token, expect: [200, 201] });
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { origin: s.origin });
  const frames = [];
  const waiters = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    frames.push(frame);
    for (const w of [...waiters]) if (w.match(frame)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(frame);
    }
  });
  const closed = new Promise((r) => ws.on('close', (code) => r(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const client = {
    ws,
    frames,
    closed,
    next(match, timeoutMs = 10_000, what = 'frame') {
      const found = frames.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { match, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (waiters.includes(w)) {
            waiters.splice(waiters.indexOf(w), 1);
            reject(new Error(`no ${what} within ${timeoutMs} ms; got: ${JSON.stringify(frames.slice(-5)).slice(0, 600)}`));
          }
        }, timeoutMs);
      });
    },
    send(frame) {
      ws.send(JSON.stringify(frame));
    },
    async close() {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      await Promise.race([closed, sleep(2000)]);
    },
  };
  const hello = await client.next((f) => f.type === 'hello', 10_000, 'hello');
  if (!hello.authenticated) {
    client.send({ type: 'auth', ticket: t.ticket });
  }
  await client.next((f) => f.type === 'ready', 10_000, 'ready');
  return client;
}

/** parley_ws_connections of each replica, read from its metrics port on the edge network. */
async function wsConnectionsPerReplica(s) {
  const out = {};
  for (const svc of ['server-1', 'server-2']) {
    const id = s.run(['ps', '-q', svc]).stdout.trim();
    const nets = JSON.parse(docker(['inspect', '-f', '{{json .NetworkSettings.Networks}}', id]).stdout);
    const edge = Object.entries(nets).find(([k]) => k.endsWith('_edge'));
    assert(edge, `${svc} is not on the edge network`);
    const res = await fetch(`http://${edge[1].IPAddress}:9464/metrics`);
    const text = await res.text();
    const m = /^parley_ws_connections(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(text);
    assert(m, `${svc} /metrics has no parley_ws_connections`);
    out[svc] = Number(m[1]);
  }
  return out;
}

// ---- the run ---------------------------------------------------------------------------------
const state = {};
async function main() {
  console.log(`container smoke test: project ${project}, images ${serverImage} ${webImage}, work dir ${work}`);
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  await step('docker engine and compose available', () => {
    const v = docker(['version', '-f', '{{.Server.Version}}']).stdout.trim();
    const c = docker(['compose', 'version', '--short']).stdout.trim();
    return `engine ${v}, compose ${c}`;
  });

  const buildArgs = (pairs) => pairs.filter(([, v]) => v).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  if (env.SMOKE_SERVER_IMAGE) skip('build server image (deploy/docker/server.Dockerfile)', `using ${serverImage}`);
  else await step(
    'build server image (deploy/docker/server.Dockerfile)',
    () => {
      const t0 = Date.now();
      docker(['build', '-f', 'deploy/docker/server.Dockerfile', '-t', serverImage,
        ...buildArgs([['NODE_IMAGE', env.SANDBOX_NODE_IMAGE], ['RUNTIME_IMAGE', env.SANDBOX_DISTROLESS_NODE_IMAGE]]), '.'], { timeoutMs: 900_000 });
      return `${elapsed(t0)} s, ${mb(imageSize(serverImage))}`;
    },
    { needs: ['docker engine and compose available'] },
  );
  if (!env.SMOKE_SERVER_IMAGE) cleanups.push(() => docker(['image', 'rm', serverImage], { allowFail: true }));
  if (env.SMOKE_WEB_IMAGE) skip('build web image (deploy/docker/web.Dockerfile)', `using ${webImage}`);
  else await step(
    'build web image (deploy/docker/web.Dockerfile)',
    () => {
      const t0 = Date.now();
      const r = docker(['build', '--progress=plain', '-f', 'deploy/docker/web.Dockerfile', '-t', webImage,
        ...buildArgs([['NODE_IMAGE', env.SANDBOX_NODE_IMAGE], ['NGINX_IMAGE', env.SANDBOX_NGINX_IMAGE]]), '.'], { timeoutMs: 900_000 });
      const brotli = /^#\d+ [\d.]+ brotli_static: (enabled|not available)/m.exec(r.stdout + r.stderr)?.[1] ?? 'unchanged (cached layer)';
      return `${elapsed(t0)} s, ${mb(imageSize(webImage))}, brotli_static ${brotli}`;
    },
    { needs: ['docker engine and compose available'] },
  );
  if (!env.SMOKE_WEB_IMAGE) cleanups.push(() => docker(['image', 'rm', webImage], { allowFail: true }));

  const S = 'build server image (deploy/docker/server.Dockerfile)';
  const W = 'build web image (deploy/docker/web.Dockerfile)';

  await step('server image: non-root, no shell, labels, healthcheck', () => {
    const cfg = JSON.parse(docker(['image', 'inspect', '-f', '{{json .Config}}', serverImage]).stdout);
    assert(cfg.User === '65532:65532', `User is ${cfg.User}`);
    assert(cfg.Healthcheck?.Test?.join(' ').includes('healthcheck.js'), 'no node healthcheck');
    for (const k of ['source', 'revision', 'version', 'licenses']) assert(cfg.Labels?.[`org.opencontainers.image.${k}`], `label ${k} missing`);
    const env = Object.fromEntries(cfg.Env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
    assert(env.MALLOC_ARENA_MAX === '2' && env.PORT === '3000' && env.NODE_ENV === 'production', 'env defaults');
    const shell = docker(['run', '--rm', '--entrypoint', '/bin/sh', serverImage, '-c', 'true'], { allowFail: true });
    assert(shell.status !== 0, 'the runtime image has a shell');
    const npm = docker(['run', '--rm', serverImage, '-e', 'require("fs").accessSync("/usr/local/bin/npm")'], { allowFail: true });
    assert(npm.status !== 0, 'the runtime image has npm');
    return 'uid 65532, no /bin/sh, no npm';
  }, { needs: [S] });

  // -- the server image alone, hardened, against a throwaway PostgreSQL ---------------------------
  await step('server image runs --read-only --cap-drop ALL --security-opt no-new-privileges --user 65532 and answers /health/ready', async () => {
    const netName = `${project}-solo`;
    docker(['network', 'create', netName]);
    soloCleanups.push(() => docker(['network', 'rm', netName], { allowFail: true }));
    const pg = `${project}-solo-pg`;
    const pw = randomBytes(12).toString('hex');
    soloCleanups.push(() => docker(['rm', '-f', '-v', pg], { allowFail: true }));
    docker(['run', '-d', '--name', pg, '--network', netName, '--network-alias', 'postgres', '-e', `POSTGRES_PASSWORD=${pw}`,
      '-e', 'POSTGRES_USER=parley', '-e', 'POSTGRES_DB=parley', '--health-interval', '1s', env.SANDBOX_POSTGRES_IMAGE ?? 'postgres:16-bookworm']);
    const solo = join(work, 'solo-secrets');
    sh('sh', [join(root, 'deploy/compose/init-secrets.sh'), solo]);
    writeFileSync(join(solo, 'database_url'), `postgres://parley:${pw}@postgres:5432/parley`, { mode: 0o644 });
    await waitFor('postgres healthy', () => docker(['inspect', '-f', '{{.State.Health.Status}}', pg]).stdout.trim() === 'healthy', 90_000);
    const hardened = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '65532',
      '--tmpfs', '/tmp:rw,noexec,nosuid,size=64m', '--network', netName,
      // one file per mount, as compose does: the directory itself is 0700 and stays unreadable
      '-v', `${join(solo, 'database_url')}:/run/secrets/database_url:ro`, '-v', `${join(solo, 'token_secret')}:/run/secrets/token_secret:ro`,
      '-e', 'DATABASE_URL_FILE=/run/secrets/database_url', '-e', 'TOKEN_SECRET_FILE=/run/secrets/token_secret',
      '-e', 'PUBLIC_ORIGIN=http://localhost:3000'];
    const mig = docker(['run', '--rm', ...hardened, serverImage, 'apps/server/dist/main.js', 'migrate'], { allowFail: true });
    assert(mig.status === 0, `migrate exited ${mig.status}: ${(mig.stdout + mig.stderr).slice(-1500)}`);
    const name = `${project}-solo-server`;
    state.soloServer = name;
    soloCleanups.push(() => docker(['rm', '-f', name], { allowFail: true }));
    docker(['run', '-d', '--name', name, ...hardened, '-p', '127.0.0.1::3000', '--health-interval', '1s', serverImage]);
    const port = docker(['port', name, '3000/tcp']).stdout.trim().split('\n')[0].split(':').pop();
    const t0 = Date.now();
    try {
      await waitFor('/health/ready 200', async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200, 60_000);
    } catch (err) {
      err.message += `\n${docker(['logs', '--tail', '40', name], { allowFail: true }).stderr}`;
      throw err;
    }
    const readyAfter = elapsed(t0);
    await waitFor('docker health status healthy (node healthcheck.js)', () => docker(['inspect', '-f', '{{.State.Health.Status}}', name]).stdout.trim() === 'healthy', 30_000);
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    assert(live.status === 200, `/health/live ${live.status}`);
    return `ready ${readyAfter} s after start; Docker health: healthy`;
  }, { needs: [S] });

  await step('docker stop ends the server gracefully: exit code 0 in under 5 s', () => {
    const name = state.soloServer;
    const t0 = Date.now();
    docker(['stop', '-t', '10', name]);
    const secs = (Date.now() - t0) / 1000;
    const code = docker(['inspect', '-f', '{{.State.ExitCode}}', name]).stdout.trim();
    const logs = docker(['logs', '--tail', '5', name], { allowFail: true });
    assert(code === '0', `exit code ${code}\n${logs.stdout}${logs.stderr}`);
    assert(secs < 5, `docker stop took ${secs.toFixed(1)} s`);
    return `stopped in ${secs.toFixed(1)} s, exit 0`;
  }, { needs: ['server image runs --read-only --cap-drop ALL --security-opt no-new-privileges --user 65532 and answers /health/ready'] });
  for (const c of soloCleanups.reverse()) c(); // the solo containers and network: not needed any more
  soloCleanups.length = 0;

  // -- the compose stack ------------------------------------------------------------------------
  const main = stack(project, await freePort());
  sh('sh', [join(root, 'deploy/compose/init-secrets.sh'), secretsDir]);
  cleanups.push(() => env.SMOKE_KEEP || main.run(['--profile', 'monitoring', 'down', '-v', '--remove-orphans', '-t', '5'], { allowFail: true }));

  await step('docker compose up --wait: whole stack healthy (web, server-1, server-2, migrate, postgres, redis)', () => {
    const secs = upWait(main);
    const ps = main.run(['ps', '-a', '--format', 'json']).stdout.trim();
    const rows = ps.startsWith('[') ? JSON.parse(ps) : ps.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const by = Object.fromEntries(rows.map((r) => [r.Service, r]));
    for (const svc of ['web', 'server-1', 'server-2', 'postgres', 'redis']) {
      assert(by[svc]?.State === 'running' && (by[svc]?.Health ?? '') === 'healthy', `${svc}: ${by[svc]?.State}/${by[svc]?.Health}`);
    }
    assert(by.migrate?.State === 'exited' && by.migrate?.ExitCode === 0, `migrate: ${by.migrate?.State} exit ${by.migrate?.ExitCode}`);
    return `healthy after ${secs} s; migrate exited 0`;
  }, { needs: [S, W] });
  const UP = 'docker compose up --wait: whole stack healthy (web, server-1, server-2, migrate, postgres, redis)';

  await step('web container: SPA, security headers, /nginx-health, proxied /health/ready and /api/v1/config', async () => {
    const index = await fetch(main.base + '/');
    const html = await index.text();
    assert(index.status === 200 && /<div id="root"|<script/.test(html), `GET / → ${index.status}`);
    assert(index.headers.get('cache-control') === 'no-cache', 'index cache-control');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert(/script-src 'self'(;|$)/.test(csp) && csp.includes("frame-ancestors 'none'"), `CSP: ${csp}`);
    assert(index.headers.get('x-content-type-options') === 'nosniff', 'nosniff');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert(asset, 'index.html references no /assets/*.js');
    const a = await fetch(main.base + asset, { headers: { 'accept-encoding': 'gzip' } });
    assert(a.status === 200 && a.headers.get('cache-control')?.includes('immutable'), `asset ${asset}: ${a.status} ${a.headers.get('cache-control')}`);
    const fallback = await fetch(main.base + '/rooms/does-not-exist');
    assert(fallback.status === 200, `SPA fallback ${fallback.status}`);
    assert((await fetch(main.base + '/nginx-health')).status === 200, '/nginx-health');
    assert((await fetch(main.base + '/health/ready')).status === 200, '/health/ready via web');
    const cfg = await api(main, 'GET', '/api/v1/config', { expect: 200 });
    assert(cfg.json?.version, 'config has no version');
    return `asset ${asset} immutable, gzip: ${a.headers.get('content-encoding') ?? 'none'}`;
  }, { needs: [UP] });

  const stamp = Date.now().toString(36);
  const password = `smoke-${randomBytes(9).toString('hex')}`;
  await step('register two users and create a shared room through the web port', async () => {
    const reg = async (name) => {
      const r = await api(main, 'POST', '/api/v1/auth/register', { body: { username: `${name}_${stamp}`, password, displayName: name }, expect: 201 });
      assert(r.json.accessToken && r.json.user?.id, 'no token/user');
      assert((r.headers.get('set-cookie') ?? '').includes('parley_access'), 'no session cookie');
      return r.json;
    };
    state.alice = await reg('alice');
    state.bob = await reg('bob');
    const room = await api(main, 'POST', '/api/v1/rooms', { token: state.alice.accessToken, body: { kind: 'public', name: `smoke ${stamp}` }, expect: 201 });
    state.room = room.json;
    await api(main, 'POST', `/api/v1/rooms/${state.room.id}/join`, { token: state.bob.accessToken, expect: [200, 201] });
    const members = await api(main, 'GET', `/api/v1/rooms/${state.room.id}/members`, { token: state.alice.accessToken, expect: 200 });
    assert(members.json.items.length === 2, `members: ${members.json.items.length}`);
    return `room ${state.room.id}`;
  }, { needs: [UP] });
  const REG = 'register two users and create a shared room through the web port';

  await step('upload a file and download it back (as the other member)', async () => {
    const content = `parley smoke upload ${stamp}\n`.repeat(64);
    state.uploadContent = content;
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'text/plain' }), 'smoke.txt');
    const up = await api(main, 'POST', `/api/v1/rooms/${state.room.id}/uploads`, { token: state.alice.accessToken, form, expect: 201 });
    state.upload = up.json;
    assert(up.json.size === Buffer.byteLength(content), `size ${up.json.size}`);
    const res = await fetch(main.base + up.json.url, { headers: { authorization: `Bearer ${state.bob.accessToken}` } });
    assert(res.status === 200, `download ${res.status}`);
    assert((await res.text()) === content, 'downloaded bytes differ');
    return `${up.json.size} bytes, ${up.json.contentType}`;
  }, { needs: [REG] });

  await step('chat over /ws across server-1 and server-2 (fan-out through Redis)', async () => {
    const alice = await connect(main, state.alice.accessToken);
    cleanups.push(() => alice.close());
    let bob;
    let split;
    // nginx balances connections round-robin over both replicas; make sure the two users sit on
    // different ones (each replica's parley_ws_connections gauge says where they are).
    for (let attempt = 0; attempt < 8; attempt++) {
      bob = await connect(main, state.bob.accessToken);
      split = await waitFor('gauges to settle', async () => {
        const g = await wsConnectionsPerReplica(main);
        return g['server-1'] + g['server-2'] === 2 ? g : undefined;
      }, 5_000, 200);
      if (split['server-1'] === 1 && split['server-2'] === 1) break;
      await bob.close();
      bob = undefined;
      await sleep(300);
    }
    assert(bob, `could not place the two clients on different replicas: ${JSON.stringify(split)}`);
    cleanups.push(() => bob.close());
    for (const [c, id] of [[alice, 'sa'], [bob, 'sb']]) {
      c.send({ type: 'subscribe', id, rooms: [{ roomId: state.room.id }] });
      await c.next((f) => (f.type === 'ack' && f.id === id) || f.type === 'subscribed', 10_000, 'subscribe ack');
    }
    // alice → bob over the WebSocket, with the uploaded file attached
    const body1 = `hello from alice ${stamp}`;
    alice.send({ type: 'message.send', id: 'm1', roomId: state.room.id, clientKey: randomUUID(), body: body1, attachmentIds: [state.upload.id] });
    const ack = await alice.next((f) => f.id === 'm1' && (f.type === 'ack' || f.type === 'error'), 10_000, 'send ack');
    assert(ack.type === 'ack', `send failed: ${JSON.stringify(ack)}`);
    const got = await bob.next((f) => f.type === 'message.created' && f.message?.body === body1, 10_000, 'message.created at bob');
    assert(got.message.attachments?.[0]?.id === state.upload.id, 'attachment missing on the delivered message');
    // bob → alice over REST (the other replica commits, alice's replica delivers)
    const body2 = `reply from bob ${stamp}`;
    await api(main, 'POST', `/api/v1/rooms/${state.room.id}/messages`, { token: state.bob.accessToken, body: { body: body2, clientKey: randomUUID() }, expect: [200, 201] });
    await alice.next((f) => f.type === 'message.created' && f.message?.body === body2, 10_000, 'message.created at alice');
    state.bodies = [body1, body2];
    await alice.close();
    await bob.close();
    return `alice and bob on different replicas ${JSON.stringify(split)}; both directions delivered`;
  }, { needs: [REG, 'upload a file and download it back (as the other member)'] });
  const CHAT = 'chat over /ws across server-1 and server-2 (fan-out through Redis)';

  await step('docker compose stop of a replica: its WebSocket clients get close 1012, it exits 0, the other replica serves on', async () => {
    const client = await connect(main, state.alice.accessToken);
    cleanups.push(() => client.close());
    const g = await waitFor('gauge', async () => {
      const x = await wsConnectionsPerReplica(main);
      return x['server-1'] + x['server-2'] === 1 ? x : undefined;
    }, 5_000, 200);
    const victim = g['server-1'] === 1 ? 'server-1' : 'server-2';
    const id = main.run(['ps', '-q', victim]).stdout.trim();
    const t0 = Date.now();
    const closeCode = Promise.race([client.closed, sleep(15_000).then(() => 'no close within 15 s')]);
    main.run(['stop', '-t', '20', victim], { timeoutMs: 60_000 });
    const secs = elapsed(t0);
    const code = await closeCode;
    const exit = docker(['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim();
    assert(code === 1012, `client close code ${code}`);
    assert(exit === '0', `${victim} exited ${exit}`);
    // the survivor keeps serving through nginx (passive failover for new requests)
    for (let i = 0; i < 4; i++) await api(main, 'GET', `/api/v1/rooms/${state.room.id}/messages?limit=5`, { token: state.alice.accessToken, expect: 200 });
    main.run(['up', '-d', '--wait', '--wait-timeout', '120', '--no-deps', victim], { timeoutMs: 180_000 });
    return `${victim} stopped in ${secs} s (exit 0), client got 1012; restarted healthy`;
  }, { needs: [CHAT] });

  if (env.SANDBOX_PROMETHEUS_IMAGE || env.PROMETHEUS_IMAGE) {
    await step('monitoring profile: Prometheus loads the project rules and scrapes server-1 and server-2', async () => {
      const promPort = await freePort();
      const extraEnv = { PROMETHEUS_IMAGE: env.SANDBOX_PROMETHEUS_IMAGE ?? env.PROMETHEUS_IMAGE, PROMETHEUS_PORT: String(promPort) };
      try {
        main.run(['--profile', 'monitoring', 'up', '-d', '--wait', '--wait-timeout', '120', '--no-deps', 'prometheus'], { extraEnv, timeoutMs: 180_000 });
      } catch (err) {
        err.message += `\n${main.run(['--profile', 'monitoring', 'logs', '--tail', '30', 'prometheus'], { extraEnv, allowFail: true }).stdout}`;
        throw err;
      }
      const prom = `http://127.0.0.1:${promPort}`;
      const targets = await waitFor('both server targets up', async () => {
        const t = await (await fetch(`${prom}/api/v1/targets?state=active`)).json();
        const servers = t.data.activeTargets.filter((x) => x.labels.job === 'parley-server');
        return servers.length === 2 && servers.every((x) => x.health === 'up') ? servers : undefined;
      }, 60_000, 1000);
      const rules = await (await fetch(`${prom}/api/v1/rules`)).json();
      const groups = rules.data.groups.length;
      assert(groups > 0, 'no rule groups loaded');
      main.run(['--profile', 'monitoring', 'rm', '-s', '-f', 'prometheus'], { extraEnv, allowFail: true });
      return `targets ${targets.map((x) => x.labels.instance).sort().join(', ')} up; ${groups} rule groups (Grafana: no stand-in image, not started)`;
    }, { needs: [UP] });
  } else {
    console.log('      (monitoring profile not checked: no SANDBOX_PROMETHEUS_IMAGE/PROMETHEUS_IMAGE)');
  }

  const checkData = async (s, what) => {
    const login = await api(s, 'POST', '/api/v1/auth/login', { body: { username: state.alice.user.username, password }, expect: 200 });
    const page = await api(s, 'GET', `/api/v1/rooms/${state.room.id}/messages?limit=50`, { token: login.json.accessToken, expect: 200 });
    const bodies = page.json.items.map((m) => m.body);
    for (const b of state.bodies) assert(bodies.includes(b), `${what}: message "${b}" missing (have ${JSON.stringify(bodies)})`);
    const withFile = page.json.items.find((m) => m.attachments?.length);
    assert(withFile, `${what}: attachment missing`);
    const file = await fetch(s.base + withFile.attachments[0].url, { headers: { authorization: `Bearer ${login.json.accessToken}` } });
    assert(file.status === 200 && (await file.text()) === state.uploadContent, `${what}: upload content differs (${file.status})`);
    return page.json.items.length;
  };

  await step('docker compose down, then up: users, messages and the upload are still there', async () => {
    main.run(['down', '-t', '10'], { timeoutMs: 120_000 });
    const secs = upWait(main);
    const n = await checkData(main, 'after restart');
    return `back up in ${secs} s, ${n} messages`;
  }, { needs: [CHAT] });

  const dump = join(work, 'parley.dump');
  await step('pg_dump backup (deploy/compose/backup.sh)', () => {
    sh('sh', [join(root, 'deploy/compose/backup.sh'), dump], { extraEnv: { ...main.extraEnv, COMPOSE: main.composeCmd } });
    const size = statSync(dump).size;
    assert(readFileSync(dump).subarray(0, 5).toString() === 'PGDMP', 'not a custom-format dump');
    return `${size} bytes`;
  }, { needs: [CHAT] });

  // -- restore into a fresh stack with fresh volumes ---------------------------------------------------
  if (!env.SMOKE_KEEP) main.run(['--profile', 'monitoring', 'down', '-v', '-t', '10'], { allowFail: true, timeoutMs: 120_000 });
  const restored = stack(restoreProject, await freePort());
  cleanups.push(() => env.SMOKE_KEEP || restored.run(['down', '-v', '--remove-orphans', '-t', '5'], { allowFail: true }));
  await step('restore the dump into a fresh volume (deploy/compose/restore.sh): messages and upload present', async () => {
    const vols = docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${restoreProject}`]).stdout.trim();
    assert(vols === '', `restore project already has volumes: ${vols}`);
    try {
      sh('sh', [join(root, 'deploy/compose/restore.sh'), dump], { extraEnv: { ...restored.extraEnv, COMPOSE: restored.composeCmd }, timeoutMs: 600_000 });
    } catch (err) {
      err.message += `\n${restored.logs()}`;
      throw err;
    }
    const count = restored.run(['exec', '-T', 'postgres', 'psql', '-U', 'parley', '-d', 'parley', '-tAc', 'SELECT count(*) FROM messages']).stdout.trim();
    assert(Number(count) >= 2, `messages table has ${count} rows`);
    const n = await checkData(restored, 'after restore');
    return `${count} rows in messages; API serves ${n} messages and the upload`;
  }, { needs: ['pg_dump backup (deploy/compose/backup.sh)'] });
}

let exitCode = 1;
try {
  await main();
} catch (err) {
  results.push({ name: 'smoke test harness', ok: false });
  console.log(`FAIL  smoke test harness: ${err?.stack ?? err}`);
} finally {
  for (const c of [...soloCleanups.reverse(), ...cleanups.reverse()]) {
    try {
      await c();
    } catch {
      /* best effort */
    }
  }
  const counted = results.filter((r) => !r.skipped);
  const passed = counted.filter((r) => r.ok).length;
  const failed = counted.length - passed;
  console.log(`total ${elapsed(started)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  exitCode = failed > 0 ? 1 : 0;
  clearInterval(keepAlive);
}
process.exit(exitCode);
