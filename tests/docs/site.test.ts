/**
 * The documentation site builds offline with no warnings, and every internal link and anchor in
 * docs/ and the root *.md files resolves.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import * as L from './lib.ts';

/** Link targets the build writes (not files in the repository). */
const GENERATED: Record<string, string> = {
  '/api-reference.html': 'Redoc page written by docs/.vitepress/build.mjs',
};

const pages = L.markdownPages().map((p) => ({ path: p, md: readFileSync(p, 'utf8') }));

describe('links', () => {
  const all = pages.flatMap((p) => L.links(p.path, p.md).map((l) => ({ ...l, md: p.md })));

  it('finds links to check', () => expect(all.length).toBeGreaterThan(50));

  it('every internal link points at a file that exists', () => {
    const broken = all
      .filter((l) => !L.isExternal(l.target) && !(l.target.split('#')[0]! in GENERATED))
      .filter((l) => !L.resolveLink(l.page, l.target).file)
      .map((l) => `${L.rel(l.page)}:${l.line} → ${l.target}`);
    expect(broken).toEqual([]);
  });

  it('every anchor exists on the page it points at', () => {
    const broken: string[] = [];
    for (const l of all) {
      if (L.isExternal(l.target) || !l.target.includes('#')) continue;
      const { file, hash } = L.resolveLink(l.page, l.target);
      if (!file || !file.endsWith('.md') || !hash) continue;
      if (!L.anchors(readFileSync(file, 'utf8')).has(decodeURIComponent(hash))) broken.push(`${L.rel(l.page)}:${l.line} → ${l.target}`);
    }
    expect(broken).toEqual([]);
  });

  it('the anchor computation matches VitePress on examples', () => {
    const a = L.anchors('# Backups and disaster recovery\n## RPO / RTO\n## Step 1: `migrate`\n## Step 1: `migrate`\n### Custom {#my-id}\n');
    expect([...a]).toEqual(['backups-and-disaster-recovery', 'rpo-rto', 'step-1-migrate', 'step-1-migrate-1', 'my-id']);
  });
});

describe('screenshots', () => {
  // Screenshot file names the e2e run writes: join(IMAGES, '<name>') or a template with ${…} parts.
  const e2eDir = join(L.ROOT, 'tests/e2e');
  const written = readdirSync(e2eDir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(e2eDir, f), 'utf8').matchAll(/screenshot\(\{\s*path:\s*join\(IMAGES,\s*(['`])([^'`]+)\1\)/g)])
    .map((m) => new RegExp(`^${m[2]!.replace(/[.]/g, '\\.').replace(/\$\{[^}]+\}/g, '[a-z0-9-]+')}$`));

  const guide = pages.filter((p) => L.rel(p.path).startsWith('docs/user-guide/'));
  const images = guide.flatMap((p) => L.links(p.path, p.md).filter((l) => l.image));

  it('the user guide shows screenshots', () => {
    expect(written.length).toBeGreaterThan(3);
    expect(images.length).toBeGreaterThan(5);
  });

  it('every image in the user guide is in docs/images and is written by the e2e run', () => {
    const bad = images
      .map((l) => ({ l, file: L.resolveLink(l.page, l.target).file }))
      .filter(({ file }) => !file || !file.startsWith(join(L.DOCS, 'images') + '/') || !written.some((re) => re.test(file.split('/').pop()!)))
      .map(({ l }) => `${L.rel(l.page)}:${l.line} → ${l.target}`);
    expect(bad).toEqual([]);
  });
});

describe('site build', () => {
  it('npm run docs:build succeeds with no warnings and writes the pages, the search index and the API reference', () => {
    const r = spawnSync(process.execPath, ['docs/.vitepress/build.mjs'], {
      cwd: L.ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 110_000,
    });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output).toBe(0);
    // VitePress prints dead links, unknown languages and Vue/Vite problems as warnings or errors.
    const warnings = output
      .split('\n')
      .filter((l) => /warn|dead link|not loaded|falling back|error|deprecat|\(!\)/i.test(l))
      // Redocly's banner about its renderer version is informational.
      .filter((l) => !/build-docs now renders docs with Redoc|Redoc 2 output|redoc-ce|Node.js 20 support is ending/i.test(l));
    expect(warnings).toEqual([]);
    const out = join(L.ROOT, 'dist/docs');
    for (const f of ['index.html', 'user-guide/index.html', 'operations/index.html', 'api/index.html', 'api/reference.html', 'security/checklists.html', 'api-reference.html', 'api/openapi.yaml'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readdirSync(join(out, 'assets/chunks')).some((f) => f.startsWith('@localSearchIndex'))).toBe(true);
    const redoc = readFileSync(join(out, 'api-reference.html'), 'utf8');
    expect(redoc).not.toMatch(/<script[^>]+src="https?:/); // self-contained: works offline
    expect(redoc).toContain('/api/v1/rooms/{roomId}/messages');
  });
});

/** Serves dist/docs like a static host (no clean URLs: pages are *.html). */
function serveSite(root: string): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.yaml': 'text/yaml' };
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(skipWithout('chromium'))('the built site in a browser (after the build above)', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('draws the Mermaid diagrams, embeds the API reference and finds pages with the local search, without console errors', async () => {
    const out = join(L.ROOT, 'dist/docs');
    server = await serveSite(out);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      headless: true,
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
      const offsite: string[] = [];
      // blob: URLs of this origin (Redoc's web workers) are local too.
      page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith(`blob:${base}`) && offsite.push(r.url()));

      await page.goto(`${base}/architecture.html`);
      const diagrams = page.locator('.mermaid-source[data-rendered="svg"] .mermaid-diagram svg');
      await expect.poll(() => diagrams.count(), { timeout: 30_000 }).toBe(3);
      await page.goto(`${base}/security/threat-model.html`);
      await expect.poll(() => diagrams.count(), { timeout: 30_000 }).toBe(1);
      expect(await page.locator('.mermaid-source[data-rendered="error"]').count()).toBe(0);

      await page.goto(`${base}/api/reference.html`);
      await expect.poll(() => page.frames().some((f) => f.url() === `${base}/api-reference.html`), { timeout: 15_000 }).toBe(true);
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.goto(`${base}/api-reference.html`);
      await expect.poll(() => page.getByText('/api/v1/auth/register').count(), { timeout: 30_000 }).toBeGreaterThan(0);

      await page.goto(`${base}/`);
      await page.locator('.DocSearch-Button').first().click();
      await page.locator('#localsearch-input').fill('expand contract');
      await expect.poll(() => page.locator('.VPLocalSearchBox a[href*="upgrades-and-the-expand-contract-rule"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);

      expect(errors).toEqual([]);
      expect(offsite).toEqual([]); // works offline: no CDN, fonts or analytics
    } finally {
      await browser.close();
    }
  });
});
