// Policy checks on the project's Dockerfiles, parsed with dockerfile-ast (no Docker needed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = {
  server: 'deploy/docker/server.Dockerfile',
  web: 'deploy/docker/web.Dockerfile',
} as const;

/** Base-image build arguments and their required defaults (the official images). */
const baseArgs: Record<string, RegExp> = {
  NODE_IMAGE: /^node:24-bookworm-slim$/,
  RUNTIME_IMAGE: /^gcr\.io\/distroless\/nodejs24-debian12:nonroot$/,
  NGINX_IMAGE: /^nginxinc\/nginx-unprivileged:1\.\d+-alpine$/, // Alpine: the only variant within the 30 MB web-image budget
};
const secretName = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DATABASE_URL|REDIS_URL|DSN)/i;

function load(path: string): { text: string; df: Dockerfile } {
  const text = readFileSync(root + path, 'utf8');
  return { text, df: DockerfileParser.parse(text) };
}
const keyword = (i: Instruction) => i.getKeyword().toUpperCase();
/** The instruction's full source text, flags included (dockerfile-ast strips flags from its arguments). */
function source(text: string, i: Instruction): string {
  const r = i.getRange();
  return text.split('\n').slice(r.start.line, r.end.line + 1).join('\n');
}
/** Instructions of the final stage (after the last FROM). */
function finalStage(df: Dockerfile): Instruction[] {
  const all = df.getInstructions();
  const lastFrom = all.map(keyword).lastIndexOf('FROM');
  return all.slice(lastFrom);
}
/** Resolves ${VAR} in a FROM against the ARGs declared before the first FROM. */
function resolveFrom(df: Dockerfile, image: string): string {
  const defaults = new Map(df.getInitialARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue() ?? '']));
  return image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => defaults.get(n) ?? `<unset ${n}>`);
}

for (const [name, path] of Object.entries(files)) {
  describe(`${name} image (${path})`, () => {
    const { text, df } = load(path);
    const src = (i: Instruction) => source(text, i);
    const instructions = df.getInstructions();
    const stages = df.getFROMs().map((f) => f.getBuildStage());

    it('is multi-stage with named stages and base images that are build arguments with official, pinned-tag defaults', () => {
      const froms = df.getFROMs();
      expect(froms.length).toBeGreaterThanOrEqual(2);
      const external = froms.filter((f) => !stages.includes(f.getImageName() ?? ''));
      expect(external.length).toBeGreaterThan(0);
      for (const from of external) {
        const raw = from.getImage() ?? '';
        expect(raw, `FROM ${raw} must be a build argument`).toMatch(/^\$\{?[A-Z_]+\}?$/);
        const arg = raw.replace(/[${}]/g, '');
        expect(Object.keys(baseArgs)).toContain(arg);
        expect(resolveFrom(df, raw)).toMatch(baseArgs[arg]!);
      }
      for (const from of froms) expect(from.getBuildStage(), `${from.getImage()} has a stage name`).toBeTruthy();
    });

    it('never uses a latest or missing tag', () => {
      for (const from of df.getFROMs()) {
        const image = resolveFrom(df, from.getImage() ?? '');
        if (stages.includes(image)) continue;
        expect(image, `FROM ${image}`).toMatch(/:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$/);
        expect(image).not.toMatch(/:latest(@|$)/);
      }
      expect(text).not.toMatch(/:latest\b/);
    });

    it('runs the final stage as a fixed non-root user', () => {
      const users = finalStage(df).filter((i) => keyword(i) === 'USER');
      expect(users.length).toBeGreaterThan(0);
      const last = users.at(-1)!.getArgumentsContent()!.trim();
      const [user] = last.split(':');
      expect(user).toMatch(/^\d+$/);
      expect(Number(user)).toBeGreaterThan(0);
      expect(['root', '0']).not.toContain(user);
    });

    it('declares a HEALTHCHECK in the final stage that installs no curl or wget (it uses the image’s own binary or probe script)', () => {
      const hc = finalStage(df).filter((i) => keyword(i) === 'HEALTHCHECK');
      expect(hc).toHaveLength(1);
      const args = src(hc[0]!);
      expect(args).toMatch(/\bCMD\b/);
      expect(args).not.toMatch(/\b(curl|wget)\b/);
      expect(args).toMatch(/--interval=\d+s/);
    });

    it('has no ADD of remote URLs (nor ADD at all: COPY is explicit)', () => {
      const adds = instructions.filter((i) => keyword(i) === 'ADD');
      for (const add of adds) expect(add.getArgumentsContent()).not.toMatch(/https?:\/\/|git@/);
      expect(adds).toHaveLength(0);
    });

    it('puts no secrets in ENV or ARG', () => {
      const props = instructions
        .filter((i) => ['ENV', 'ARG'].includes(keyword(i)))
        .flatMap((i) => (i as unknown as { getProperties?: () => { getName(): string; getValue(): string | null }[] }).getProperties?.() ?? []);
      expect(props.length).toBeGreaterThan(0);
      for (const p of props) {
        if (p.getName().endsWith('_FILE')) continue;
        expect(p.getName(), `${p.getName()} looks like a secret`).not.toMatch(secretName);
        expect(p.getValue() ?? '', `${p.getName()} value`).not.toMatch(/:\/\/[^/\s:]+:[^@\s]+@/);
      }
      expect(text).not.toMatch(/--build-arg\s+\w*(SECRET|PASSWORD|TOKEN)/i);
    });

    it('installs with npm ci (never npm install), with a BuildKit cache mount, before copying sources', () => {
      const runs = instructions.filter((i) => keyword(i) === 'RUN').map(src);
      expect(runs.join('\n')).not.toMatch(/\bnpm\s+(install|i|add)\b/);
      expect(runs.join('\n')).not.toMatch(/\byarn\b(?!\s*--version)/);
      const ci = instructions.filter((i) => keyword(i) === 'RUN' && /\bnpm\s+ci\b/.test(src(i)));
      expect(ci.length).toBeGreaterThan(0);
      for (const run of ci) expect(src(run)).toMatch(/--mount=type=cache,target=\/root\/\.npm/);
      // Layer order: the first `npm ci` comes before any COPY of source directories.
      const firstCi = instructions.indexOf(ci[0]!);
      const firstSourceCopy = instructions.findIndex(
        (i) => keyword(i) === 'COPY' && /\b(apps|packages)\/[\w-]+\s+(apps|packages)\//.test(i.getArgumentsContent() ?? ''),
      );
      expect(firstSourceCopy).toBeGreaterThan(firstCi);
    });

    it('carries OCI labels (source, revision, version, licenses)', () => {
      const labels = finalStage(df).filter((i) => keyword(i) === 'LABEL').map((i) => i.getArgumentsContent()).join('\n');
      for (const key of ['source', 'revision', 'version', 'licenses', 'title']) {
        expect(labels).toContain(`org.opencontainers.image.${key}=`);
      }
      expect(labels).toMatch(/licenses="AGPL-3\.0-only"/);
    });

    it('uses no parser directive that would fetch a frontend image (no registry in CI)', () => {
      expect(df.getDirectives().map((d) => d.getName())).not.toContain('syntax');
    });
  });
}

describe('server image specifics', () => {
  const { text, df } = load(files.server);
  const src = (i: Instruction) => source(text, i);
  const last = finalStage(df);
  const env = new Map(
    last
      .filter((i) => keyword(i) === 'ENV')
      .flatMap((i) => (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties())
      .map((p) => [p.getName(), p.getValue()]),
  );

  it('sets production defaults, port 3000, MALLOC_ARENA_MAX=2 and a DATA_DIR outside the read-only root', () => {
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('PORT')).toBe('3000');
    expect(env.get('MALLOC_ARENA_MAX')).toBe('2');
    expect(env.get('DATA_DIR')).toBe('/data');
  });

  it('runs node directly as PID 1 (it handles SIGTERM itself) with the health probe written in node', () => {
    const entry = last.find((i) => keyword(i) === 'ENTRYPOINT')!.getArgumentsContent()!;
    expect(JSON.parse(entry)).toEqual(['/nodejs/bin/node']);
    const cmd = JSON.parse(last.find((i) => keyword(i) === 'CMD')!.getArgumentsContent()!) as string[];
    expect(cmd[0]).toBe('apps/server/dist/main.js');
    const hc = src(last.find((i) => keyword(i) === 'HEALTHCHECK')!);
    expect(hc).toContain('"/nodejs/bin/node", "apps/server/dist/healthcheck.js"');
    expect(last.find((i) => keyword(i) === 'STOPSIGNAL')?.getArgumentsContent()).toBe('SIGTERM');
  });

  it('installs only production dependencies of the server and protocol workspaces for the runtime', () => {
    const runs = df.getInstructions().filter((i) => keyword(i) === 'RUN').map(src);
    const prod = runs.filter((r) => /npm ci/.test(r) && /--omit=dev/.test(r));
    expect(prod).toHaveLength(1);
    expect(prod[0]).toMatch(/--workspace apps\/server/);
    expect(prod[0]).toMatch(/--workspace packages\/protocol/);
    expect(prod[0]).not.toMatch(/--workspace apps\/web/);
    // The runtime stage copies only from the pruned stage.
    const copies = last.filter((i) => keyword(i) === 'COPY').map(src);
    for (const c of copies) expect(c).toMatch(/--from=prod\b/);
  });
});

describe('web image specifics', () => {
  const { text, df } = load(files.web);
  const last = finalStage(df);
  it('listens on 8080 as the unprivileged nginx user and replaces the base configuration', () => {
    expect(last.find((i) => keyword(i) === 'EXPOSE')?.getArgumentsContent()).toBe('8080');
    expect(last.filter((i) => keyword(i) === 'USER').at(-1)?.getArgumentsContent()).toBe('101');
    for (const dest of ['/etc/nginx/nginx.conf', '/etc/nginx/conf.d/default.conf', '/etc/nginx/snippets/parley-security-headers.conf']) {
      expect(text).toContain(dest);
    }
  });
  it('precompresses the build output and feature-detects brotli_static', () => {
    expect(text).toMatch(/precompress\.mjs apps\/web\/dist/);
    expect(text).toMatch(/nginx -q -t/);
  });
});
