// The web image's nginx configuration, run for real with Debian's nginx on loopback (no Docker):
// `nginx -t`, then a live instance in front of a tiny Node upstream, checking caching, SPA
// fallback, precompression, proxying (HTTP and WebSocket) and the security headers on every
// kind of response.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { skipWithout } from '../support/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const conf = (name: string) => readFileSync(join(root, 'deploy/docker/nginx', name), 'utf8');
const skip = skipWithout('nginx');

/** Replaces `from` (which must occur) with `to`: the test config is the real one with only these edits. */
function edit(text: string, from: string | RegExp, to: string): string {
  if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) throw new Error(`config no longer contains ${from}`);
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Lays out /etc/nginx as the web image does, under a temp prefix, pointed at the given ports. */
function layout(dir: string, nginxPort: number, upstreamPort: number) {
  const html = join(dir, 'html');
  const tmp = join(dir, 'tmp');
  for (const d of ['conf.d', 'snippets', 'html/assets', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  let main = conf('nginx.conf');
  main = edit(main, 'pid               /tmp/nginx.pid;', `pid ${tmp}/nginx.pid;`);
  main = edit(main, /\/tmp\/(client|proxy|fastcgi|uwsgi|scgi)_temp/g, `${tmp}/$1_temp`);
  main = edit(main, 'error_log         /dev/stderr notice;', `error_log ${dir}/error.log notice;`);
  main = edit(main, 'access_log  /dev/stdout  parley_json;', `access_log ${dir}/access.log parley_json;`);
  writeFileSync(join(dir, 'nginx.conf'), main);
  copyFileSync('/etc/nginx/mime.types', join(dir, 'mime.types'));
  let site = conf('default.conf');
  site = edit(site, 'listen       8080 default_server;', `listen 127.0.0.1:${nginxPort} default_server;`);
  site = edit(site, 'root   /usr/share/parley/web;', `root ${html};`);
  writeFileSync(join(dir, 'conf.d/default.conf'), site);
  writeFileSync(join(dir, 'conf.d/00-upstream.conf'), edit(conf('upstream.conf'), 'server server:3000', `server 127.0.0.1:${upstreamPort}`));
  writeFileSync(join(dir, 'snippets/parley-security-headers.conf'), conf('security-headers.conf'));
  writeFileSync(join(dir, 'snippets/parley-proxy.conf'), conf('proxy.conf'));
  // Debian's nginx has no brotli module: the image build installs this stub in that case.
  writeFileSync(join(dir, 'snippets/parley-brotli.conf'), '# brotli_static unavailable\n');
  // A built SPA: index.html, a hashed asset with its precompressed .gz, a root file.
  writeFileSync(join(html, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>\n');
  const js = 'console.log("parley");\n'.repeat(200);
  writeFileSync(join(html, 'assets/index-AbC123.js'), js);
  writeFileSync(join(html, 'assets/index-AbC123.js.gz'), gzipSync(js));
  writeFileSync(join(html, 'robots.txt'), 'User-agent: *\nDisallow: /api/\n');
  // nginx's workers run as `nobody` when started by root: the tree must be world-readable.
  for (const d of [dir, html, join(html, 'assets')]) chmodSync(d, 0o755);
  return { html, js };
}

interface Res { status: number; headers: Record<string, string[]>; body: Buffer }
function request(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) (headers[res.rawHeaders[i]!.toLowerCase()] ??= []).push(res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
const one = (res: Res, name: string) => {
  const v = res.headers[name.toLowerCase()];
  expect(v, `${name} present exactly once`).toHaveLength(1);
  return v![0]!;
};

/** The headers every response must carry, exactly once each. */
function expectSecurityHeaders(res: Res, opts: { csp?: 'spa' | 'upstream'; hsts?: boolean } = {}) {
  expect(one(res, 'X-Content-Type-Options')).toBe('nosniff');
  expect(one(res, 'X-Frame-Options')).toBe('DENY');
  expect(one(res, 'Referrer-Policy')).toBe('strict-origin-when-cross-origin');
  expect(one(res, 'Permissions-Policy')).toMatch(/camera=\(\).*microphone=\(\)/);
  expect(one(res, 'Cross-Origin-Opener-Policy')).toBe('same-origin');
  const csp = one(res, 'Content-Security-Policy');
  if ((opts.csp ?? 'spa') === 'spa') {
    const scriptSrc = /(?:^|;\s*)script-src ([^;]*)/.exec(csp)?.[1];
    expect(scriptSrc).toBe("'self'");
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).not.toMatch(/unsafe-eval/);
  } else {
    expect(csp).toBe(UPSTREAM_CSP);
  }
  if (opts.hsts) expect(one(res, 'Strict-Transport-Security')).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
  else expect(res.headers['strict-transport-security']).toBeUndefined();
  expect(res.headers['server']?.[0] ?? '').not.toMatch(/\d/); // server_tokens off
}

const UPSTREAM_CSP = "default-src 'none'; sandbox";

describe.skipIf(skip)('web nginx configuration', () => {
  let dir = '';
  let nginxPort = 0;
  let nginx: ChildProcess | undefined;
  let upstream: http.Server;
  let wss: WebSocketServer;
  let html: { js: string };
  const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
    upstream = http.createServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      // Like the real server (helmet), the upstream sends its own copies of some headers.
      res.setHeader('X-Frame-Options', 'SAMEORIGIN');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Powered-By', 'test');
      if (req.url === '/api/v1/config') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"test"}');
      } else if (req.url === '/api/v1/uploads/1') {
        res.writeHead(200, { 'content-type': 'image/svg+xml', 'content-security-policy': UPSTREAM_CSP }).end('<svg xmlns="http://www.w3.org/2000/svg"/>');
      } else if (req.url === '/api/v1/boom') {
        res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"status":500,"code":"internal"}');
      } else if (req.url === '/api/v1/crash') {
        req.socket.destroy();
      } else if (req.url === '/api/v1/echo' && req.method === 'POST') {
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: n })));
      } else if (req.url?.startsWith('/health/ready')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url?.startsWith('/docs')) {
        res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': UPSTREAM_CSP }).end('<html>docs</html>');
      } else {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      }
    });
    wss = new WebSocketServer({ server: upstream, path: '/ws' });
    wss.on('connection', (ws, req) => {
      seen.push({ url: 'ws:' + req.url, headers: req.headers });
      ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    nginxPort = await freePort();
    html = layout(dir, nginxPort, (upstream.address() as AddressInfo).port);
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr!.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const r = await request(nginxPort, '/nginx-health');
        if (r.status === 200) break;
      } catch {
        /* not up yet */
      }
      if (nginx.exitCode !== null || Date.now() > deadline) {
        const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
        throw new Error(`nginx did not start: ${stderr}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    wss?.close();
    await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers the image health probe down both of its paths (wget as on Alpine, bash as on Debian), and fails when nginx does not answer', async () => {
    const script = join(root, 'deploy/docker/nginx/healthcheck.sh');
    // A PATH without wget, as in a Debian-based nginx image: the probe falls back to bash.
    const bashOnly = mkdtempSync(join(tmpdir(), 'parley-probe-'));
    for (const tool of ['bash', 'head', 'grep']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bashOnly, tool));
    const probe = (port: number, path: string) => spawnSync('/bin/sh', [script], { env: { PATH: path, PARLEY_WEB_HEALTH_PORT: String(port) }, timeout: 10_000 }).status;
    const closed = await freePort();
    try {
      expect(execFileSync('sh', ['-c', 'command -v wget'], { encoding: 'utf8' }).trim()).not.toBe(''); // the wget path is really taken
      expect(probe(nginxPort, process.env.PATH ?? '/usr/bin:/bin')).toBe(0);
      expect(probe(nginxPort, bashOnly)).toBe(0);
      expect(probe(closed, process.env.PATH ?? '/usr/bin:/bin')).not.toBe(0);
      expect(probe(closed, bashOnly)).not.toBe(0);
    } finally {
      rmSync(bashOnly, { recursive: true, force: true });
    }
  });

  it('passes nginx -t (real files, upstream pointed at loopback)', () => {
    const out = execFileSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  });

  it('serves the app shell with no-cache and the SPA policy', async () => {
    for (const path of ['/', '/index.html']) {
      const res = await request(nginxPort, path);
      expect(res.status, path).toBe(200);
      expect(res.body.toString()).toContain('<div id="root">');
      expect(one(res, 'Cache-Control')).toBe('no-cache');
      expectSecurityHeaders(res);
    }
  });

  it('falls back to index.html for client-side routes (SPA fallback)', async () => {
    const res = await request(nginxPort, '/rooms/7f3c/threads/1');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('<div id="root">');
    expect(one(res, 'Cache-Control')).toBe('no-cache');
    expectSecurityHeaders(res);
  });

  it('serves hashed assets immutable for a year, precompressed gzip when accepted', async () => {
    const plain = await request(nginxPort, '/assets/index-AbC123.js');
    expect(plain.status).toBe(200);
    expect(plain.body.toString()).toBe(html.js);
    expect(one(plain, 'Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(one(plain, 'Content-Type')).toMatch(/javascript/);
    expectSecurityHeaders(plain);
    const gz = await request(nginxPort, '/assets/index-AbC123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(one(gz, 'Content-Encoding')).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(html.js);
    expect(one(gz, 'Vary')).toBe('Accept-Encoding');
    expect(one(gz, 'Cache-Control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(gz);
  });

  it('answers a missing hashed asset with a real 404 (no HTML fallback), headers included', async () => {
    const res = await request(nginxPort, '/assets/index-Gone99.js');
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('<div id="root">');
    expectSecurityHeaders(res);
  });

  it('serves other root files revalidated', async () => {
    const res = await request(nginxPort, '/robots.txt');
    expect(res.status).toBe(200);
    expect(one(res, 'Cache-Control')).toBe('no-cache');
    expectSecurityHeaders(res);
  });

  it('proxies /api with forwarding headers, replacing the upstream copies of the security headers', async () => {
    const res = await request(nginxPort, '/api/v1/config', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ version: 'test' });
    expectSecurityHeaders(res);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const got = seen.findLast((s) => s.url === '/api/v1/config')!;
    expect(got.headers['x-forwarded-proto']).toBe('http');
    expect(got.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(got.headers['x-real-ip']).toBe('127.0.0.1');
    expect(got.headers['host']).toBe('127.0.0.1'); // $host: the name without the port
    expect(got.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it("passes the upstream's own Content-Security-Policy through (uploads, docs) instead of the SPA one", async () => {
    for (const path of ['/api/v1/uploads/1', '/docs']) {
      const res = await request(nginxPort, path);
      expect(res.status, path).toBe(200);
      expectSecurityHeaders(res, { csp: 'upstream' });
    }
  });

  it('keeps the headers on upstream errors and on errors nginx generates (502)', async () => {
    const boom = await request(nginxPort, '/api/v1/boom');
    expect(boom.status).toBe(500);
    expect(one(boom, 'Content-Type')).toBe('application/problem+json');
    expectSecurityHeaders(boom);
    const crash = await request(nginxPort, '/api/v1/crash');
    expect(crash.status).toBe(502);
    expectSecurityHeaders(crash);
  });

  it('proxies uploads up to the body limit and rejects larger ones with 413 (headers included)', async () => {
    const ok = await request(nginxPort, '/api/v1/echo', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x'.repeat(1024 * 1024) });
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body.toString())).toEqual({ bytes: 1024 * 1024 });
    const big = await request(nginxPort, '/api/v1/echo', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'x'.repeat(12 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expectSecurityHeaders(big);
  });

  it('sends HSTS only when the request arrived over TLS (X-Forwarded-Proto: https)', async () => {
    const res = await request(nginxPort, '/', { headers: { 'x-forwarded-proto': 'https' } });
    expectSecurityHeaders(res, { hsts: true });
    const api = await request(nginxPort, '/api/v1/config', { headers: { 'x-forwarded-proto': 'https' } });
    expectSecurityHeaders(api, { hsts: true });
    expect(seen.findLast((s) => s.url === '/api/v1/config')!.headers['x-forwarded-proto']).toBe('https');
  });

  it('proxies /health to the server and answers /nginx-health itself', async () => {
    const ready = await request(nginxPort, '/health/ready');
    expect(ready.status).toBe(200);
    expectSecurityHeaders(ready);
    const own = await request(nginxPort, '/nginx-health');
    expect(own.status).toBe(200);
    expect(own.body.toString()).toBe('ok\n');
    expectSecurityHeaders(own);
  });

  it('proxies /ws as a WebSocket (Upgrade handled) and relays frames both ways', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${nginxPort}/ws`);
    let upgradeHeaders: http.IncomingHttpHeaders = {};
    ws.once('upgrade', (res) => (upgradeHeaders = res.headers));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(upgradeHeaders['content-security-policy']).toBeDefined();
    expect(upgradeHeaders['x-content-type-options']).toBe('nosniff');
    const reply = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('hello');
    expect(await reply).toBe('echo:hello');
    const got = seen.findLast((s) => s.url === 'ws:/ws')!;
    expect(got.headers['upgrade']).toBe('websocket');
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    ws.close();
    await new Promise((r) => ws.once('close', r));
  });

  it('writes one JSON access-log line per request, with the upstream address', async () => {
    await request(nginxPort, '/api/v1/config');
    // nginx writes the access log synchronously at request end.
    const lines = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.findLast((l) => l.uri === '/api/v1/config')!;
    expect(last.status).toBe(200);
    expect(String(last.upstream)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(lines.some((l) => l.uri === '/nginx-health')).toBe(false);
  });
});

describe('web nginx configuration (static rules)', () => {
  const site = conf('default.conf');
  const locations = [...site.matchAll(/^\s*location\s+([^{]+)\{([\s\S]*?)^\s{4}\}/gm)].map((m) => ({ name: m[1]!.trim(), body: m[2]! }));

  it('includes the security headers snippet in every location (nginx drops inherited add_header)', () => {
    expect(locations.length).toBeGreaterThanOrEqual(7);
    for (const loc of locations) expect(loc.body, `location ${loc.name}`).toContain('include snippets/parley-security-headers.conf;');
    // and nowhere is a security header added outside the snippet
    expect(site).not.toMatch(/add_header\s+(Content-Security-Policy|X-Frame-Options|Strict-Transport-Security)/);
  });

  it('gives /ws the Upgrade headers and hour-long timeouts, and every proxied location the shared proxy settings', () => {
    const ws = locations.find((l) => l.name === '= /ws')!.body;
    expect(ws).toMatch(/proxy_set_header Upgrade\s+\$http_upgrade;/);
    expect(ws).toMatch(/proxy_set_header Connection \$parley_connection_upgrade;/);
    expect(ws).toMatch(/proxy_read_timeout 3600s;/);
    expect(ws).toMatch(/proxy_send_timeout 3600s;/);
    for (const loc of locations.filter((l) => l.body.includes('proxy_pass'))) {
      expect(loc.body, loc.name).toContain('include snippets/parley-proxy.conf;');
      expect(loc.body, loc.name).toMatch(/proxy_pass http:\/\/parley_server;/);
    }
    expect(locations.filter((l) => l.body.includes('proxy_pass')).map((l) => l.name).sort()).toEqual(['/api/', '/docs', '/health/', '= /ws']);
  });

  it('keeps the runtime writable paths in /tmp (read-only root filesystem)', () => {
    const main = conf('nginx.conf');
    expect(main).toMatch(/^pid\s+\/tmp\/nginx\.pid;/m);
    for (const m of main.matchAll(/(\w+_temp_path)\s+(\S+);/g)) expect(m[2], m[1]).toMatch(/^\/tmp\//);
  });
});
