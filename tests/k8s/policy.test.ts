/**
 * Policy tests over the rendered output of every overlay and component combination: every
 * rule under "Security" and "Workloads" in issue 7 for every pod template, Service ports
 * referenced by Ingress/HTTPRoute/ServiceMonitor, ConfigMap/Secret keys, digests in
 * production, and the component-specific requirements.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools.ts';
import { combinationKustomization, componentsDir, kustomize, objectId, renderAll, repoRoot, scratchDir, type K8sObject } from './lib/render.ts';
import {
  EXTERNAL_SECRETS, checkDigests, checkIngress, checkKeyReferences, checkNamespace, checkNetworkPolicies,
  checkObjectSizes, checkPodSecurity, checkSecretsAndRbac, checkServiceReferences, checkWorkloads, definedSecretKeys, docsText, podSpecOf, workloads, WAIVERS, withoutWaived,
} from './lib/policy.ts';
import { writeFileSync, rmSync } from 'node:fs';

const skip = skipWithout('kubectl');
const renderings = skip ? [] : await renderAll();
const overlays = renderings.filter((r) => r.kind === 'overlay');
const appRenderings = renderings.filter((r) => r.kind !== 'gitops');
const byName = (n: string) => renderings.find((r) => r.name === n)!.objects;
const one = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

const violationsOf = (r: (typeof renderings)[number]) => [
  ...checkPodSecurity(r.objects),
  ...checkWorkloads(r.objects),
  ...checkServiceReferences(r.objects),
  ...checkKeyReferences(r.objects),
  ...checkIngress(r.objects),
  ...checkSecretsAndRbac(r.objects),
  ...checkObjectSizes(r.objects),
  ...(r.components.includes('network-policies') ? checkNetworkPolicies(r.objects) : []),
];

describe.skipIf(skip)('every overlay and combination', () => {
  test.each(appRenderings.map((r) => [r.name, r] as const))('%s: pod security, workloads, references', (_n, r) => {
    const violations = violationsOf(r);
    // Parley's own overlays get no waivers at all.
    expect(r.kind === 'overlay' ? violations : withoutWaived(violations)).toEqual([]);
  });

  test('every waiver (lib/policy.ts WAIVERS) is still needed', () => {
    const used = new Set<number>();
    for (const r of appRenderings) withoutWaived(violationsOf(r), used);
    WAIVERS.forEach((w, i) => expect(used.has(i), `stale waiver: ${w.reason}`).toBe(true));
  });
});

describe.skipIf(skip)('overlays', () => {
  test.each(overlays.map((r) => [r.name, r] as const))('%s: namespace with PSA restricted, quota, limits, network policies', (_n, r) => {
    expect([...checkNamespace(r.objects), ...checkNetworkPolicies(r.objects)]).toEqual([]);
  });

  test('production pins every image by digest and sets a priority class on every pod', () => {
    const objs = byName('overlay:production');
    expect(checkDigests(objs)).toEqual([]);
    const pc = objs.find((o) => o.kind === 'PriorityClass');
    expect(pc?.metadata.name).toBe('parley-production');
    for (const w of workloads(objs)) expect(podSpecOf(w).priorityClassName, objectId(w)).toBe(pc!.metadata.name);
    expect(one(objs, 'Cluster', 'parley-db')?.spec.priorityClassName).toBe(pc!.metadata.name);
  });

  test('production: CloudNativePG with 3 instances and scheduled backups to object storage', () => {
    const objs = byName('overlay:production');
    const cluster = one(objs, 'Cluster', 'parley-db')!;
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toMatch(/^s3:\/\//);
    const sb = objs.find((o) => o.kind === 'ScheduledBackup')!;
    expect(sb.spec.cluster.name).toBe('parley-db');
    expect(sb.spec.method).toBe('barmanObjectStore');
    expect(sb.spec.schedule.split(' ')).toHaveLength(6);
    expect(cluster.spec.inheritedMetadata.labels['parley.dev/role']).toBe('database');
  });

  test('dev and staging images are tagged (never latest) and production replicas exceed dev', () => {
    const dev = byName('overlay:dev');
    for (const w of workloads(dev)) for (const c of podSpecOf(w).containers) expect(c.image, objectId(w)).toMatch(/:[\w.-]+$/);
    const replicas = (objs: K8sObject[]) => one(objs, 'Deployment', 'parley-server')!.spec.replicas;
    expect(replicas(byName('overlay:production'))).toBeGreaterThan(replicas(dev));
  });

  test('every Secret a pod needs is created in the overlay or documented as external', () => {
    const doc = docsText();
    for (const [name, keys] of Object.entries(EXTERNAL_SECRETS)) {
      expect(doc, `docs/operations/kubernetes.md documents Secret ${name}`).toContain(name);
      for (const k of keys) expect(doc, `docs document key ${k} of ${name}`).toContain(k);
    }
    // in staging and production nothing is left to kubectl: External Secrets or CloudNativePG create them
    for (const env of ['staging', 'production']) {
      const objs = byName(`overlay:${env}`);
      const defined = definedSecretKeys(objs);
      for (const w of workloads(objs)) {
        const json = JSON.stringify(podSpecOf(w));
        for (const name of Object.keys(EXTERNAL_SECRETS)) if (json.includes(`"${name}"`)) expect(defined.has(name), `${env}: ${name} is created by a rendered object`).toBe(true);
      }
    }
  });
});

describe.skipIf(skip)('workload specifics', () => {
  const base = skip ? [] : byName('base');

  test('migration Job runs the image\'s migrate command (Argo CD Sync hook)', () => {
    const job = one(base, 'Job', 'parley-migrate')!;
    const c = job.spec.template.spec.containers[0];
    expect(c.args).toEqual(['apps/server/dist/main.js', 'migrate']);
    expect(c.command).toBeUndefined();
    const server = one(base, 'Deployment', 'parley-server')!;
    expect(c.image).toBe(server.spec.template.spec.containers[0].image);
    expect(job.metadata.annotations!['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('Argo CD order: Secrets and database, then the migration, then the Deployments', () => {
    const wave = (o: K8sObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    for (const r of overlays) {
      const job = r.objects.find((o) => o.kind === 'Job')!;
      const spec = podSpecOf(job);
      const needs = r.objects.filter((o) =>
        (o.kind === 'ConfigMap' && spec.containers[0].envFrom.some((e: { configMapRef: { name: string } }) => e.configMapRef.name === o.metadata.name)) ||
        (o.kind === 'ServiceAccount' && o.metadata.name === spec.serviceAccountName) ||
        (o.kind === 'Cluster') ||
        (o.kind === 'StatefulSet' && o.spec.template.metadata.labels['parley.dev/role'] === 'database') ||
        (o.kind === 'ExternalSecret'));
      expect(needs.length, r.name).toBeGreaterThanOrEqual(2);
      for (const n of needs) expect(wave(n), `${r.name}: ${objectId(n)} before the migration`).toBeLessThan(wave(job));
      for (const d of r.objects.filter((o) => o.kind === 'Deployment')) expect(wave(d), `${r.name}: ${objectId(d)} after the migration`).toBeGreaterThan(wave(job));
      // ExternalSecrets before the Cluster whose backup credentials they provide
      for (const es of r.objects.filter((o) => o.kind === 'ExternalSecret')) {
        for (const c of r.objects.filter((o) => o.kind === 'Cluster')) expect(wave(es)).toBeLessThan(wave(c));
      }
    }
  });

  test('pre-rollout stage (plain-kubectl upgrades): the Job, its ServiceAccount and every ConfigMap it reads, nothing else', () => {
    for (const r of overlays) {
      const stage = r.objects.filter((o) => o.metadata.labels?.['parley.dev/apply-stage'] === 'pre-rollout');
      const job = stage.find((o) => o.kind === 'Job');
      expect(job, r.name).toBeDefined();
      expect(stage.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === job!.spec.template.spec.serviceAccountName)).toBe(true);
      for (const ef of job!.spec.template.spec.containers[0].envFrom) {
        expect(stage.some((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef.name), `${r.name}: ${ef.configMapRef.name} in the stage`).toBe(true);
      }
      expect(stage.filter((o) => !['Job', 'ServiceAccount', 'ConfigMap'].includes(o.kind)).map(objectId), r.name).toEqual([]);
    }
  });

  test('network policies: server only from the ingress controller (http) and Prometheus (metrics); egress only to the data services', () => {
    const objs = byName('overlay:production');
    const np = one(objs, 'NetworkPolicy', 'parley-server')!;
    const ingress = np.spec.ingress.map((r: { from: { namespaceSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: string }[] }) => `${r.from[0]!.namespaceSelector?.matchLabels['kubernetes.io/metadata.name']}:${r.ports.map((p) => p.port).join(',')}`);
    expect(ingress.sort()).toEqual(['ingress-nginx:http', 'monitoring:metrics']);
    const egress = np.spec.egress.map((r: { to: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }) => `${r.to[0]!.podSelector.matchLabels['parley.dev/role']}:${r.ports[0]!.port}`);
    expect(egress.sort()).toEqual(['cache:6379', 'database:5432']);
    const web = one(objs, 'NetworkPolicy', 'parley-web')!;
    expect(web.spec.egress).toEqual([]);
    expect(web.spec.ingress).toHaveLength(1);
    // the data services' pods carry the role labels the policies select
    expect(one(objs, 'Cluster', 'parley-db')!.spec.inheritedMetadata.labels['parley.dev/role']).toBe('database');
    expect(one(objs, 'StatefulSet', 'parley-redis')!.spec.template.metadata.labels['parley.dev/role']).toBe('cache');
  });

  test('server: ports http 3000 and metrics 9464, serve by default, preStop uses the sleep handler (no shell)', () => {
    const d = one(base, 'Deployment', 'parley-server')!;
    const c = d.spec.template.spec.containers[0];
    expect(c.ports.map((p: { name: string; containerPort: number }) => `${p.name}:${p.containerPort}`)).toEqual(['http:3000', 'metrics:9464']);
    expect(c.args).toBeUndefined();
    expect(c.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    const svc = one(base, 'Service', 'parley-server')!;
    expect(svc.spec.ports.map((p: { name: string; port: number }) => `${p.name}:${p.port}`)).toEqual(['http:3000', 'metrics:9464']);
    expect(one(base, 'Service', 'parley-web')!.spec.ports[0].port).toBe(8080);
  });

  test('a ConfigMap change rolls the server pods (content hash in the pod template)', async () => {
    const dir = scratchDir('confighash');
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), `${combinationKustomization([]).replaceAll('../', '../')}configMapGenerator:\n  - name: parley-server-config\n    behavior: merge\n    literals: [LOG_LEVEL=warn]\n`);
      const changed = await kustomize(dir);
      const tmpl = (objs: K8sObject[], kind: string, name: string) => JSON.stringify(one(objs, kind, name)!.spec.template);
      expect(tmpl(changed, 'Deployment', 'parley-server')).not.toBe(tmpl(base, 'Deployment', 'parley-server'));
      expect(tmpl(changed, 'Job', 'parley-migrate')).not.toBe(tmpl(base, 'Job', 'parley-migrate'));
      const cm = changed.find((o) => o.kind === 'ConfigMap')!;
      expect(cm.metadata.name).toMatch(/^parley-server-config-[a-z0-9]{10}$/);
      expect(cm.data!.LOG_LEVEL).toBe('warn');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('ingress-nginx: WebSocket timeouts >= 3600 s, body size matches UPLOAD_MAX_BYTES, no snippets', () => {
    expect(checkIngress(base)).toEqual([]);
    const cm = base.find((o) => o.kind === 'ConfigMap')!;
    expect(cm.data!.UPLOAD_MAX_BYTES).toBe('10485760');
  });
});

describe.skipIf(skip)('components', () => {
  test('autoscaling: HPA on CPU and WebSocket connections, never memory, slow scale-down; VPA recommends only', () => {
    const objs = byName('base+autoscaling');
    const hpas = objs.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(['parley-server', 'parley-web']);
    for (const h of hpas) {
      const names = h.spec.metrics.map((m: { type: string; resource?: { name: string }; pods?: { metric: { name: string } } }) => m.resource?.name ?? m.pods?.metric.name);
      expect(names, h.metadata.name).not.toContain('memory');
      expect(names).toContain('cpu');
      expect(h.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
    }
    const server = hpas.find((h) => h.metadata.name === 'parley-server')!;
    expect(server.spec.metrics.some((m: { pods?: { metric: { name: string } } }) => m.pods?.metric.name === 'parley_ws_connections')).toBe(true);
    for (const v of objs.filter((o) => o.kind === 'VerticalPodAutoscaler')) expect(v.spec.updatePolicy.updateMode).toBe('Off');
  });

  test('autoscaling: the shipped prometheus-adapter rule serves the metric the HPA reads, from a real server metric', () => {
    const rules = parse(readFileSync(join(componentsDir, 'autoscaling/prometheus-adapter/rules.yaml'), 'utf8'));
    const rule = rules.rules.custom.find((r: { name: { as: string } }) => r.name.as === 'parley_ws_connections');
    expect(rule.seriesQuery).toMatch(/^parley_ws_connections\{/);
    expect(rule.resources.overrides.pod.resource).toBe('pod');
    expect(rule.resources.overrides.namespace.resource).toBe('namespace');
    expect(rule.metricsQuery).toContain('<<.Series>>');
    const metricsSrc = readFileSync(join(repoRoot, 'apps/server/src/observability/metrics.ts'), 'utf8');
    expect(metricsSrc).toContain("name: 'parley_ws_connections'");
  });

  test('canary: Flagger with the brief\'s analysis and success-rate + latency checks', () => {
    const objs = byName('overlay:production');
    const c = one(objs, 'Canary', 'parley-server')!;
    expect(c.spec.analysis).toMatchObject({ interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 });
    const metrics = c.spec.analysis.metrics.map((m: { name: string }) => m.name);
    expect(metrics).toEqual(expect.arrayContaining(['request-success-rate', 'request-duration']));
    expect(c.spec.targetRef.name).toBe('parley-server');
    expect(one(objs, 'Ingress', c.spec.ingressRef.name)).toBeDefined();
    expect(one(objs, 'HorizontalPodAutoscaler', c.spec.autoscalerRef.name)).toBeDefined();
    expect(one(objs, 'Service', 'parley-server')).toBeUndefined(); // Flagger owns the Services
  });

  test('blue-green: the public Service selects one track, both tracks exist', () => {
    const objs = byName('base+blue-green');
    const svc = one(objs, 'Service', 'parley-server')!;
    expect(svc.spec.selector['parley.dev/track']).toBe('blue');
    const blue = one(objs, 'Deployment', 'parley-server')!;
    const green = one(objs, 'Deployment', 'parley-server-green')!;
    expect(blue.spec.template.metadata.labels['parley.dev/track']).toBe('blue');
    expect(green.spec.template.metadata.labels['parley.dev/track']).toBe('green');
    expect(green.spec.template.spec.containers[0].image).toBe('parley-server-green');
  });

  test('gateway-api: HTTPRoutes replace the Ingresses with redirect, HSTS, routing and WebSocket timeout', () => {
    const objs = renderings.find((r) => r.components.includes('gateway-api') && r.components.includes('cert-manager'))!.objects;
    expect(objs.filter((o) => o.kind === 'Ingress')).toEqual([]);
    const route = one(objs, 'HTTPRoute', 'parley')!;
    const paths = route.spec.rules.map((r: { matches: { path: { value: string } }[]; backendRefs: { name: string }[] }) => `${r.matches[0]!.path.value}->${r.backendRefs[0]!.name}`);
    expect(paths).toEqual(['/api->parley-server', '/ws->parley-server', '/->parley-web']);
    const ws = route.spec.rules[1];
    expect(ws.timeouts.request).toMatch(/^(3600s|[1-9]\d*h)$/);
    expect(JSON.stringify(route.spec.rules)).toContain('Strict-Transport-Security');
    const redirect = one(objs, 'HTTPRoute', 'parley-https-redirect')!;
    expect(redirect.spec.rules[0].filters[0].requestRedirect.scheme).toBe('https');
    expect(one(objs, 'Issuer', 'parley-acme')!.spec.acme.solvers[0].http01.gatewayHTTPRoute).toBeDefined();
    // with network policies, the pods admit the Gateway's data plane instead of ingress-nginx
    const withNp = renderings.find((r) => r.components.includes('gateway-api') && r.components.includes('network-policies'))!.objects;
    for (const name of ['parley-server', 'parley-web']) {
      const np = one(withNp, 'NetworkPolicy', name)!;
      expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], name).toBe('gateway-system');
    }
    expect(JSON.stringify(withNp.filter((o) => o.kind === 'NetworkPolicy'))).not.toContain('ingress-nginx');
  });

  test('gitops: one Argo CD Application per overlay, each pointing at its overlay', () => {
    const apps = byName('gitops').filter((o) => o.kind === 'Application');
    const paths = apps.map((a) => a.spec.source.path).sort();
    expect(paths).toEqual(overlays.map((r) => `deploy/k8s/overlays/${r.name.split(':')[1]}`).sort());
    for (const a of apps) {
      const env = a.spec.source.path.split('/').pop();
      const ns = byName(`overlay:${env}`).find((o) => o.kind === 'Namespace')!.metadata.name;
      expect(a.spec.destination.namespace, a.metadata.name).toBe(ns);
    }
  });
});
