/**
 * Helpers for the documentation tests: which Markdown pages exist, what they link to, and which
 * identifiers (environment variables, metrics, alerts, API routes, WebSocket frames) they document.
 *
 * "Documents" is defined in ./README.md (this folder) and repeated
 * on each extractor below.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DOCS = join(ROOT, 'docs');

/** Markdown pages checked: every *.md under docs/ (not .vitepress, not node_modules) and the root *.md files. */
export function markdownPages(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === '.vitepress' || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(DOCS);
  for (const name of readdirSync(ROOT)) if (name.endsWith('.md')) out.push(join(ROOT, name));
  return out.sort();
}

export const rel = (p: string) => relative(ROOT, p);

/** Removes fenced code blocks, keeping line count (links and inline code inside fences are not parsed). */
export function stripFences(md: string): string {
  return md.replace(/^(\s*)(```|~~~)[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, (m) => m.replace(/[^\n]/g, ' '));
}

/** Contents of fenced code blocks. */
export function fences(md: string): string[] {
  const out: string[] = [];
  const re = /^(\s*)(```|~~~)[^\n]*\n([\s\S]*?)^\1\2[ \t]*$/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) out.push(m[3]!);
  return out;
}

/** Inline code spans outside fenced blocks (single or multiple backticks). */
export function inlineCode(md: string): string[] {
  const text = stripFences(md);
  const out: string[] = [];
  const re = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2]!.trim());
  return out;
}

/** VitePress's heading slug function (vitepress/dist/node, `slugify`), copied to compute anchors. */
export function slugify(str: string): string {
  return str
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\u0000-\u001f]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

/** Anchors a page defines: heading slugs (with markdown-it-anchor's -1, -2 de-duplication), {#custom} ids, id="" attributes. */
export function anchors(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of stripFences(md).split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    let title = h[1]!;
    const custom = /\s*\{#([^}]+)\}\s*$/.exec(title);
    if (custom) {
      out.add(custom[1]!);
      continue;
    }
    // Rendered heading text: drop link targets, emphasis and code markers.
    title = title.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, (c) => (c === '_' ? '_' : ''));
    title = title.replace(/<[^>]+>/g, '');
    const base = slugify(title);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/\sid="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

export interface Link {
  page: string;
  line: number;
  target: string;
  image: boolean;
}

/** Markdown links and images, reference definitions, and HTML href/src attributes outside fenced code. */
export function links(page: string, md: string): Link[] {
  const out: Link[] = [];
  const lines = stripFences(md).split('\n');
  lines.forEach((text, i) => {
    // Drop inline code so `[a](b)` examples inside backticks are not links.
    const t = text.replace(/(`+)[^`]*?\1/g, (m) => ' '.repeat(m.length));
    for (const m of t.matchAll(/(!?)\[(?:[^\]]|\][^(])*?\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      out.push({ page, line: i + 1, target: m[2]!, image: m[1] === '!' });
    for (const m of t.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/g)) out.push({ page, line: i + 1, target: m[1]!, image: false });
    for (const m of t.matchAll(/\s(?:href|src)="([^"]+)"/g)) out.push({ page, line: i + 1, target: m[1]!, image: /src=/.test(m[0]) });
  });
  return out;
}

export const isExternal = (t: string) => /^[a-z][a-z0-9+.-]*:/i.test(t) || t.startsWith('//');

/**
 * Resolves a link to a file. Relative links resolve from the page; site-absolute links (`/x`)
 * resolve from docs/ like VitePress does (`/x` → docs/x.md or docs/x/index.md, README.md rewritten
 * to index). Returns undefined when nothing exists.
 */
export function resolveLink(page: string, target: string): { file?: string; hash?: string } {
  const [pathPart, hash] = target.split('#', 2) as [string, string | undefined];
  if (pathPart === '') return { file: page, hash };
  const decoded = decodeURIComponent(pathPart);
  const base = decoded.startsWith('/') ? join(DOCS, decoded) : resolve(dirname(page), decoded);
  const candidates = [base, `${base}.md`, base.replace(/\.html$/, '.md'), join(base, 'index.md'), join(base, 'README.md')];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return { file: c, hash };
  return { hash };
}

// ---------------------------------------------------------------- sources of truth

/** Environment variables: keys of CONFIG_VARS, plus `<KEY>_FILE` for the secret ones. */
export async function truthEnv(): Promise<Set<string>> {
  const { CONFIG_VARS } = await import('../../apps/server/src/config/schema.ts');
  const out = new Set<string>();
  for (const [k, spec] of Object.entries(CONFIG_VARS as Record<string, { secret?: boolean }>)) {
    out.add(k);
    if (spec.secret) out.add(`${k}_FILE`);
  }
  return out;
}

/** Metrics: every `name: '…'` in apps/server/src/observability/metrics.ts. */
export function truthMetrics(): Set<string> {
  const src = readFileSync(join(ROOT, 'apps/server/src/observability/metrics.ts'), 'utf8');
  return new Set([...src.matchAll(/\bname:\s*'([a-z_:][a-z0-9_:]*)'/g)].map((m) => m[1]!));
}

/** Alerts: every `alert:` in deploy/monitoring/rules/*.yaml. */
export function truthAlerts(): Set<string> {
  const dir = join(ROOT, 'deploy/monitoring/rules');
  const out = new Set<string>();
  for (const f of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as { groups?: { rules?: { alert?: string }[] }[] };
    for (const g of doc.groups ?? []) for (const r of g.rules ?? []) if (r.alert) out.add(r.alert);
  }
  return out;
}

/** API routes: the path keys of docs/api/openapi.yaml (generated from the server's route schemas). */
export function truthRoutes(): string[] {
  const doc = parseYaml(readFileSync(join(ROOT, 'docs/api/openapi.yaml'), 'utf8'), { maxAliasCount: -1 }) as {
    paths: Record<string, unknown>;
  };
  return Object.keys(doc.paths);
}

/** WebSocket frames: keys of ClientFrames and ServerFrames in packages/protocol/src/ws.ts. */
export async function truthFrames(): Promise<{ client: Set<string>; server: Set<string> }> {
  const ws = await import('../../packages/protocol/src/ws.ts');
  return { client: new Set(Object.keys(ws.ClientFrames)), server: new Set(Object.keys(ws.ServerFrames)) };
}

// ---------------------------------------------------------------- what pages document

/**
 * Environment variables a page documents: inline code spans whose text (before an optional `=value`)
 * is an ALL_CAPS identifier. Only names with an underscore are treated as claims about the code
 * (single words such as `PORT` are checked for coverage only: `GET`, `JSON` would be noise).
 */
export function documentedEnv(md: string): { all: Set<string>; claims: Set<string> } {
  const all = new Set<string>();
  const claims = new Set<string>();
  for (const code of inlineCode(md)) {
    const m = /^\$?\{?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\}?(?:=.*)?$/.exec(code);
    if (!m) continue;
    all.add(m[1]!);
    if (m[1]!.includes('_')) claims.add(m[1]!);
  }
  return { all, claims };
}

/** Suffixes Prometheus adds to histogram/summary/counter series. */
const SERIES_SUFFIX = /_(bucket|sum|count|created)$/;

/**
 * Metrics a page documents: `parley_…` and `http_request…` names anywhere in inline code or fenced
 * code (PromQL in runbooks counts). Histogram series suffixes (_bucket, _sum, _count) are folded
 * onto the metric. Recording rules (`parley:…`) are not metrics and are not matched.
 */
export function documentedMetrics(md: string, known: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const text of [...inlineCode(md), ...fences(md)]) {
    for (const m of text.matchAll(/(?<![\w:./-])((?:parley|http_request)[a-z0-9_]*)(?![\w:])/g)) {
      let name = m[1]!;
      if (name === 'parley' || name.startsWith('parley_') === false && !name.startsWith('http_request')) continue;
      if (!known.has(name) && SERIES_SUFFIX.test(name) && known.has(name.replace(SERIES_SUFFIX, ''))) name = name.replace(SERIES_SUFFIX, '');
      out.add(name);
    }
  }
  return out;
}

/**
 * Alerts a page documents: inline code spans that are exactly `Parley` + CamelCase, link targets
 * to runbooks/<Name>.md, and the runbook page's own file name.
 */
export function documentedAlerts(page: string, md: string): Set<string> {
  const out = new Set<string>();
  for (const code of inlineCode(md)) if (/^Parley[A-Z][A-Za-z0-9]+$/.test(code)) out.add(code);
  for (const l of links(page, md)) {
    const m = /runbooks\/(Parley[A-Za-z0-9]+)(?:\.md)?(?:#.*)?$/.exec(l.target) ?? /^(?:\.\/)?(Parley[A-Za-z0-9]+)\.md(?:#.*)?$/.exec(l.target);
    if (m) out.add(m[1]!);
  }
  const own = /\/runbooks\/(Parley[A-Za-z0-9]+)\.md$/.exec(page);
  if (own) out.add(own[1]!);
  return out;
}

/**
 * API routes a page documents: every `/api/v1/…` or `/health/…` path in inline code or fenced code, cut at the first
 * character that cannot be part of a path (space, quote, `?`, `#`, backtick, `)`), without a trailing slash.
 * Parameters may be written `{roomId}`, `:roomId`, `<roomId>`, `$ROOM` or `${roomId}`.
 */
export function documentedRoutes(md: string): Set<string> {
  const out = new Set<string>();
  for (const text of [...inlineCode(md), ...fences(md)]) {
    for (const m of text.matchAll(/(?:\/api\/v1|(?<![A-Za-z_.-])\/health)(?:\/[^\s"'`?#)\\,;|]*)?/g)) {
      let p = m[0].replace(/[.:]+$/, '');
      // Shell/template parameters end at a quote or brace; keep `${x}` whole.
      p = p.replace(/\/+$/, '');
      if (p.includes('…') || p.includes('...') || p.endsWith('*')) continue; // prefixes such as /api/v1/… are not routes
      out.add(p);
    }
  }
  return out;
}

const isParamSeg = (s: string) => /^(\{[^}]+\}|:[A-Za-z]\w*|<[^>]+>|\$\{?[A-Za-z_]\w*\}?)$/.test(s);

/** A documented path names an OpenAPI path when segments match: literal = literal, parameter = parameter. */
export function routeCovers(doc: string, spec: string): boolean {
  const d = doc.split('/');
  const s = spec.split('/');
  if (d.length !== s.length) return false;
  return s.every((seg, i) => (isParamSeg(seg) ? isParamSeg(d[i]!) : seg === d[i]));
}

/** A documented path exists when some OpenAPI path matches it, a concrete value standing for a parameter. */
export function routeExists(doc: string, spec: string): boolean {
  const d = doc.split('/');
  const s = spec.split('/');
  if (d.length !== s.length) return false;
  return s.every((seg, i) => isParamSeg(seg) || seg === d[i]);
}

/**
 * WebSocket frames the WebSocket guide documents: inline code spans that are exactly a frame type.
 * Claims: inline code spans that look like event names (`word.word`, lowercase) whose first part is
 * not itself a frame type (`ack.result` is a field of `ack`, `message.created` is an event), and
 * `"type":"x"` / `type:"x"` values anywhere in the page.
 */
export function documentedFrames(md: string, frames: Set<string>): { documented: Set<string>; claims: Set<string> } {
  const documented = new Set<string>();
  const claims = new Set<string>();
  for (const code of inlineCode(md)) {
    if (frames.has(code)) documented.add(code);
    const m = /^([a-z]+)\.([a-z]+)$/.exec(code);
    if (m && !frames.has(m[1]!)) claims.add(code);
  }
  for (const text of [md]) for (const m of text.matchAll(/"?type"?\s*:\s*"([a-z.]+)"/g)) claims.add(m[1]!);
  return { documented, claims };
}

/** Names that occur, as whole words, in tracked files outside docs/ and the Markdown pages. */
export function namesUsedOutsideDocs(names: string[]): Set<string> {
  if (names.length === 0) return new Set();
  let out = '';
  try {
    out = execFileSync('git', ['grep', '-h', '-o', '-w', '-E', names.join('|'), '--', '.', ':!docs', ':!*.md', ':!tests/docs'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { status?: number };
    if (err.status !== 1) throw e; // 1 = nothing found
  }
  return new Set(out.split('\n').filter(Boolean));
}

/** `METHOD /path` for every operation of docs/api/openapi.yaml. */
export function truthOperations(): string[] {
  const doc = parseYaml(readFileSync(join(ROOT, 'docs/api/openapi.yaml'), 'utf8'), { maxAliasCount: -1 }) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const out: string[] = [];
  for (const [p, ops] of Object.entries(doc.paths))
    for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) out.push(`${m.toUpperCase()} ${p}`);
  return out;
}
