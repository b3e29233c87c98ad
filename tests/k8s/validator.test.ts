/**
 * The validator and the policy checks must reject broken manifests: each test breaks one
 * thing in an otherwise valid rendered object and expects an error naming that object.
 */
import { describe, expect, test } from 'vitest';
import { skipWithout } from '../support/tools.ts';
import { type K8sObject, renderAll } from './lib/render.ts';
import { checkKeyReferences, checkNetworkPolicies, checkPodSecurity, checkServiceReferences, checkWorkloads, checkIngress, checkDigests } from './lib/policy.ts';
import { validateObject } from './lib/validate.ts';
import { typeCheckObjects } from './lib/tscheck.ts';

const skip = skipWithout('kubectl');
const renderings = skip ? [] : await renderAll();
const prod = renderings.find((r) => r.name === 'overlay:production')?.objects ?? [];
const gw = renderings.find((r) => r.components.includes('gateway-api') && r.components.includes('cert-manager'))?.objects ?? [];

const clone = <T>(x: T): T => structuredClone(x);
const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return clone(o);
};
const replaceIn = (objs: K8sObject[], o: K8sObject) => objs.map((x) => (x.kind === o.kind && x.metadata.name === o.metadata.name ? o : x));

describe.skipIf(skip)('schema validator rejects', () => {
  test('the unmodified objects pass (baseline)', async () => {
    for (const [k, n] of [['Deployment', 'parley-server'], ['Canary', 'parley-server'], ['Cluster', 'parley-db'], ['Certificate', 'parley-tls']]) {
      expect(await validateObject(find(prod, k!, n!))).toEqual([]);
    }
  });

  test('an unknown field in a Deployment (spec.replica)', async () => {
    const d = find(prod, 'Deployment', 'parley-server');
    d.spec.replica = 3;
    expect(await validateObject(d)).toEqual([expect.stringMatching(/^Deployment\/parley\/parley-server: spec\.replica: unknown field/)]);
  });

  test('an unknown field deep in a pod template (securityContext.readOnlyRootFileSystem typo)', async () => {
    const d = find(prod, 'Deployment', 'parley-web');
    d.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    const errs = await validateObject(d);
    expect(errs.join('\n')).toMatch(/parley-web: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFileSystem: unknown field/);
  });

  test('a wrong type (replicas as a string)', async () => {
    const d = find(prod, 'Deployment', 'parley-server');
    d.spec.replicas = 'three';
    expect((await validateObject(d)).join('\n')).toMatch(/Deployment\/parley\/parley-server: \/spec\/replicas: must be integer/);
  });

  test('an unknown field in a metadata block', async () => {
    const d = find(prod, 'Service', 'parley-web');
    (d.metadata as Record<string, unknown>).label = { a: 'b' };
    expect((await validateObject(d)).join('\n')).toMatch(/Service\/parley\/parley-web: metadata\.label: unknown field/);
  });

  test('an unknown field in a CRD from ../shared/crds (Flagger Canary analysis.stepWeigth)', async () => {
    const c = find(prod, 'Canary', 'parley-server');
    c.spec.analysis.stepWeigth = 10;
    expect((await validateObject(c)).join('\n')).toMatch(/Canary\/parley\/parley-server: \/spec\/analysis: must NOT have additional properties \(unknown field "stepWeigth"\)/);
  });

  test('a CloudNativePG Cluster with a bad enum and a missing required field', async () => {
    const c = find(prod, 'Cluster', 'parley-db');
    c.spec.primaryUpdateStrategy = 'whenever';
    delete c.spec.storage;
    c.spec.instances = 0;
    const errs = (await validateObject(c)).join('\n');
    expect(errs).toMatch(/Cluster\/parley\/parley-db: \/spec\/primaryUpdateStrategy: must be equal to one of the allowed values/);
    expect(errs).toMatch(/\/spec\/instances: must be >= 1/);
  });

  test('a Gateway API HTTPRoute with a bad path type', async () => {
    const r = find(gw, 'HTTPRoute', 'parley');
    r.spec.rules[0].matches[0].path.type = 'Glob';
    expect((await validateObject(r)).join('\n')).toMatch(/HTTPRoute\/parley-render\/parley: \/spec\/rules\/0\/matches\/0\/path\/type: must be equal to one of the allowed values/);
  });

  test('a models-package CRD (cert-manager Certificate) with a wrong type and an unknown spec key', async () => {
    const c = find(prod, 'Certificate', 'parley-tls');
    c.spec.dnsNames = 'chat.example.com';
    c.spec.secretname = 'x';
    const errs = (await validateObject(c)).join('\n');
    expect(errs).toMatch(/Certificate\/parley\/parley-tls: \/spec\/dnsNames: must be array/);
    expect(errs).toMatch(/spec\.secretname: unknown field/);
  });

  test('a deep unknown field in a models-package CRD (TypeScript check): Certificate privateKey.algoritm, VPA containerPolicies[].controledResources', () => {
    const c = find(prod, 'Certificate', 'parley-tls');
    c.spec.privateKey.algoritm = 'RSA';
    const v = find(prod, 'VerticalPodAutoscaler', 'parley-server');
    v.spec.resourcePolicy.containerPolicies[0].controledResources = ['cpu'];
    const res = typeCheckObjects([c, v]);
    expect(res.get('Certificate/parley/parley-tls')?.join('\n')).toMatch(/'"algoritm"' does not exist in type/);
    expect(res.get('VerticalPodAutoscaler/parley/parley-server')?.join('\n')).toMatch(/'"controledResources"' does not exist in type/);
    expect(typeCheckObjects([find(prod, 'Certificate', 'parley-tls')]).size).toBe(0);
  });

  test('an object of a kind nobody has a schema for', async () => {
    const o = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} } as K8sObject;
    expect(await validateObject(o)).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });
});

describe.skipIf(skip)('policy checks reject', () => {
  test('the production overlay passes them all (baseline)', () => {
    expect([...checkPodSecurity(prod), ...checkWorkloads(prod), ...checkNetworkPolicies(prod), ...checkServiceReferences(prod), ...checkKeyReferences(prod), ...checkIngress(prod), ...checkDigests(prod)]).toEqual([]);
  });

  test('a missing startupProbe, memory limit and securityContext field, each named', () => {
    const d = find(prod, 'Deployment', 'parley-server');
    const c = d.spec.template.spec.containers[0];
    delete c.startupProbe;
    delete c.resources.limits.memory;
    delete c.securityContext.readOnlyRootFilesystem;
    const objs = replaceIn(prod, d);
    expect(checkWorkloads(objs)).toContain('Deployment/parley/parley-server container server: startupProbe missing');
    expect(checkPodSecurity(objs)).toEqual(expect.arrayContaining([
      'Deployment/parley/parley-server container server: resources.limits.memory missing',
      'Deployment/parley/parley-server container server: readOnlyRootFilesystem must be true',
    ]));
  });

  test('a grace period that does not cover preStop + SHUTDOWN_GRACE_MS', () => {
    const d = find(prod, 'Deployment', 'parley-server');
    d.spec.template.spec.terminationGracePeriodSeconds = 12;
    expect(checkWorkloads(replaceIn(prod, d))).toContain('Deployment/parley/parley-server: terminationGracePeriodSeconds 12 must exceed preStop 5 s + drain 10 s');
  });

  test('a missing PDB and a missing NetworkPolicy', () => {
    const objs = prod.filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'parley-web') && !(o.kind === 'NetworkPolicy' && o.metadata.name === 'parley-web'));
    expect(checkWorkloads(objs)).toContain('Deployment/parley/parley-web: no PodDisruptionBudget selects its pods');
    expect(checkNetworkPolicies(objs)).toContain('Deployment/parley/parley-web: no NetworkPolicy selects its pods');
  });

  test('an Ingress pointing at a missing Service port, a snippet annotation and a short WebSocket timeout', () => {
    const ing = find(prod, 'Ingress', 'parley-server');
    ing.spec.rules[0].http.paths[0].backend.service.port = { name: 'grpc' };
    ing.metadata.annotations!['nginx.ingress.kubernetes.io/configuration-snippet'] = 'more_set_headers "X: y";';
    ing.metadata.annotations!['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '60';
    const objs = replaceIn(prod, ing);
    expect(checkServiceReferences(objs)).toContain('Ingress/parley/parley-server: Service parley-server has no port grpc');
    expect(checkIngress(objs)).toEqual(expect.arrayContaining([
      'Ingress/parley/parley-server: nginx.ingress.kubernetes.io/configuration-snippet is forbidden (snippet annotations)',
      'Ingress/parley/parley-server: proxy-read-timeout must be >= 3600 for WebSockets',
    ]));
  });

  test('a Secret key nobody defines, and an image by tag in production', () => {
    const d = find(prod, 'Deployment', 'parley-server');
    d.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'secrets').projected.sources[0].secret.items[0].key = 'token';
    d.spec.template.spec.containers[0].image = 'ghcr.io/parley-chat/parley-server:1.2.3';
    const objs = replaceIn(prod, d);
    expect(checkKeyReferences(objs)).toContain('Deployment/parley/parley-server volume secrets: Secret parley-server has no key token');
    expect(checkDigests(objs)).toContain('Deployment/parley/parley-server container server: image ghcr.io/parley-chat/parley-server:1.2.3 is not pinned by digest');
  });
});
