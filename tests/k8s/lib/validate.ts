/**
 * Schema validation of rendered Kubernetes objects, offline.
 *
 * - Built-in kinds: `kubernetes-models` (types, required fields, enums, formats) PLUS a strict
 *   unknown-field walk over the `@kubernetes/client-node` model metadata (attributeTypeMap),
 *   which is what the API server's `fieldValidation=Strict` rejects (e.g. `spec.replica`).
 * - Flagger, CloudNativePG, Gateway API: ajv against the upstream CRDs' openAPIV3Schema in
 *   ../shared/crds, made strict the way the API server prunes: an object schema with
 *   `properties` and neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields`
 *   rejects other keys. CEL rules (`x-kubernetes-validations`) are not evaluated.
 * - ServiceMonitor/PodMonitor/PrometheusRule, VerticalPodAutoscaler, cert-manager, External
 *   Secrets, Argo CD: the `@kubernetes-models/*` packages (the last versions that run on
 *   Node 20). Their compiled validators check types/required/enums but not unknown fields,
 *   so for these kinds unknown fields are caught only at the top level (`spec` keys are
 *   checked against the model's declared properties; see topLevelKeys below).
 * Every object's metadata is checked strictly against V1ObjectMeta.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { repoRoot, type K8sObject, objectId } from './render.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const Ajv = (AjvModule as Any).default ?? AjvModule;
const addFormats = (addFormatsModule as Any).default ?? addFormatsModule;

/** ../shared/crds beside the repository (CI lays a copy of shared/ there too). */
export const crdDir = [join(repoRoot, '../shared/crds'), '/work/shared/crds'].find((d) => existsSync(d)) ?? join(repoRoot, '../shared/crds');

const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'scheduling.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'certificates.k8s.io',
]);

/** CRD groups validated with a @kubernetes-models package: group -> package. */
const MODEL_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'autoscaling.k8s.io': '@kubernetes-models/autoscaler',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'argoproj.io': '@kubernetes-models/argo-cd',
};

/**
 * Served versions newer than the newest model that runs on Node 20: validated against the
 * previous version's model, whose schema is the same for the fields Parley uses.
 * external-secrets.io/v1 (ESO >= 0.16; v1beta1 is no longer served from 0.17) -> v1beta1 model.
 */
const VERSION_FALLBACK: Record<string, string> = {
  'external-secrets.io/v1': 'v1beta1',
};

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i === -1 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

// ---------- client-node strict walk ----------

interface Attr { name: string; baseName: string; type: string }
type ModelMap = Record<string, { getAttributeTypeMap?: () => Attr[] }>;
let models: ModelMap | undefined;

async function clientModels(): Promise<ModelMap> {
  // The package root needs Node 22; the generated models alone load on Node 20.
  models ??= (await import('@kubernetes/client-node/dist/gen/models/all.js')) as unknown as ModelMap;
  return models;
}

function attrs(m: ModelMap, type: string): Attr[] | undefined {
  return m[type]?.getAttributeTypeMap?.();
}

/** Unknown-field errors for `value` read as client-node model `type`. */
export function strictWalk(m: ModelMap, value: unknown, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (Array.isArray(value)) value.forEach((v, i) => strictWalk(m, v, arr[1]!, `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) strictWalk(m, v, map[1]!, `${path}.${k}`, errors);
    return;
  }
  const a = attrs(m, type);
  if (!a || typeof value !== 'object' || Array.isArray(value)) return;
  const known = new Map(a.map((x) => [x.baseName, x.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = known.get(k);
    if (t === undefined) errors.push(`${path ? `${path}.` : ''}${k}: unknown field (not in ${type})`);
    else strictWalk(m, v, t, path ? `${path}.${k}` : k, errors);
  }
}

function clientModelName(m: ModelMap, group: string, version: string, kind: string): string | undefined {
  const v = version.charAt(0).toUpperCase() + version.slice(1);
  const groupPrefix = group === '' ? 'Core' : group.split('.')[0]!.charAt(0).toUpperCase() + group.split('.')[0]!.slice(1);
  return [`${v}${kind}`, `${groupPrefix}${v}${kind}`].find((n) => attrs(m, n));
}

// ---------- CRDs from ../shared/crds via ajv ----------

let crdSchemas: Map<string, object> | undefined;

function strictify(schema: Any): Any {
  if (!schema || typeof schema !== 'object') return schema;
  if (Array.isArray(schema)) return schema.map(strictify);
  const out: Any = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'patternProperties') {
      out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, strictify(pv)]));
    } else if (k === 'x-kubernetes-validations' || k === 'description') {
      /* CEL is not evaluated; descriptions are noise */
    } else out[k] = strictify(v);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function loadCrds(): Map<string, object> {
  if (crdSchemas) return crdSchemas;
  crdSchemas = new Map();
  if (!existsSync(crdDir)) return crdSchemas;
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\.ya?ml$/.test(e.name) ? [join(d, e.name)] : []));
  for (const f of walk(crdDir)) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      const crd = doc.toJS() as Any;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions ?? []) {
        const schema = v.schema?.openAPIV3Schema;
        if (!schema) continue;
        const s = strictify(schema);
        // metadata is checked separately (V1ObjectMeta); the CRD leaves it open.
        if (s.properties?.metadata) s.properties.metadata = { type: 'object' };
        crdSchemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, s);
      }
    }
  }
  return crdSchemas;
}

let ajv: Any;
const compiled = new Map<string, Any>();

function crdValidator(key: string): Any {
  const schema = loadCrds().get(key);
  if (!schema) return undefined;
  if (!compiled.has(key)) {
    if (!ajv) {
      ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
      addFormats(ajv);
      for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'quantity']) ajv.addFormat(f, true);
    }
    compiled.set(key, ajv.compile(schema));
  }
  return compiled.get(key);
}

export function hasCrd(group: string, version: string, kind: string): boolean {
  return loadCrds().has(`${group}/${version}/${kind}`);
}

// ---------- kubernetes-models ----------

async function modelClass(pkg: string, group: string, version: string, kind: string): Promise<Any> {
  const sub = pkg === 'kubernetes-models' ? (group ? `${group}/${version}` : version) : `${group}/${version}`;
  try {
    const mod = (await import(`${pkg}/${sub}`)) as Record<string, Any>;
    return mod[kind];
  } catch {
    return undefined;
  }
}

function modelErrors(Cls: Any, obj: K8sObject): string[] {
  try {
    new Cls(obj).validate();
    return [];
  } catch (err) {
    const e = err as { errors?: { instancePath?: string; message?: string; params?: unknown }[]; message: string };
    if (e.errors?.length) return e.errors.map((x) => `${x.instancePath || '/'}: ${x.message} ${x.params ? JSON.stringify(x.params) : ''}`.trim());
    return [e.message];
  }
}

/**
 * Property names a @kubernetes-models class declares for `spec` (read from its .d.ts), so an
 * unknown key directly under spec is caught even though the compiled validator allows it.
 */
function specKeysFromTypes(pkg: string, group: string, version: string, kind: string): Set<string> | undefined {
  const file = join(repoRoot, 'node_modules', pkg, group, version, `${kind}.d.ts`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const m = /"spec"\??: \{([\s\S]*?)\n {4}\};/.exec(text);
  if (!m) return undefined;
  const keys = new Set<string>();
  for (const k of m[1]!.matchAll(/^ {8}"([^"]+)"\??:/gm)) keys.add(k[1]!);
  return keys.size ? keys : undefined;
}

// ---------- entry point ----------

export interface SchemaSource { kind: 'builtin' | 'crd-file' | 'models-package' | 'none'; detail: string }

export function schemaSource(o: K8sObject): SchemaSource {
  const { group, version } = splitApiVersion(o.apiVersion ?? '');
  if (BUILTIN_GROUPS.has(group)) return { kind: 'builtin', detail: 'kubernetes-models + client-node strict' };
  if (hasCrd(group, version, o.kind)) return { kind: 'crd-file', detail: 'ajv + ../shared/crds' };
  if (MODEL_PACKAGES[group]) return { kind: 'models-package', detail: MODEL_PACKAGES[group]! };
  return { kind: 'none', detail: `no schema for ${o.apiVersion} ${o.kind}` };
}

const memo = new Map<string, Promise<string[]>>();

/**
 * All schema errors for one object, each prefixed with the object's id. Memoised by content:
 * the same object rendered in many combinations is validated once.
 */
export function validateObject(o: K8sObject): Promise<string[]> {
  const key = JSON.stringify(o);
  let p = memo.get(key);
  if (!p) {
    p = validateUncached(o);
    memo.set(key, p);
  }
  return p;
}

async function validateUncached(o: K8sObject): Promise<string[]> {
  const id = objectId(o);
  if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind) return [`${id}: missing apiVersion/kind`];
  const { group, version } = splitApiVersion(o.apiVersion);
  const m = await clientModels();
  const errors: string[] = [];
  // metadata: strict everywhere
  if (!o.metadata?.name) errors.push('metadata.name: required');
  strictWalk(m, o.metadata, 'V1ObjectMeta', 'metadata', errors);

  const src = schemaSource(o);
  if (src.kind === 'builtin') {
    const Cls = await modelClass('kubernetes-models', group, version, o.kind);
    if (!Cls) errors.push(`no kubernetes-models class for ${o.apiVersion} ${o.kind}`);
    else errors.push(...modelErrors(Cls, o));
    const name = clientModelName(m, group, version, o.kind);
    if (!name) errors.push(`no client-node model for ${o.apiVersion} ${o.kind}`);
    else strictWalk(m, o, name, '', errors);
  } else if (src.kind === 'crd-file') {
    const v = crdValidator(`${group}/${version}/${o.kind}`);
    if (!v(o)) for (const e of v.errors as Any[]) errors.push(`${e.instancePath || '/'}: ${e.message}${e.keyword === 'additionalProperties' ? ` (unknown field "${e.params.additionalProperty}")` : ''}`);
  } else if (src.kind === 'models-package') {
    const pkg = MODEL_PACKAGES[group]!;
    const modelVersion = VERSION_FALLBACK[o.apiVersion] ?? version;
    const Cls = await modelClass(pkg, group, modelVersion, o.kind);
    if (!Cls) errors.push(`no ${pkg} class for ${group}/${modelVersion} ${o.kind}`);
    else errors.push(...modelErrors(Cls, { ...o, apiVersion: `${group}/${modelVersion}` }));
    const allowed = specKeysFromTypes(pkg, group, modelVersion, o.kind);
    if (allowed && o.spec && typeof o.spec === 'object') {
      for (const k of Object.keys(o.spec)) if (!allowed.has(k)) errors.push(`spec.${k}: unknown field (not in ${pkg} ${o.kind} spec)`);
    }
    for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'spec', 'status', 'data'].includes(k)) errors.push(`${k}: unknown top-level field`);
  } else {
    errors.push(src.detail);
  }
  return errors.map((e) => `${id}: ${e}`);
}
