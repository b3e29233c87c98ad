// renovate.json: valid, covers npm / GitHub Actions / Docker, and its regex managers really match
// the base-image defaults in deploy/docker/*.Dockerfile and deploy/compose/compose.yaml (so
// those get tag@digest pins), and their replacement templates keep the line intact.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './workflows';

interface CustomManager {
  customType: string;
  managerFilePatterns: string[];
  matchStrings: string[];
  autoReplaceStringTemplate?: string;
  datasourceTemplate?: string;
}
const config = JSON.parse(readFileSync(join(repoRoot, 'renovate.json'), 'utf8')) as {
  extends: string[];
  enabledManagers: string[];
  customManagers: CustomManager[];
  packageRules: { matchPackageNames?: string[]; enabled?: boolean }[];
};

/** Renovate's `/regex/` file pattern → RegExp. */
function filePattern(p: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/.exec(p);
  if (!m) throw new Error(`not a /regex/ pattern: ${p}`);
  return new RegExp(m[1]!, m[2]);
}

function managersFor(file: string): CustomManager[] {
  return config.customManagers.filter((m) => m.managerFilePatterns.some((p) => filePattern(p).test(file)));
}

interface Match {
  text: string;
  depName: string;
  currentValue: string;
  currentDigest?: string;
}
function matches(manager: CustomManager, content: string): Match[] {
  return manager.matchStrings.flatMap((s) =>
    [...content.matchAll(new RegExp(s, 'g'))].map((m) => ({ text: m[0], ...(m.groups as Omit<Match, 'text'>) })),
  );
}

/** The subset of Handlebars the templates use: {{{x}}} and {{#if x}}…{{/if}}. */
function render(template: string, vars: Record<string, string | undefined>): string {
  return template
    .replace(/\{\{#if (\w+)\}\}(.*?)\{\{\/if\}\}/g, (_, key: string, inner: string) => (vars[key] ? inner : ''))
    .replace(/\{\{\{(\w+)\}\}\}/g, (_, key: string) => vars[key] ?? '');
}

const digest = `sha256:${'c'.repeat(64)}`;

describe('renovate.json', () => {
  it('is valid JSON that covers npm, GitHub Actions and container images, pinning digests', () => {
    expect(config.enabledManagers).toEqual(expect.arrayContaining(['npm', 'github-actions', 'dockerfile', 'docker-compose', 'kustomize', 'custom.regex']));
    expect(config.extends).toEqual(expect.arrayContaining(['helpers:pinGitHubActionDigests', 'docker:pinDigests']));
  });

  it('matches the NODE_IMAGE / RUNTIME_IMAGE / NGINX_IMAGE ARG defaults of the Dockerfiles', () => {
    const dir = join(repoRoot, 'deploy/docker');
    const dockerfiles = readdirSync(dir).filter((f) => f.endsWith('.Dockerfile'));
    expect(dockerfiles).toEqual(expect.arrayContaining(['server.Dockerfile', 'web.Dockerfile']));
    const found: Record<string, string> = {};
    for (const f of dockerfiles) {
      const rel = `deploy/docker/${f}`;
      const ms = managersFor(rel);
      expect(ms, rel).toHaveLength(1);
      const content = readFileSync(join(dir, f), 'utf8');
      for (const m of matches(ms[0]!, content)) {
        const line = content.split('\n').find((l) => l.includes(m.text))!;
        const arg = /^ARG (\w+)=/.exec(line)?.[1] ?? `(not an ARG line: ${line})`;
        found[arg] = `${m.depName}:${m.currentValue}`;
        // the replacement keeps the ARG line valid and adds the digest
        const replaced = line.replace(m.text, render(ms[0]!.autoReplaceStringTemplate!, { depName: m.depName, newValue: m.currentValue, newDigest: digest }));
        expect(replaced).toBe(`ARG ${arg}=${m.depName}:${m.currentValue}@${digest}`);
      }
    }
    expect(found.NODE_IMAGE).toMatch(/^node:24-bookworm-slim$/);
    expect(found.RUNTIME_IMAGE).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot$/);
    expect(found.NGINX_IMAGE).toMatch(/^nginxinc\/nginx-unprivileged:/);
  });

  it('matches the compose image defaults, POSTGRES_IMAGE and REDIS_IMAGE included', () => {
    const rel = 'deploy/compose/compose.yaml';
    const content = readFileSync(join(repoRoot, rel), 'utf8');
    const ms = managersFor(rel);
    expect(ms).toHaveLength(1);
    const all = matches(ms[0]!, content);
    const names = new Set(all.map((m) => m.depName));
    expect(names.has('postgres')).toBe(true);
    expect(names.has('redis')).toBe(true);
    expect(names.has('node')).toBe(true);
    for (const m of all) {
      const rendered = render(ms[0]!.autoReplaceStringTemplate!, { depName: m.depName, newValue: m.currentValue, newDigest: digest });
      expect(rendered).toBe(`_IMAGE:-${m.depName}:${m.currentValue}@${digest}`);
      // an already pinned default is matched again (digest updates), not extended twice
      const pinned = content.replace(m.text, rendered);
      const again = matches(ms[0]!, pinned).find((x) => x.currentDigest === digest);
      expect(again?.depName).toBe(m.depName);
    }
    // our own locally built images are never looked up in a registry
    const own = config.packageRules.find((r) => r.enabled === false && r.matchPackageNames?.includes('parley/server'));
    expect(own?.matchPackageNames).toEqual(expect.arrayContaining(['parley/server', 'parley/web']));
  });

  it('matches the k6 image of the load-test gate in the deploy workflow', () => {
    const rel = '.github/workflows/deploy-environment.yml';
    const content = readFileSync(join(repoRoot, rel), 'utf8');
    const ms = managersFor(rel);
    expect(ms).toHaveLength(1);
    const [m] = matches(ms[0]!, content);
    expect(m?.depName).toBe('grafana/k6');
    const line = content.split('\n').find((l) => l.includes(m!.text))!;
    const replaced = line.replace(m!.text, render(ms[0]!.autoReplaceStringTemplate!, { depName: m!.depName, newValue: m!.currentValue, newDigest: digest, datasource: 'docker' }));
    expect(replaced).toBe(`  K6_IMAGE: grafana/k6:${m!.currentValue}@${digest} # renovate: datasource=docker depName=grafana/k6`);
  });

  it('no other file is claimed by a custom manager by accident', () => {
    for (const f of ['package.json', 'deploy/k8s/base/kustomization.yaml', 'docs/operations/ci-cd.md']) {
      expect(existsSync(join(repoRoot, f)), f).toBe(true);
      expect(managersFor(f), f).toEqual([]);
    }
  });
});
