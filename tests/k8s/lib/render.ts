/**
 * Renders Parley's Kustomize tree with `kubectl kustomize`: every overlay, the base alone,
 * the base with each component, with every compatible pair of components, and with the
 * largest compatible sets. Components are discovered by globbing deploy/k8s/components, so
 * components other engineers add (monitoring, logging, ...) are rendered too.
 *
 * Renders are cached on disk, keyed by a hash of every file under deploy/k8s, so the test
 * files share one rendering pass and a re-run with no manifest change renders nothing.
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
export const k8sRoot = join(repoRoot, 'deploy/k8s');
export const componentsDir = join(k8sRoot, 'components');
export const overlaysDir = join(k8sRoot, 'overlays');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any };

export interface Rendering {
  /** e.g. "overlay:production", "base", "base+canary+autoscaling" */
  name: string;
  kind: 'overlay' | 'combination' | 'gitops';
  components: string[];
  objects: K8sObject[];
}

/** Components that need another to make sense (the Canary hands the HPA to Flagger). */
export const REQUIRES: Record<string, string[]> = {
  canary: ['autoscaling'],
};

/** Pairs that must not be combined (documented in each component's kustomization.yaml). */
export const CONFLICTS: [string, string][] = [
  ['canary', 'blue-green'],
  ['canary', 'gateway-api'],
];

/** Order in which components are listed: patches in later ones may target objects of earlier ones. */
const ORDER = [
  'network-policies', 'autoscaling', 'canary', 'blue-green', 'postgres-cloudnativepg', 'redis',
  'cert-manager', 'gateway-api', 'external-secrets', 'monitoring', 'logging',
];

export function listComponents(): string[] {
  return readdirSync(componentsDir)
    .filter((d) => !d.startsWith('.') && existsSync(join(componentsDir, d, 'kustomization.yaml')))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function listOverlays(): string[] {
  // Dot-directories are scratch copies (other suites write e.g. overlays/.release-staging).
  return readdirSync(overlaysDir).filter((d) => !d.startsWith('.') && existsSync(join(overlaysDir, d, 'kustomization.yaml'))).sort();
}

function rank(c: string): number {
  const i = ORDER.indexOf(c);
  return i === -1 ? ORDER.length : i;
}

function conflicts(set: string[]): boolean {
  return CONFLICTS.some(([a, b]) => set.includes(a) && set.includes(b));
}

function close(set: string[], all: string[]): string[] {
  const out = new Set(set);
  for (const c of set) for (const r of REQUIRES[c] ?? []) if (all.includes(r)) out.add(r);
  return [...out].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Base alone, each component, each compatible pair, and the maximal compatible sets. */
export function componentCombinations(all = listComponents()): string[][] {
  const seen = new Map<string, string[]>();
  const add = (set: string[]) => {
    const closed = close(set, all);
    if (conflicts(closed)) return;
    seen.set(closed.join('+'), closed);
  };
  add([]);
  for (const c of all) add([c]);
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) add([all[i]!, all[j]!]);
  // Maximal sets: drop one side of each conflict in every way.
  const variants: string[][] = [all];
  for (const [a, b] of CONFLICTS) {
    const next: string[][] = [];
    for (const v of variants) {
      if (v.includes(a) && v.includes(b)) {
        next.push(v.filter((x) => x !== a), v.filter((x) => x !== b));
      } else next.push(v);
    }
    variants.splice(0, variants.length, ...next);
  }
  for (const v of variants) add(v);
  return [...seen.values()];
}

function hashTree(dir: string, h = createHash('sha256')): ReturnType<typeof createHash> {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue; // removed while we walk (scratch dirs)
    if (st.isDirectory()) {
      if (!e.startsWith('.')) hashTree(p, h);
      continue;
    }
    h.update(relative(k8sRoot, p)).update('\0').update(readFileSync(p)).update('\0');
  }
  return h;
}

export function parseYamlStream(text: string, source: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const out: K8sObject[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`${source}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS();
    if (v) out.push(v as K8sObject);
  }
  return out;
}

export async function kustomize(dir: string): Promise<K8sObject[]> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
    return parseYamlStream(stdout, dir);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${relative(repoRoot, dir)} failed: ${e.stderr || e.message}`);
  }
}

/** Writes a scratch kustomization (inside deploy/k8s so relative paths stay inside the tree). */
export function scratchDir(tag: string): string {
  const dir = join(k8sRoot, `.render-${process.pid}-${randomUUID().slice(0, 8)}-${tag}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function combinationKustomization(components: string[]): string {
  return [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namespace: parley-render',
    'resources:',
    '  - ../base',
    ...(components.length ? ['components:', ...components.map((c) => `  - ../components/${c}`)] : []),
    '',
  ].join('\n');
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

let memo: Promise<Rendering[]> | undefined;

/** Every rendering, once per process and cached on disk across processes. */
export function renderAll(): Promise<Rendering[]> {
  memo ??= renderAllUncached();
  return memo;
}

const CACHE_PREFIX = 'parley-k8s-render-';

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Whether a process exists (the lock holder); unknown owners count as alive. */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readCache(file: string): Rendering[] | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Rendering[];
  } catch {
    return undefined;
  }
}

async function renderAllUncached(): Promise<Rendering[]> {
  // Key: the manifests, this file (the combination logic) and PATH (the kubectl used).
  const key = hashTree(k8sRoot).update(readFileSync(new URL(import.meta.url))).update(process.env.PATH ?? '').digest('hex').slice(0, 16);
  const cacheFile = join(tmpdir(), `${CACHE_PREFIX}${key}.json`);
  const lockFile = `${cacheFile}.lock`;
  // Test files run in parallel workers: one renders, the others wait for its cache file.
  for (let waited = 0; ; waited += 250) {
    const cached = existsSync(cacheFile) ? readCache(cacheFile) : undefined;
    if (cached) return cached;
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const age = Date.now() - (statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 300_000 || !alive(Number(readFileSafe(lockFile)))) rmSync(lockFile, { force: true }); // a crashed renderer
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const out = await renderFresh();
    writeFileSync(`${cacheFile}.tmp-${process.pid}`, JSON.stringify(out));
    renameSync(`${cacheFile}.tmp-${process.pid}`, cacheFile);
    for (const f of readdirSync(tmpdir())) {
      if (f.startsWith(CACHE_PREFIX) && f.endsWith('.json') && join(tmpdir(), f) !== cacheFile) rmSync(join(tmpdir(), f), { force: true });
    }
    return out;
  } finally {
    rmSync(lockFile, { force: true });
  }
}

async function renderFresh(): Promise<Rendering[]> {
  // scratch directories left by killed runs
  for (const d of readdirSync(k8sRoot)) {
    const m = /^\.render-(\d+)-/.exec(d);
    if (m && !alive(Number(m[1]))) rmSync(join(k8sRoot, d), { recursive: true, force: true });
  }
  const combos = componentCombinations();
  const scratch = scratchDir('combos');
  try {
    const jobs: (() => Promise<Rendering>)[] = [];
    for (const o of listOverlays()) {
      jobs.push(async () => ({ name: `overlay:${o}`, kind: 'overlay', components: overlayComponents(o), objects: await kustomize(join(overlaysDir, o)) }));
    }
    if (existsSync(join(k8sRoot, 'gitops', 'kustomization.yaml'))) {
      jobs.push(async () => ({ name: 'gitops', kind: 'gitops', components: [], objects: await kustomize(join(k8sRoot, 'gitops')) }));
    }
    combos.forEach((c, i) => {
      jobs.push(async () => {
        // One level below deploy/k8s so that ../base and ../components resolve.
        const dir = join(scratch, `c${i}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'kustomization.yaml'), combinationKustomization(c).replaceAll('../', '../../'));
        return { name: ['base', ...c].join('+'), kind: 'combination', components: c, objects: await kustomize(dir) };
      });
    });
    return await pool(jobs, 4, (j) => j());
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The components an overlay lists (read from its kustomization.yaml). */
export function overlayComponents(overlay: string): string[] {
  const k = parseYamlStream(readFileSync(join(overlaysDir, overlay, 'kustomization.yaml'), 'utf8'), overlay)[0] as unknown as { components?: string[] };
  return (k.components ?? []).map((p) => p.split('/').pop()!);
}

export function objectId(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}
