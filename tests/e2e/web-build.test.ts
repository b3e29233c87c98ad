/**
 * The production build of the web app: hashed assets, precompressed files, no inline scripts
 * (so the CSP needs no 'unsafe-inline' for scripts), the bundle report and its size budget,
 * and the Sentry SDK kept out of the initial JavaScript.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './harness';

describe('web app production build', () => {
  const out = mkdtempSync(join(tmpdir(), 'parley-web-build-'));
  let report: {
    budget: { initialJsGzipBytes: number };
    initialJs: { files: string[]; gzipBytes: number };
    chunks: { file: string; initial: boolean; gzipBytes: number; isDynamicEntry: boolean }[];
  };
  let html: string;

  beforeAll(() => {
    execFileSync('npx', ['vite', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: join(REPO, 'apps/web'), stdio: 'pipe' });
    report = JSON.parse(readFileSync(join(out, 'bundle-report.json'), 'utf8'));
    html = readFileSync(join(out, 'index.html'), 'utf8');
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('has no inline scripts or inline event handlers in index.html', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/assets\/[\w-]+\.js"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('names assets by content hash and precompresses them (gzip and brotli, identical content)', () => {
    const assets = readdirSync(join(out, 'assets'));
    const code = assets.filter((f) => /\.(js|css)$/.test(f));
    expect(code.length).toBeGreaterThan(2);
    for (const f of code) {
      expect(f).toMatch(/-[\w-]{8}\.(js|css)$/);
      const raw = readFileSync(join(out, 'assets', f));
      if (raw.length < 512) continue;
      expect(gunzipSync(readFileSync(join(out, 'assets', `${f}.gz`))).equals(raw)).toBe(true);
      expect(brotliDecompressSync(readFileSync(join(out, 'assets', `${f}.br`))).equals(raw)).toBe(true);
    }
    expect(existsSync(join(out, 'index.html.gz'))).toBe(true);
  });

  it('reports the initial JavaScript within the 150 KB gzip budget, and splits code', () => {
    expect(report.budget.initialJsGzipBytes).toBe(150 * 1024);
    expect(report.initialJs.gzipBytes).toBeGreaterThan(10 * 1024);
    expect(report.initialJs.gzipBytes).toBeLessThanOrEqual(report.budget.initialJsGzipBytes);
    // Every initial file is referenced from index.html (entry script or modulepreload).
    for (const f of report.initialJs.files) expect(html).toContain(`/${f}`);
    // Lazy chunks exist (dialogs, the Sentry SDK) and are not initial.
    const lazy = report.chunks.filter((c) => !c.initial);
    expect(lazy.some((c) => c.file.includes('sentry'))).toBe(true);
    expect(lazy.some((c) => c.file.includes('Dialogs'))).toBe(true);
    expect(report.initialJs.files.some((f) => f.includes('sentry'))).toBe(false);
  });
});
