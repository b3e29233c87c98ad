/**
 * Contracts between the Kubernetes manifests and the other areas: the server's configuration
 * schema, the images (deploy/docker) and the web image's nginx configuration. A rename on
 * either side fails here instead of in a cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONFIG_VARS } from '../../apps/server/src/config/schema.ts';
import { skipWithout } from '../support/tools.ts';
import { renderAll, repoRoot, type K8sObject } from './lib/render.ts';
import { podSpecOf, workloads } from './lib/policy.ts';

const skip = skipWithout('kubectl');
const renderings = skip ? [] : await renderAll();
const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');
const vars = CONFIG_VARS as Record<string, { secret?: boolean }>;
/** Variables read by Node or the image, not by Parley's config loader. */
const RUNTIME_VARS = new Set(['NODE_OPTIONS', 'POD_NAME']);

function serverEnvNames(objs: K8sObject[]): { where: string; name: string }[] {
  const out: { where: string; name: string }[] = [];
  for (const w of workloads(objs)) {
    for (const c of podSpecOf(w)?.containers ?? []) {
      if (!/parley-server/.test(c.image)) continue;
      for (const e of c.env ?? []) out.push({ where: `${w.kind}/${w.metadata.name}`, name: e.name });
      for (const ef of c.envFrom ?? []) {
        const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef?.name);
        for (const k of Object.keys(cm?.data ?? {})) out.push({ where: `ConfigMap/${cm!.metadata.name}`, name: k });
      }
    }
  }
  return out;
}

describe.skipIf(skip)('server configuration', () => {
  test('every variable the manifests set is one the server reads (apps/server/src/config/schema.ts)', () => {
    const unknown: string[] = [];
    for (const r of renderings) {
      for (const { where, name } of serverEnvNames(r.objects)) {
        const file = /^(.+)_FILE$/.exec(name);
        const ok = RUNTIME_VARS.has(name) || name in vars || (file !== null && vars[file[1]!]?.secret === true);
        if (!ok) unknown.push(`${r.name} ${where}: ${name}`);
      }
    }
    expect([...new Set(unknown)]).toEqual([]);
  });

  test('secrets are passed as *_FILE only, never as plain variables', () => {
    for (const r of renderings) {
      for (const { where, name } of serverEnvNames(r.objects)) {
        expect(vars[name]?.secret, `${r.name} ${where}: ${name} is a secret, use ${name}_FILE`).not.toBe(true);
      }
    }
  });
});

describe.skipIf(skip)('images', () => {
  const server = read('deploy/docker/server.Dockerfile');
  const web = read('deploy/docker/web.Dockerfile');
  const lastStage = (df: string) => df.slice(df.lastIndexOf('\nFROM '));
  const base = renderings.find((r) => r.name === 'base')?.objects ?? [];
  const spec = (name: string) => podSpecOf(base.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!);

  test('server: pod uid = image USER, ports = EXPOSE, the migrate args fit ENTRYPOINT node + WORKDIR', () => {
    const stage = lastStage(server);
    const user = /^USER (\d+)(?::(\d+))?/m.exec(stage);
    expect(spec('parley-server').securityContext.runAsUser).toBe(Number(user![1]));
    const expose = /^EXPOSE (.+)$/m.exec(stage)![1]!.split(/\s+/).map(Number);
    expect(spec('parley-server').containers[0].ports.map((p: { containerPort: number }) => p.containerPort).sort()).toEqual(expose.sort());
    expect(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(stage)![1]!).at(-1)).toMatch(/\/node$/);
    expect(/^WORKDIR (.+)$/m.exec(stage)![1]).toBe('/app');
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(stage)![1]!)[0]).toBe('apps/server/dist/main.js');
    const job = podSpecOf(base.find((o) => o.kind === 'Job')!);
    expect(job.containers[0].args).toEqual(['apps/server/dist/main.js', 'migrate']);
    expect(job.securityContext.runAsUser).toBe(Number(user![1]));
  });

  test('web: pod uid = image USER, port = EXPOSE, the upstream override replaces the file the image installs', () => {
    const stage = lastStage(web);
    const users = [...stage.matchAll(/^USER (\d+)/gm)].map((m) => Number(m[1]));
    const s = spec('parley-web');
    expect(s.securityContext.runAsUser).toBe(users.at(-1));
    expect(s.containers[0].ports[0].containerPort).toBe(Number(/^EXPOSE (\d+)/m.exec(stage)![1]));
    const mount = s.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'nginx-upstream');
    expect(stage).toContain(`deploy/docker/nginx/upstream.conf ${mount.mountPath}`);
    // same upstream name as the image's proxy_pass, pointing at the server Service
    const cm = base.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('parley-web-nginx'))!;
    const conf = cm.data![mount.subPath]!;
    const upstreamName = /upstream (\w+) \{/.exec(read('deploy/docker/nginx/upstream.conf'))![1];
    expect(conf).toContain(`upstream ${upstreamName} {`);
    expect(read('deploy/docker/nginx/default.conf')).toContain(`proxy_pass http://${upstreamName};`);
    const svc = base.find((o) => o.kind === 'Service' && o.metadata.name === 'parley-server')!;
    expect(conf).toContain(`server ${svc.metadata.name}:${svc.spec.ports.find((p: { name: string }) => p.name === 'http').port} `);
    // the nginx config keeps its writable paths under /tmp (read-only root filesystem)
    expect(read('deploy/docker/nginx/nginx.conf')).toMatch(/^pid\s+\/tmp\//m);
  });

  test('web probes use the nginx health endpoint the image serves', () => {
    expect(read('deploy/docker/nginx/default.conf')).toContain(`location = ${spec('parley-web').containers[0].readinessProbe.httpGet.path} {`);
  });
});
