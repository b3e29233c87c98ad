/**
 * Policy checks over rendered manifests. Each check returns violations as strings that start
 * with the offending object's id (Kind/namespace/name), so a failure says what to fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type K8sObject, objectId, repoRoot } from './render.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function podSpecOf(o: K8sObject): Any | undefined {
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  if (WORKLOAD_KINDS.has(o.kind)) return o.spec?.template?.spec;
  return undefined;
}

function podLabelsOf(o: K8sObject): Record<string, string> {
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return o.spec?.template?.metadata?.labels ?? {};
}

export function workloads(objs: K8sObject[]): K8sObject[] {
  return objs.filter((o) => WORKLOAD_KINDS.has(o.kind));
}

function containersOf(spec: Any): Any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** matchLabels / matchExpressions (In, NotIn, Exists, DoesNotExist) against labels. */
export function selectorMatches(sel: Any, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function plainSelectorMatches(sel: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!sel || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

function serverShutdownGraceSeconds(objs: K8sObject[], spec: Any): number {
  for (const c of spec?.containers ?? []) {
    const direct = (c.env ?? []).find((e: Any) => e.name === 'SHUTDOWN_GRACE_MS');
    if (direct?.value) return Number(direct.value) / 1000;
    for (const ef of c.envFrom ?? []) {
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ef.configMapRef?.name);
      if (cm?.data?.SHUTDOWN_GRACE_MS) return Number(cm.data.SHUTDOWN_GRACE_MS) / 1000;
    }
  }
  return 10; // the server's default
}

/** Security rules (issue 7, "Security") for every pod template. */
export function checkPodSecurity(objs: K8sObject[]): string[] {
  const v: string[] = [];
  for (const w of workloads(objs)) {
    const id = objectId(w);
    const spec = podSpecOf(w);
    const psc = spec?.securityContext ?? {};
    const sa = spec?.serviceAccountName;
    // A token only for pods whose ServiceAccount is granted RBAC in the same render ("minimal
    // RBAC, none unless needed": a pod that needs the API has a binding, every other pod has no token).
    const bound = objs.some((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && (o.subjects ?? []).some((s: Any) => s.kind === 'ServiceAccount' && s.name === sa));
    if (spec?.automountServiceAccountToken !== false && !bound) v.push(`${id}: automountServiceAccountToken must be false (no RBAC binding for ${sa ?? 'default'})`);
    if (!sa || sa === 'default') v.push(`${id}: needs a dedicated serviceAccountName`);
    else if (!objs.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)) v.push(`${id}: ServiceAccount ${sa} is not in the rendered output`);
    if (spec?.hostNetwork || spec?.hostPID || spec?.hostIPC) v.push(`${id}: host namespaces are forbidden`);
    for (const vol of spec?.volumes ?? []) if (vol.hostPath) v.push(`${id}: hostPath volume ${vol.name} is forbidden`);
    for (const c of containersOf(spec)) {
      const cid = `${id} container ${c.name}`;
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) v.push(`${cid}: runAsNonRoot must be true`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) v.push(`${cid}: runAsUser 0`);
      if (sc.readOnlyRootFilesystem !== true) v.push(`${cid}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) v.push(`${cid}: allowPrivilegeEscalation must be false`);
      if (sc.privileged === true) v.push(`${cid}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${cid}: capabilities.drop must include ALL`);
      if ((sc.capabilities?.add ?? []).length) v.push(`${cid}: adds capabilities ${sc.capabilities.add}`);
      if ((sc.seccompProfile?.type ?? psc.seccompProfile?.type) !== 'RuntimeDefault') v.push(`${cid}: seccompProfile must be RuntimeDefault`);
      // read-only root: a writable /tmp from an emptyDir
      const tmp = (c.volumeMounts ?? []).find((m: Any) => m.mountPath === '/tmp');
      const tmpVol = tmp && (spec.volumes ?? []).find((x: Any) => x.name === tmp.name);
      if (!tmpVol?.emptyDir) v.push(`${cid}: needs an emptyDir volume mounted at /tmp`);
      const r = c.resources ?? {};
      if (!r.requests?.cpu) v.push(`${cid}: resources.requests.cpu missing`);
      if (!r.requests?.memory) v.push(`${cid}: resources.requests.memory missing`);
      if (!r.limits?.memory) v.push(`${cid}: resources.limits.memory missing`);
      const img: string = c.image ?? '';
      if (!img) v.push(`${cid}: no image`);
      if (/:latest(@|$)/.test(img)) v.push(`${cid}: image ${img} uses :latest`);
    }
  }
  return v;
}

/** Workload rules (issue 7, "Workloads") for long-running pod templates. */
export function checkWorkloads(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const w of workloads(objs)) {
    const id = objectId(w);
    const spec = podSpecOf(w);
    const labels = podLabelsOf(w);
    if (!LONG_RUNNING.has(w.kind)) continue;
    for (const c of spec?.containers ?? []) {
      const cid = `${id} container ${c.name}`;
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) if (!c[p]) v.push(`${cid}: ${p} missing`);
      const pre = c.lifecycle?.preStop;
      if (!pre) v.push(`${cid}: lifecycle.preStop missing`);
    }
    const preStop = Math.max(0, ...(spec?.containers ?? []).map((c: Any) => c.lifecycle?.preStop?.sleep?.seconds ?? 0));
    const tgps = spec?.terminationGracePeriodSeconds ?? 30;
    const isServer = labels['app.kubernetes.io/component'] === 'server';
    const drain = isServer ? serverShutdownGraceSeconds(objs, spec) : 0;
    if (!(tgps > preStop + drain)) v.push(`${id}: terminationGracePeriodSeconds ${tgps} must exceed preStop ${preStop} s + drain ${drain} s`);
    if (isServer) {
      const c = spec.containers[0];
      if (c.readinessProbe?.httpGet?.path !== '/health/ready') v.push(`${id}: readinessProbe must be GET /health/ready`);
      if (c.livenessProbe?.httpGet?.path !== '/health/live') v.push(`${id}: livenessProbe must be GET /health/live`);
      if (!c.startupProbe?.httpGet?.path?.startsWith('/health/')) v.push(`${id}: startupProbe must use /health/*`);
      for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        const port = p?.httpGet?.port;
        const ok = port === 3000 || (c.ports ?? []).some((cp: Any) => cp.name === port && cp.containerPort === 3000);
        if (!ok) v.push(`${id}: server probes must target port 3000`);
      }
      const pref = spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      if (!pref.some((p: Any) => (p.preference?.matchExpressions ?? []).some((e: Any) => e.operator === 'In' && e.values?.includes('on-demand')))) {
        v.push(`${id}: server must prefer on-demand nodes (nodeAffinity)`);
      }
    }
    if (labels['app.kubernetes.io/component'] === 'web') {
      if (!(spec.tolerations ?? []).some((t: Any) => /spot/i.test(`${t.key}=${t.value}`))) v.push(`${id}: web must tolerate spot/preemptible nodes`);
    }
    if (w.kind === 'Deployment') {
      const s = w.spec.strategy ?? {};
      if (s.type !== 'RollingUpdate' || s.rollingUpdate?.maxSurge !== 1 || s.rollingUpdate?.maxUnavailable !== 0) {
        v.push(`${id}: strategy must be RollingUpdate maxSurge 1 maxUnavailable 0`);
      }
    }
    const keys = (spec?.topologySpreadConstraints ?? []).map((t: Any) => t.topologyKey);
    if (w.kind === 'Deployment') {
      for (const k of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']) if (!keys.includes(k)) v.push(`${id}: topologySpreadConstraints missing ${k}`);
    } else if (keys.length === 0) v.push(`${id}: topologySpreadConstraints missing`);
    const covering = pdbs.filter((p) => selectorMatches(p.spec?.selector, labels));
    if (covering.length === 0) v.push(`${id}: no PodDisruptionBudget selects its pods`);
    if (covering.length > 1) v.push(`${id}: ${covering.length} PodDisruptionBudgets select its pods (eviction fails)`);
  }
  return v;
}

/** Default deny plus a specific policy for every pod template. */
export function checkNetworkPolicies(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const nps = objs.filter((o) => o.kind === 'NetworkPolicy');
  const deny = nps.find((n) => Object.keys(n.spec?.podSelector ?? {}).length === 0 && (n.spec?.policyTypes ?? []).includes('Ingress') && (n.spec?.policyTypes ?? []).includes('Egress') && !n.spec.ingress && !n.spec.egress);
  if (!deny) v.push('NetworkPolicy: no default-deny (empty podSelector, Ingress+Egress, no rules)');
  const specific = nps.filter((n) => Object.keys(n.spec?.podSelector?.matchLabels ?? {}).length || (n.spec?.podSelector?.matchExpressions ?? []).length);
  for (const w of workloads(objs)) {
    if (!specific.some((n) => selectorMatches(n.spec.podSelector, podLabelsOf(w)))) v.push(`${objectId(w)}: no NetworkPolicy selects its pods`);
  }
  return v;
}

// ---------- Services referenced by Ingress / HTTPRoute / ServiceMonitor ----------

interface SvcPort { name?: string; port: number }
interface Svc { name: string; labels: Record<string, string>; ports: SvcPort[] }

/** Rendered Services plus the ones Flagger generates for each Canary. */
export function servicesOf(objs: K8sObject[]): Svc[] {
  const out: Svc[] = objs.filter((o) => o.kind === 'Service').map((s) => ({ name: s.metadata.name, labels: s.metadata.labels ?? {}, ports: s.spec?.ports ?? [] }));
  for (const c of objs.filter((o) => o.kind === 'Canary')) {
    const base = c.spec.service.name ?? c.spec.targetRef.name;
    const target = objs.find((o) => o.kind === c.spec.targetRef.kind && o.metadata.name === c.spec.targetRef.name);
    const ports: SvcPort[] = [{ name: c.spec.service.portName ?? 'http', port: c.spec.service.port }];
    if (c.spec.service.portDiscovery && target) {
      for (const ct of podSpecOf(target)?.containers ?? []) for (const p of ct.ports ?? []) if (p.containerPort !== c.spec.service.port) ports.push({ name: p.name, port: p.containerPort });
    }
    for (const [suffix, meta] of [['', c.spec.service.apex], ['-primary', c.spec.service.primary], ['-canary', c.spec.service.canary]] as const) {
      out.push({ name: `${base}${suffix}`, labels: meta?.labels ?? {}, ports });
    }
  }
  return out;
}

export function checkServiceReferences(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const svcs = servicesOf(objs);
  const find = (name: string) => svcs.find((s) => s.name === name);
  const portOk = (s: Svc, port: Any) => s.ports.some((p) => (typeof port === 'number' ? p.port === port : p.name === port));
  for (const ing of objs.filter((o) => o.kind === 'Ingress')) {
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r: Any) => (r.http?.paths ?? []).map((p: Any) => p.backend))].filter(Boolean);
    for (const b of backends) {
      const s = find(b.service?.name);
      const port = b.service?.port?.name ?? b.service?.port?.number;
      if (!s) v.push(`${objectId(ing)}: backend Service ${b.service?.name} does not exist`);
      else if (!portOk(s, port)) v.push(`${objectId(ing)}: Service ${s.name} has no port ${port}`);
    }
  }
  for (const r of objs.filter((o) => o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute')) {
    for (const rule of r.spec?.rules ?? []) {
      for (const b of rule.backendRefs ?? []) {
        if (b.kind && b.kind !== 'Service') continue;
        const s = find(b.name);
        if (!s) v.push(`${objectId(r)}: backendRef Service ${b.name} does not exist`);
        else if (!portOk(s, b.port)) v.push(`${objectId(r)}: Service ${s.name} has no port ${b.port}`);
      }
    }
    for (const p of r.spec?.parentRefs ?? []) {
      const gw = objs.find((o) => o.kind === 'Gateway' && o.metadata.name === p.name);
      if (!gw) continue; // a platform-owned Gateway
      if (p.sectionName && !(gw.spec?.listeners ?? []).some((l: Any) => l.name === p.sectionName)) v.push(`${objectId(r)}: Gateway ${p.name} has no listener ${p.sectionName}`);
    }
  }
  for (const sm of objs.filter((o) => o.kind === 'ServiceMonitor')) {
    const matching = svcs.filter((s) => selectorMatches(sm.spec?.selector, s.labels));
    if (matching.length === 0) v.push(`${objectId(sm)}: selector matches no Service`);
    for (const ep of sm.spec?.endpoints ?? []) {
      const port = ep.port ?? ep.targetPort;
      if (port !== undefined && matching.length && !matching.some((s) => portOk(s, port))) v.push(`${objectId(sm)}: no selected Service has port ${port}`);
    }
  }
  // Service targetPorts resolve in the pods they select
  for (const s of objs.filter((o) => o.kind === 'Service' && o.spec?.selector)) {
    const pods = workloads(objs).filter((w) => plainSelectorMatches(s.spec.selector, podLabelsOf(w)));
    if (pods.length === 0) {
      v.push(`${objectId(s)}: selector matches no pod template`);
      continue;
    }
    for (const p of s.spec.ports ?? []) {
      const tp = p.targetPort ?? p.port;
      const ok = pods.every((w) => (podSpecOf(w)?.containers ?? []).some((c: Any) => (c.ports ?? []).some((cp: Any) => (typeof tp === 'number' ? cp.containerPort === tp : cp.name === tp))));
      if (!ok) v.push(`${objectId(s)}: targetPort ${tp} is not a container port of the selected pods`);
    }
  }
  return v;
}

// ---------- ConfigMap / Secret keys ----------

/**
 * Secrets that pods reference but that are created outside the rendered manifests, each
 * documented in docs/operations/kubernetes.md (the test checks that the doc names them).
 */
export const EXTERNAL_SECRETS: Record<string, string[]> = {
  'parley-server': ['token-secret'],
  'parley-db-app': ['uri', 'username', 'password'],
  'parley-redis': ['url', 'password'],
  'parley-db-backup-s3': ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY'],
};

/** Keys of every Secret the rendered objects define or make an operator create. */
export function definedSecretKeys(objs: K8sObject[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, keys: string[]) => {
    const s = out.get(name) ?? new Set<string>();
    keys.forEach((k) => s.add(k));
    out.set(name, s);
  };
  for (const o of objs) {
    if (o.kind === 'Secret') add(o.metadata.name, [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
    if (o.kind === 'ExternalSecret') {
      const target = o.spec?.target?.name ?? o.metadata.name;
      const tmpl = o.spec?.target?.template?.data;
      add(target, tmpl ? Object.keys(tmpl) : (o.spec?.data ?? []).map((d: Any) => d.secretKey));
    }
    if (o.kind === 'SealedSecret') add(o.spec?.template?.metadata?.name ?? o.metadata.name, Object.keys(o.spec?.encryptedData ?? {}));
    // CloudNativePG creates <cluster>-app for the owner of the bootstrap database.
    if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/')) {
      add(`${o.metadata.name}-app`, ['username', 'password', 'uri', 'host', 'port', 'dbname', 'user', 'jdbc-uri', 'pgpass']);
    }
    if (o.kind === 'Certificate' && o.apiVersion.startsWith('cert-manager.io/')) add(o.spec.secretName, ['tls.crt', 'tls.key', 'ca.crt']);
  }
  return out;
}

interface KeyRef { kind: 'ConfigMap' | 'Secret'; name: string; key?: string; optional?: boolean; where: string }

function keyRefs(w: K8sObject): KeyRef[] {
  const spec = podSpecOf(w);
  const refs: KeyRef[] = [];
  for (const c of containersOf(spec)) {
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef) refs.push({ kind: 'ConfigMap', name: ef.configMapRef.name, optional: ef.configMapRef.optional, where: `container ${c.name} envFrom` });
      if (ef.secretRef) refs.push({ kind: 'Secret', name: ef.secretRef.name, optional: ef.secretRef.optional, where: `container ${c.name} envFrom` });
    }
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const sk = e.valueFrom?.secretKeyRef;
      if (cm) refs.push({ kind: 'ConfigMap', name: cm.name, key: cm.key, optional: cm.optional, where: `container ${c.name} env ${e.name}` });
      if (sk) refs.push({ kind: 'Secret', name: sk.name, key: sk.key, optional: sk.optional, where: `container ${c.name} env ${e.name}` });
    }
  }
  for (const vol of spec?.volumes ?? []) {
    const sources = [vol, ...(vol.projected?.sources ?? [])];
    for (const s of sources) {
      if (s.configMap) for (const it of s.configMap.items ?? [{}]) refs.push({ kind: 'ConfigMap', name: s.configMap.name, key: it.key, optional: s.configMap.optional, where: `volume ${vol.name}` });
      const sec = s.secret;
      if (sec) for (const it of sec.items ?? [{}]) refs.push({ kind: 'Secret', name: sec.secretName ?? sec.name, key: it.key, optional: sec.optional, where: `volume ${vol.name}` });
    }
  }
  return refs;
}

export function checkKeyReferences(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const secrets = definedSecretKeys(objs);
  for (const w of workloads(objs)) {
    for (const r of keyRefs(w)) {
      if (r.optional) continue;
      const id = `${objectId(w)} ${r.where}`;
      if (r.kind === 'ConfigMap') {
        const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === r.name);
        if (!cm) v.push(`${id}: ConfigMap ${r.name} is not defined`);
        else if (r.key && !(r.key in (cm.data ?? {})) && !(r.key in (cm.binaryData ?? {}))) v.push(`${id}: ConfigMap ${r.name} has no key ${r.key}`);
      } else {
        const keys = secrets.get(r.name) ?? (EXTERNAL_SECRETS[r.name] ? new Set(EXTERNAL_SECRETS[r.name]) : undefined);
        if (!keys) v.push(`${id}: Secret ${r.name} is neither defined nor documented as external`);
        else if (r.key && !keys.has(r.key)) v.push(`${id}: Secret ${r.name} has no key ${r.key}`);
      }
    }
  }
  return v;
}

// ---------- images, namespaces, ingress ----------

const DIGEST = /@sha256:[0-9a-f]{64}$/;

export function checkDigests(objs: K8sObject[]): string[] {
  const v: string[] = [];
  for (const w of workloads(objs)) for (const c of containersOf(podSpecOf(w))) if (!DIGEST.test(c.image ?? '')) v.push(`${objectId(w)} container ${c.name}: image ${c.image} is not pinned by digest`);
  for (const c of objs.filter((o) => o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/'))) {
    if (!DIGEST.test(c.spec?.imageName ?? '')) v.push(`${objectId(c)}: imageName ${c.spec?.imageName} is not pinned by digest`);
  }
  return v;
}

export function checkNamespace(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const nss = objs.filter((o) => o.kind === 'Namespace');
  if (nss.length !== 1) v.push(`expected exactly one Namespace, got ${nss.length}`);
  for (const ns of nss) {
    const l = ns.metadata.labels ?? {};
    if (l['pod-security.kubernetes.io/enforce'] !== 'restricted') v.push(`${objectId(ns)}: pod-security.kubernetes.io/enforce must be restricted`);
    const other = objs.filter((o) => o.metadata.namespace && o.metadata.namespace !== ns.metadata.name);
    for (const o of other) v.push(`${objectId(o)}: not in namespace ${ns.metadata.name}`);
  }
  for (const k of ['ResourceQuota', 'LimitRange']) if (!objs.some((o) => o.kind === k)) v.push(`no ${k}`);
  return v;
}

/** "11m" / "10M" / "1g" / bytes, as nginx reads client_max_body_size. */
export function nginxSize(s: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(s.trim());
  if (!m) return NaN;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function checkIngress(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const ings = objs.filter((o) => o.kind === 'Ingress' && !o.metadata.name.endsWith('-canary'));
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('parley-server-config'));
  const uploadMax = Number(cm?.data?.UPLOAD_MAX_BYTES ?? 10485760);
  const routes = new Map<string, string>();
  for (const ing of ings) {
    const a = ing.metadata.annotations ?? {};
    const id = objectId(ing);
    for (const k of Object.keys(a)) if (/snippet/.test(k)) v.push(`${id}: ${k} is forbidden (snippet annotations)`);
    if (ing.spec.ingressClassName !== 'nginx') v.push(`${id}: ingressClassName must be nginx`);
    if (!(ing.spec.tls ?? []).length) v.push(`${id}: no TLS`);
    if (a['nginx.ingress.kubernetes.io/ssl-redirect'] !== 'true' && a['nginx.ingress.kubernetes.io/force-ssl-redirect'] !== 'true') v.push(`${id}: no HTTP->HTTPS redirect`);
    if (!a['nginx.ingress.kubernetes.io/limit-rps'] && !a['nginx.ingress.kubernetes.io/limit-rpm']) v.push(`${id}: no edge rate limit`);
    const tlsHosts = new Set((ing.spec.tls ?? []).flatMap((t: Any) => t.hosts ?? []));
    for (const r of ing.spec.rules ?? []) {
      if (!tlsHosts.has(r.host)) v.push(`${id}: host ${r.host} not covered by TLS`);
      for (const p of r.http?.paths ?? []) {
        routes.set(p.path, p.backend.service.name);
        if (p.backend.service.name.startsWith('parley-server')) {
          for (const k of ['proxy-read-timeout', 'proxy-send-timeout']) {
            if (!(Number(a[`nginx.ingress.kubernetes.io/${k}`]) >= 3600)) v.push(`${id}: ${k} must be >= 3600 for WebSockets`);
          }
          const body = nginxSize(a['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '1m');
          if (!(body >= uploadMax)) v.push(`${id}: proxy-body-size below UPLOAD_MAX_BYTES (${uploadMax})`);
        }
      }
    }
  }
  if (ings.length) {
    for (const [path, svc] of [['/api', 'parley-server'], ['/ws', 'parley-server'], ['/', 'parley-web']] as const) {
      if (routes.get(path) !== svc) v.push(`Ingress: path ${path} must route to ${svc} (got ${routes.get(path) ?? 'nothing'})`);
    }
  }
  return v;
}

export function docsText(): string {
  return readFileSync(join(repoRoot, 'docs/operations/kubernetes.md'), 'utf8');
}

/**
 * Violations in components owned by another area (deploy/k8s/components/logging belongs to
 * the observability engineer), waived here with a reason so this suite stays green while the
 * owner fixes them. Each waiver must still match something (a test fails on a stale waiver,
 * so the list only shrinks). Never waive Parley's own workloads.
 */
export const WAIVERS: { match: RegExp; reason: string }[] = [];

export function withoutWaived(violations: string[], used?: Set<number>): string[] {
  return violations.filter((v) => {
    const i = WAIVERS.findIndex((w) => w.match.test(v));
    if (i === -1) return true;
    used?.add(i);
    return false;
  });
}

/** No Secret values in the manifests; RBAC only where a pod needs the API, never wildcards or Secrets access. */
export function checkSecretsAndRbac(objs: K8sObject[]): string[] {
  const v: string[] = [];
  for (const o of objs) {
    if (o.kind === 'Secret' && (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length)) v.push(`${objectId(o)}: Secret values in the manifests (use External Secrets / Sealed Secrets / kubectl)`);
    if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') v.push(`${objectId(o)}: cluster-wide RBAC is not allowed in the app's manifests`);
    if (o.kind === 'Role') {
      for (const r of o.rules ?? []) {
        if ((r.verbs ?? []).includes('*') || (r.resources ?? []).includes('*') || (r.apiGroups ?? []).includes('*')) v.push(`${objectId(o)}: wildcard rule`);
        if ((r.resources ?? []).includes('secrets')) v.push(`${objectId(o)}: grants access to Secrets`);
      }
      const bound = objs.filter((b) => b.kind === 'RoleBinding' && b.roleRef?.name === o.metadata.name);
      const sas = bound.flatMap((b) => (b.subjects ?? []).filter((s: Any) => s.kind === 'ServiceAccount').map((s: Any) => s.name));
      const used = workloads(objs).some((w) => sas.includes(podSpecOf(w)?.serviceAccountName));
      if (!used) v.push(`${objectId(o)}: not bound to a ServiceAccount any pod uses (unneeded RBAC)`);
    }
  }
  return v;
}

/** Objects must fit etcd's 1.5 MiB request limit (ConfigMaps: 1 MiB of data); we apply server-side, so the 256 KiB last-applied annotation limit does not apply. */
export function checkObjectSizes(objs: K8sObject[]): string[] {
  const v: string[] = [];
  for (const o of objs) {
    const size = Buffer.byteLength(JSON.stringify(o));
    if (o.kind === 'ConfigMap' && size > 1024 * 1024) v.push(`${objectId(o)}: ${size} bytes, over the 1 MiB ConfigMap limit`);
    else if (size > 1.5 * 1024 * 1024) v.push(`${objectId(o)}: ${size} bytes, over etcd's request limit`);
  }
  return v;
}
