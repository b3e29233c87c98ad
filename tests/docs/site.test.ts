/**
 * The documentation site builds offline with no warnings, and every internal link and anchor in
 * docs/ and the root *.md files resolves.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
