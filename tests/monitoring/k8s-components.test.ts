import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools';
import { selectorMatches } from '../k8s/lib/policy';
import { kustomize, type K8sObject } from '../k8s/lib/render';
import { validateObject } from '../k8s/lib/validate';
import { dashboards, repoRoot, rules } from './metric-names';

const componentsDir = join(repoRoot, 'deploy/k8s/components');
const fixture = join(repoRoot, 'tests/monitoring/fixtures/base-with-components');

describe('monitoring and logging are Kustomize components', () => {
  for (const c of ['monitoring', 'logging']) {
    it(`${c}/kustomization.yaml is kind: Component`, () => {
      const k = parse(readFileSync(join(componentsDir, c, 'kustomization.yaml'), 'utf8'));
      expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1alpha1');
      expect(k.kind).toBe('Component');
    });
  }
});

describe.skipIf(skipWithout('kubectl'))('components rendered on top of deploy/k8s/base', () => {
  let objs: K8sObject[] = [];
  const find = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
  const findPrefix = (kind: string, prefix: string) => objs.find((o) => o.kind === kind && o.metadata.name.startsWith(prefix));

  beforeAll(async () => {
    objs = await kustomize(fixture);
  });

  it('renders every object of both components into the overlay namespace', () => {
    for (const [kind, name] of [
      ['ServiceMonitor', 'parley-server'],
      ['PrometheusRule', 'parley'],
      ['Deployment', 'parley-alloy'],
      ['StatefulSet', 'parley-loki'],
      ['Service', 'parley-loki'],
      ['Role', 'parley-alloy'],
      ['RoleBinding', 'parley-alloy'],
    ]) {
      const o = find(kind, name);
      expect(o, `${kind}/${name}`).toBeDefined();
      expect(o!.metadata.namespace).toBe('parley-test');
    }
  });

  it('every object of the components passes schema validation', async () => {
    const mine = objs.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'monitoring' || o.metadata.labels?.['app.kubernetes.io/component'] === 'logging');
    expect(mine.length).toBeGreaterThanOrEqual(12);
    const errors = (await Promise.all(mine.map((o) => validateObject(o)))).flat();
    expect(errors).toEqual([]);
  });

  it('ServiceMonitor selects the server Service and its metrics port, and no web Service', () => {
    const sm = find('ServiceMonitor', 'parley-server')!;
    const svc = find('Service', 'parley-server')!;
    expect(selectorMatches(sm.spec.selector, svc.metadata.labels ?? {})).toBe(true);
    const port = (svc.spec.ports as Array<{ name: string; port: number; targetPort: string | number }>).find((p) => p.name === sm.spec.endpoints[0].port);
    expect(port?.port).toBe(9464);
    const web = objs.filter((o) => o.kind === 'Service' && o.metadata.name !== 'parley-server' && selectorMatches(sm.spec.selector, o.metadata.labels ?? {}));
    expect(web.map((o) => o.metadata.name)).toEqual([]);
    // The server container really listens on the port the Service's metrics port targets.
    const deploy = find('Deployment', 'parley-server')!;
    const container = deploy.spec.template.spec.containers.find((c: { name: string }) => c.name === 'server');
    const target = (container.ports as Array<{ name: string; containerPort: number }>).find((p) => p.name === port!.targetPort || p.containerPort === port!.targetPort);
    expect(target?.containerPort).toBe(9464);
    // job label = parley-server, what the rules and dashboards select.
    const relabel = sm.spec.endpoints[0].relabelings as Array<{ targetLabel?: string; replacement?: string; action: string; regex?: string }>;
    expect(relabel).toContainEqual(expect.objectContaining({ targetLabel: 'job', replacement: 'parley-server' }));
    expect(relabel).toContainEqual(expect.objectContaining({ action: 'keep', regex: 'parley-server' }));
  });

  it('PrometheusRule holds every rule of deploy/monitoring/rules', () => {
    const pr = find('PrometheusRule', 'parley')!;
    const rendered = (pr.spec.groups as Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>).flatMap((g) => g.rules);
    expect(rendered.map((r) => r.alert ?? r.record)).toEqual(rules().map((r) => r.alert ?? r.record));
    expect(rendered.map((r) => r.expr)).toEqual(rules().map((r) => r.expr));
  });

  it('ships one Grafana dashboard ConfigMap per dashboard with the sidecar label', () => {
    const cms = objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    expect(cms.map((c) => Object.keys(c.data)[0]).sort()).toEqual([...dashboards().keys()].sort());
  });

  it('Loki keeps logs 14 days with compactor retention on a persistent volume', () => {
    const sts = find('StatefulSet', 'parley-loki')!;
    const cmName = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'config').configMap.name;
    const cm = find('ConfigMap', cmName);
    expect(cm, `ConfigMap ${cmName} referenced by the StatefulSet`).toBeDefined();
    const loki = parse(cm!.data['loki.yaml']);
    expect(loki.limits_config.retention_period).toBe('336h');
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe('filesystem');
    expect(loki.schema_config.configs.at(-1)).toEqual(expect.objectContaining({ store: 'tsdb', schema: 'v13' }));
    expect(loki.common.path_prefix).toBe('/var/loki');
    const mount = sts.spec.template.spec.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/var/loki');
    expect(sts.spec.volumeClaimTemplates.map((v: { metadata: { name: string } }) => v.metadata.name)).toContain(mount.name);
    expect(sts.spec.template.spec.containers[0].args).toContain('-config.file=/etc/loki/loki.yaml');
  });

  it('Alloy reads its generated config, pushes to the Loki Service and labels streams', () => {
    const dep = find('Deployment', 'parley-alloy')!;
    const cmName = dep.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'config').configMap.name;
    const cm = findPrefix('ConfigMap', 'parley-alloy-config-');
    expect(cm?.metadata.name).toBe(cmName);
    const config: string = cm!.data['config.alloy'];
    expect(dep.spec.template.spec.containers[0].args).toContain('/etc/alloy/config.alloy');
    // Balanced blocks: a cheap syntax sanity check (no Alloy binary offline).
    expect((config.match(/\{/g) ?? []).length).toBe((config.match(/\}/g) ?? []).length);
    const svc = find('Service', 'parley-loki')!;
    expect(config).toContain(`url = "http://${svc.metadata.name}:${svc.spec.ports[0].port}/loki/api/v1/push"`);
    for (const label of ['namespace', 'pod', 'container', 'app', 'component']) expect(config).toContain(`target_label  = "${label}"`);
    expect(config).toMatch(/stage\.labels \{\s*values = \{ level = "" \}/);
    expect(config).toMatch(/own_namespace = true/);
    const role = find('Role', 'parley-alloy')!;
    expect(role.rules).toContainEqual(expect.objectContaining({ resources: ['pods/log'], verbs: ['get'] }));
    expect(dep.spec.replicas).toBe(1);
  });

  it('lets Alloy reach Loki and Grafana query it when network policies default-deny', () => {
    const lokiNp = find('NetworkPolicy', 'parley-loki')!;
    const alloyPod = find('Deployment', 'parley-alloy')!.spec.template.metadata.labels;
    const allowed = (lokiNp.spec.ingress as Array<{ from: Array<{ podSelector?: unknown }>; ports: Array<{ port: number }> }>).some(
      (r) => r.from.some((f) => f.podSelector && selectorMatches(f.podSelector, alloyPod)) && r.ports.some((p) => p.port === 3100),
    );
    expect(allowed).toBe(true);
    const lokiPod = find('StatefulSet', 'parley-loki')!.spec.template.metadata.labels;
    expect(selectorMatches(lokiNp.spec.podSelector, lokiPod)).toBe(true);
  });
});
