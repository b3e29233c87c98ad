/**
 * Deep unknown-field check for the CRD kinds validated with @kubernetes-models/* packages
 * (ServiceMonitor, PrometheusRule, VerticalPodAutoscaler, cert-manager, External Secrets,
 * Argo CD). Their compiled validators accept unknown keys, but their TypeScript interfaces
 * describe every field: each object becomes a typed object literal in a generated TypeScript
 * file, and the compiler's excess-property check reports any field the interface lacks, at
 * any depth. One compiler run covers every object.
 */
import ts from 'typescript';
import { join } from 'node:path';
import { repoRoot, type K8sObject, objectId } from './render.ts';

const PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'autoscaling.k8s.io': '@kubernetes-models/autoscaler',
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'external-secrets.io': '@kubernetes-models/external-secrets',
  'argoproj.io': '@kubernetes-models/argo-cd',
};
/** Same fallback as validate.ts: ESO v1 is checked against the v1beta1 model. */
const VERSION_FALLBACK: Record<string, string> = { 'external-secrets.io/v1': 'v1beta1' };

export function isModelsPackageKind(o: K8sObject): boolean {
  const g = o.apiVersion.split('/')[0]!;
  return o.apiVersion.includes('/') && g in PACKAGES;
}

/**
 * Fields newer than the newest model package that runs on Node 20, accepted with a reason.
 * Each entry must still be needed (tests/k8s/schema.test.ts fails on a stale one).
 */
export const NEWER_THAN_MODELS: { kind: string; property: string; reason: string }[] = [
  {
    kind: 'Issuer',
    property: 'ingressClassName',
    reason: 'cert-manager >= 1.12 HTTP-01 solver field (replaces the deprecated `class`); @kubernetes-models/cert-manager 4.4.4 predates it',
  },
];

export function isAcceptedNewerField(id: string, error: string): number {
  return NEWER_THAN_MODELS.findIndex((n) => id.startsWith(`${n.kind}/`) && error.includes(`'"${n.property}"' does not exist in type`));
}

/** Returns errors per object id (only objects with errors appear). */
export function typeCheckObjects(objs: K8sObject[]): Map<string, string[]> {
  const lines: string[] = [];
  const spans: { id: string; start: number; end: number }[] = [];
  let text = '';
  const imports = new Map<string, string>();
  objs.forEach((o, i) => {
    const [group, version] = o.apiVersion.split('/') as [string, string];
    const v = VERSION_FALLBACK[o.apiVersion] ?? version;
    const mod = `${PACKAGES[group]}/${group}/${v}/${o.kind}`;
    const alias = `T${imports.size}`;
    if (!imports.has(mod)) imports.set(mod, alias);
    const body = JSON.stringify({ ...o, apiVersion: `${group}/${v}` }, null, 1);
    lines.push(`const o${i}: ${imports.get(mod)}.I${o.kind} = ${body};`);
  });
  const header = [...imports].map(([m, a]) => `import type * as ${a} from ${JSON.stringify(m)};`).join('\n') + '\n';
  text = header;
  objs.forEach((o, i) => {
    const start = text.length;
    text += `${lines[i]}\n`;
    spans.push({ id: objectId(o), start, end: text.length });
  });
  text += 'export {};\n';

  const fileName = join(repoRoot, 'tests/k8s/.generated-crd-objects.ts');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [],
  };
  const host = ts.createCompilerHost(options);
  const orig = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onErr, create) => (f === fileName ? ts.createSourceFile(f, text, lang) : orig(f, lang, onErr, create));
  const origExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === fileName || origExists(f);
  const program = ts.createProgram([fileName], options, host);
  const out = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (d.file?.fileName !== fileName || d.start === undefined) {
      out.set('(compiler)', [...(out.get('(compiler)') ?? []), msg]);
      continue;
    }
    const span = spans.find((s) => d.start! >= s.start && d.start! < s.end);
    const id = span?.id ?? '(header)';
    // the JSON path of the offending property, from the source text around the error
    const near = text.slice(d.start, d.start + 60).split('\n')[0];
    out.set(id, [...(out.get(id) ?? []), `${near?.trim()} — ${msg}`]);
  }
  return out;
}
