/**
 * The security checklists (docs/security/checklists.md) cover every item of the original brief,
 * and no item is claimed done without evidence: every link resolves to a file, and every quoted
 * `string` of a row occurs in one of that row's linked files.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from './lib.ts';

/** The checklist of the project brief (/work/shared/brief/*.txt, "## Security Checklist"). */
const BRIEF: Record<string, string[]> = {
  'Container security': ['Use minimal base images', 'Run as non-root user', 'Scan for vulnerabilities', 'Sign container images', 'Use read-only filesystems'],
  'Kubernetes security': ['Enable RBAC', 'Use network policies', 'Encrypt secrets', 'Enable pod security policies', 'Regular security audits'],
  'Application security': ['Environment-based config', 'Secure secret management', 'TLS everywhere', 'Regular updates', 'Security headers'],
};

const PAGE = join(L.DOCS, 'security/checklists.md');
const md = readFileSync(PAGE, 'utf8');

interface Row {
  section: string;
  item: string;
  status: string;
  evidence: string;
}

function rows(): Row[] {
  const out: Row[] = [];
  let section = '';
  for (const line of md.split('\n')) {
    const h = /^##\s+(.*)$/.exec(line);
    if (h) section = h[1]!.trim();
    const r = /^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*(.*?)\s*\|\s*$/.exec(line);
    if (!r || r[1] === 'Item' || /^-+$/.test(r[1]!)) continue;
    out.push({ section, item: r[1]!, status: r[2]!, evidence: r[3]! });
  }
  return out;
}

describe('security checklists', () => {
  const all = rows();

  it('lists exactly the items of the brief, per section', () => {
    const got: Record<string, string[]> = {};
    for (const r of all) (got[r.section] ??= []).push(r.item);
    expect(got).toEqual(BRIEF);
  });

  it('matches the brief file when it is available', () => {
    const dir = join(L.ROOT, '../shared/brief');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.txt')) : [];
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const items = [...text.matchAll(/^- \[ \] (.+)$/gm)].map((m) => m[1]!.trim());
    // The brief's "Security Checklist" items all appear (other checklists of the brief are not security items).
    if (text) for (const item of Object.values(BRIEF).flat()) expect(items).toContain(item);
    expect(Object.values(BRIEF).flat()).toHaveLength(15);
  });

  it('gives every item a status of Done, Partial or Not done', () => {
    expect(all.filter((r) => !/^(Done|Partial|Not done)\b/.test(r.status)).map((r) => r.item)).toEqual([]);
  });

  it('never claims Done without a link to evidence', () => {
    const bare = all.filter((r) => r.status.startsWith('Done') && L.links(PAGE, r.evidence).filter((l) => !L.isExternal(l.target)).length === 0);
    expect(bare.map((r) => r.item)).toEqual([]);
  });

  it('every evidence link resolves to a file in the repository', () => {
    const broken = all.flatMap((r) =>
      L.links(PAGE, r.evidence)
        .filter((l) => !L.isExternal(l.target) && !L.resolveLink(PAGE, l.target).file)
        .map((l) => `${r.item} → ${l.target}`),
    );
    expect(broken).toEqual([]);
  });

  it('every quoted string of a row occurs in one of its linked files (the evidence shows what is claimed)', () => {
    const missing: string[] = [];
    for (const r of all) {
      const files = L.links(PAGE, r.evidence)
        .filter((l) => !L.isExternal(l.target))
        .map((l) => L.resolveLink(PAGE, l.target).file)
        .filter((f): f is string => !!f);
      const texts = files.map((f) => readFileSync(f, 'utf8'));
      const quotes = L.inlineCode(r.evidence.replace(/\[[^\]]*\]\([^)]*\)/g, ''));
      if (r.status.startsWith('Done')) expect(quotes.length, `${r.item} quotes nothing`).toBeGreaterThan(0);
      for (const q of quotes) if (!texts.some((t) => t.includes(q))) missing.push(`${r.item}: \`${q}\` not in ${files.map(L.rel).join(', ')}`);
    }
    expect(missing).toEqual([]);
  });
});
