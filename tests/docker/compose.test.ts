// Static policy of deploy/compose (no Docker needed): image variables, pull policy, health
// checks, secrets from files, hardening, limits, the service names other areas depend on, and
// the helper scripts. The stack itself runs in scripts/container-smoke.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'deploy/compose');
type Service = Record<string, any>;
const doc = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, { file: string }>; volumes: Record<string, unknown>; networks: Record<string, any> };
const services = doc.services;
const built = ['web', 'server-1', 'server-2', 'migrate'];
const longRunning = ['web', 'server-1', 'server-2', 'postgres', 'redis', 'prometheus', 'grafana'];
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe('deploy/compose/compose.yaml', () => {
  it('has the services other areas rely on (Prometheus scrapes server-1 and server-2)', () => {
    for (const name of ['web', 'server-1', 'server-2', 'migrate', 'postgres', 'redis', 'backup', 'prometheus', 'grafana']) expect(services, name).toHaveProperty(name);
    expect(services.prometheus!.profiles).toEqual(['monitoring']);
    expect(services.grafana!.profiles).toEqual(['monitoring']);
    expect(services.backup!.profiles).toEqual(['backup']);
  });

  it('names every image through a variable whose default is a pinned official tag, and never pulls implicitly', () => {
    const expected: Record<string, RegExp> = {
      postgres: /^\$\{POSTGRES_IMAGE:-postgres:16[\w.-]*\}$/,
      backup: /^\$\{POSTGRES_IMAGE:-postgres:16[\w.-]*\}$/,
      redis: /^\$\{REDIS_IMAGE:-redis:7[\w.-]*\}$/,
      prometheus: /^\$\{PROMETHEUS_IMAGE:-prom\/prometheus:v\d+\.\d+\.\d+\}$/,
      grafana: /^\$\{GRAFANA_IMAGE:-grafana\/grafana(-oss)?:\d+\.\d+\.\d+\}$/,
      web: /^\$\{PARLEY_WEB_IMAGE:-parley\/web:[\w.-]+\}$/,
    };
    for (const [name, svc] of Object.entries(services)) {
      expect(svc.image, name).toMatch(/^\$\{[A-Z_]+:-[^}]+\}$/);
      expect(svc.image, name).not.toMatch(/:latest\}/);
      if (expected[name]) expect(svc.image, name).toMatch(expected[name]!);
      expect(['never', 'build', 'missing'], `${name} pull_policy`).toContain(svc.pull_policy);
    }
    for (const name of ['server-1', 'server-2', 'migrate']) expect(services[name]!.image).toMatch(/^\$\{PARLEY_SERVER_IMAGE:-parley\/server:[\w.-]+\}$/);
    // builds use only the base-image arguments with official defaults
    const buildArgs = { ...services['server-1']!.build.args, ...services.web!.build.args };
    expect(buildArgs.NODE_IMAGE).toBe('${NODE_IMAGE:-node:24-bookworm-slim}');
    expect(buildArgs.RUNTIME_IMAGE).toBe('${RUNTIME_IMAGE:-gcr.io/distroless/nodejs24-debian12:nonroot}');
    expect(buildArgs.NGINX_IMAGE).toMatch(/^\$\{NGINX_IMAGE:-nginxinc\/nginx-unprivileged:1\.\d+-alpine\}$/);
  });

  it('orders start-up: postgres/redis healthy → migrate completed → servers healthy → web', () => {
    expect(services.migrate!.depends_on.postgres.condition).toBe('service_healthy');
    expect(services.migrate!.command).toEqual(['apps/server/dist/main.js', 'migrate']);
    expect(services.migrate!.restart).toBe('no');
    for (const s of ['server-1', 'server-2']) {
      expect(services[s]!.depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(services[s]!.depends_on.postgres.condition).toBe('service_healthy');
      expect(services[s]!.depends_on.redis.condition).toBe('service_healthy');
      expect(services[s]!.networks.edge.aliases).toEqual(['server']);
    }
    expect(services.web!.depends_on['server-1'].condition).toBe('service_healthy');
    expect(services.web!.depends_on['server-2'].condition).toBe('service_healthy');
  });

  it('health-checks every long-running service with short intervals (Docker 20.10: no start_interval)', () => {
    for (const name of longRunning) {
      const hc = services[name]!.healthcheck;
      expect(hc?.test, name).toBeDefined();
      expect(seconds(hc.interval), `${name} interval`).toBeLessThanOrEqual(3);
      expect(hc.start_interval, name).toBeUndefined();
    }
    expect(services['server-1']!.healthcheck.test).toEqual(['CMD', '/nodejs/bin/node', 'apps/server/dist/healthcheck.js']);
    expect(services.web!.healthcheck.test).toEqual(['CMD', '/usr/local/bin/parley-web-health']); // the image's probe script (tests/docker/nginx.test.ts runs it)
  });

  it('takes secrets from files, never inline', () => {
    for (const [name, s] of Object.entries(doc.secrets)) expect(s.file, name).toMatch(/^\$\{PARLEY_SECRETS_DIR:-\.\/secrets\}\/\w+$/);
    for (const s of ['server-1', 'server-2', 'migrate']) {
      const env = services[s]!.environment as Record<string, string>;
      expect(env.DATABASE_URL_FILE).toBe('/run/secrets/database_url');
      expect(env.TOKEN_SECRET_FILE).toBe('/run/secrets/token_secret');
      expect(env).not.toHaveProperty('DATABASE_URL');
      expect(env).not.toHaveProperty('TOKEN_SECRET');
      expect(services[s]!.secrets).toEqual(['database_url', 'token_secret']);
    }
    expect(services.postgres!.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(services.postgres!.environment).not.toHaveProperty('POSTGRES_PASSWORD');
    const all = readFileSync(join(dir, 'compose.yaml'), 'utf8') + readFileSync(join(dir, '.env.example'), 'utf8');
    expect(all).not.toMatch(/(PASSWORD|SECRET|TOKEN)\s*[:=]\s*\S*[A-Za-z0-9]{12,}/);
    expect(all).not.toMatch(/postgres(ql)?:\/\/[^:\s]+:[^@\s$]+@/);
  });

  it('hardens the Parley containers: non-root, read-only root, no capabilities, no-new-privileges, tmpfs /tmp', () => {
    for (const name of built) {
      const s = services[name]!;
      expect(s.read_only, name).toBe(true);
      expect(s.cap_drop, name).toEqual(['ALL']);
      expect(s.security_opt, name).toContain('no-new-privileges:true');
      expect(s.user, name).toMatch(/^(65532:65532|101:101)$/);
      expect(s.tmpfs?.[0], name).toMatch(/^\/tmp:/);
    }
    for (const name of Object.keys(services)) expect(services[name]!.security_opt, name).toContain('no-new-privileges:true');
  });

  it('limits resources of every service and uses named volumes for state', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'backup') continue;
      expect(s.deploy?.resources?.limits?.memory, name).toMatch(/^\d+[MG]$/);
      expect(s.deploy?.resources?.limits?.cpus, name).toBeDefined();
    }
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(Object.keys(doc.volumes)).toEqual(expect.arrayContaining(['pgdata', 'redisdata', 'promdata', 'grafanadata']));
    expect(doc.networks.backend.internal).toBe(true);
    // only web (and the monitoring UIs) publish ports, on loopback by default
    for (const [name, s] of Object.entries(services)) {
      if (!s.ports) continue;
      expect(['web', 'prometheus', 'grafana'], name).toContain(name);
      for (const p of s.ports) expect(p, name).toMatch(/^\$\{[A-Z_]+_BIND:-127\.0\.0\.1\}:/);
    }
  });

  it('mounts the monitoring files that exist in the repository', () => {
    const mounts = [...services.prometheus!.volumes, ...services.grafana!.volumes].filter((v: string) => v.startsWith('../'));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const m of mounts) expect(existsSync(join(dir, m.split(':')[0])), m).toBe(true);
    const prom = readFileSync(join(root, 'deploy/monitoring/prometheus/prometheus.yml'), 'utf8');
    expect(prom).toContain('server-1:9464');
    expect(prom).toContain('server-2:9464');
    expect(prom).toContain('/etc/prometheus/rules/');
  });

  it('ships example secret files with obviously fake values, and .env.example covers every variable used', () => {
    for (const name of Object.keys(doc.secrets)) {
      const example = readFileSync(join(dir, 'secrets', `${name}.example`), 'utf8');
      expect(example, name).toMatch(/EXAMPLE/);
    }
    const vars = new Set([...readFileSync(join(dir, 'compose.yaml'), 'utf8').matchAll(/\$\{([A-Z_]+)(?::-[^}]*)?\}/g)].map((m) => m[1]!));
    const documented = new Set([...readFileSync(join(dir, '.env.example'), 'utf8').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!));
    for (const v of vars) expect(documented.has(v), `${v} in .env.example`).toBe(true);
  });
});

describe('deploy/compose scripts', () => {
  it('init-secrets.sh writes matching random secrets once, readable by the containers, in a private directory', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'parley-secrets-'));
    try {
      const out = join(tmp, 's');
      execFileSync('sh', [join(dir, 'init-secrets.sh'), out]);
      const read = (n: string) => readFileSync(join(out, n), 'utf8');
      const pw = read('postgres_password');
      expect(pw).toMatch(/^[0-9a-f]{48}$/);
      expect(read('database_url')).toBe(`postgres://parley:${pw}@postgres:5432/parley`);
      expect(read('token_secret').length).toBeGreaterThanOrEqual(32);
      expect(statSync(out).mode & 0o777).toBe(0o700);
      expect(statSync(join(out, 'token_secret')).mode & 0o777).toBe(0o644);
      const before = read('token_secret');
      execFileSync('sh', [join(dir, 'init-secrets.sh'), out]);
      expect(read('token_secret')).toBe(before); // never overwritten
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.skipIf(skipWithout('yamllint'))('compose.yaml passes yamllint', () => {
    const config = '{extends: default, rules: {line-length: {max: 160}, document-start: disable, truthy: {check-keys: false}}}';
    execFileSync('yamllint', ['-s', '-d', config, 'compose.yaml'], { cwd: dir });
  });

  it.skipIf(skipWithout('shellcheck'))('passes shellcheck', () => {
    execFileSync('shellcheck', ['init-secrets.sh', 'backup.sh', 'restore.sh'], { cwd: dir });
  });

  it('keeps real secrets, dumps and .env out of git', () => {
    const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
    expect(ignore).toMatch(/^\/secrets\/\*$/m);
    expect(ignore).toMatch(/^!\/secrets\/\*\.example$/m);
    expect(ignore).toMatch(/^\/backups\/$/m);
    expect(ignore).toMatch(/^\/\.env$/m);
  });
});
