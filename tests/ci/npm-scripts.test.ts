// The workflows call the same npm scripts developers run: every `npm run X` / `npm test` in a
// workflow or in a script the workflows call must be a root package.json script.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflows, repoRoot, runBlocks } from './workflows';

/**
 * Scripts the workflows use that other areas own and had not added to package.json yet when
 * this test was written (docs/operations/ci-cd.md lists who provides them). A name here is
 * accepted while missing; once it exists in package.json it is checked like any other.
 */
const PENDING_SCRIPTS = new Set<string>();

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const scripts = new Set(Object.keys(pkg.scripts));

/** `npm run X`, `npm run-script X`, `npm test` and `npm run "X:$VAR"` (expanded over known values). */
export function npmScriptsIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\bnpm\s+(?:run(?:-script)?|run)\s+(?:-[-\w=]+\s+)*["']?([\w:.$-]+)["']?/g)) {
    const name = m[1]!;
    if (name.includes('$')) {
      // npm run "sbom:$IMAGE_NAME" → one name per image the workflows build
      for (const image of ['server', 'web']) out.add(name.replace(/\$\{?\w+\}?/, image));
    } else out.add(name);
  }
  if (/\bnpm\s+(?:test|t)\b/.test(text)) out.add('test');
  return [...out].sort();
}

const workflows = loadWorkflows();
const ciScripts = readdirSync(join(repoRoot, 'scripts/ci')).filter((f) => f.endsWith('.sh'));
const referenced = new Map<string, string[]>();
for (const wf of workflows) {
  for (const b of runBlocks(wf)) for (const s of npmScriptsIn(b.script)) referenced.set(s, [...(referenced.get(s) ?? []), `${wf.file} → ${b.job}`]);
}
for (const f of ciScripts) {
  for (const s of npmScriptsIn(readFileSync(join(repoRoot, 'scripts/ci', f), 'utf8'))) referenced.set(s, [...(referenced.get(s) ?? []), `scripts/ci/${f}`]);
}

describe('npm scripts used by the workflows', () => {
  it('the extractor understands the forms the workflows use', () => {
    expect(npmScriptsIn('npm ci\nnpm run lint\nnpm run typecheck')).toEqual(['lint', 'typecheck']);
    expect(npmScriptsIn('npm run -s api:lint && npm test -- tests/k8s')).toEqual(['api:lint', 'test']);
    expect(npmScriptsIn('run: npm run "sbom:$IMAGE_NAME"')).toEqual(['sbom:server', 'sbom:web']);
    expect(npmScriptsIn('exec npm test -- --passWithNoTests "$@"')).toEqual(['test']);
  });

  it('the workflows use the planned root scripts', () => {
    for (const name of ['typecheck', 'lint', 'test', 'test:e2e', 'specs:check', 'api:lint', 'api:build-docs', 'docs:build', 'monitoring:generate', 'sbom:server', 'sbom:web']) {
      expect(referenced.has(name), name).toBe(true);
    }
  });

  it('every npm script a workflow calls exists in package.json (or is a known pending one)', () => {
    const missing = [...referenced.keys()].filter((s) => !scripts.has(s) && !PENDING_SCRIPTS.has(s));
    expect(missing.map((s) => `${s} (used by ${referenced.get(s)!.join(', ')})`)).toEqual([]);
  });

  it('the pending list holds only scripts the workflows really use', () => {
    for (const s of PENDING_SCRIPTS) expect(referenced.has(s), s).toBe(true);
  });

  it('test:e2e (once defined) runs the tests/e2e shard that ci.yml runs through it', () => {
    const cmd = pkg.scripts['test:e2e'];
    if (cmd === undefined) expect(PENDING_SCRIPTS.has('test:e2e')).toBe(true);
    else expect(cmd).toMatch(/e2e/);
  });

  it('scripts this area added are present: sbom:server, sbom:web, test', () => {
    for (const s of ['test', 'sbom:server', 'sbom:web']) expect(scripts.has(s), s).toBe(true);
    expect(pkg.scripts['sbom:server']).toContain('--workspace apps/server');
    expect(pkg.scripts['sbom:web']).toContain('--workspace apps/web');
  });
});
