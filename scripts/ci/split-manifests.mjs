#!/usr/bin/env node
// Split a rendered release (the output of `kubectl kustomize`, i.e. normalised YAML documents
// separated by `---` with top-level keys at column 0) into the three phases of a deploy:
//
//   00-config.yaml     everything that is not a workload: Namespace, ConfigMaps, Secrets,
//                      ServiceAccounts, Services, policies, PDBs, HPAs, Ingress, CRs, …
//   10-migration.yaml  the Job(s) that run `migrate` with the new image (before the rollout)
//   20-workloads.yaml  Deployments, StatefulSets, DaemonSets (and Flagger Canaries)
//   objects.tsv        phase<TAB>kind<TAB>namespace<TAB>name for every object, in order
//
//   node scripts/ci/split-manifests.mjs <rendered.yaml> <out-dir>
//
// No YAML library on purpose: deploy jobs run it before (and without) `npm ci`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Canary']);
const MIGRATION_KINDS = new Set(['Job']);

export function splitManifests(text) {
  const docs = text
    .split(/^---[ \t]*$/m)
    .map((d) => d.replace(/^\s*\n/, '').replace(/\s+$/, ''))
    .filter((d) => /^kind:/m.test(d));
  const phases = { config: [], migration: [], workloads: [] };
  const objects = [];
  for (const doc of docs) {
    const kind = /^kind:[ \t]*["']?([A-Za-z0-9]+)/m.exec(doc)?.[1];
    const metadata = /^metadata:[ \t]*\n((?:(?:[ \t]+.*)?\n?)*)/m.exec(doc)?.[1] ?? '';
    const name = /^ {2}name:[ \t]*["']?([^"'\s]+)/m.exec(metadata)?.[1];
    const namespace = /^ {2}namespace:[ \t]*["']?([^"'\s]+)/m.exec(metadata)?.[1] ?? '';
    if (!kind || !name) throw new Error(`a document has no kind or metadata.name:\n${doc.slice(0, 200)}`);
    const phase = WORKLOAD_KINDS.has(kind) ? 'workloads' : MIGRATION_KINDS.has(kind) ? 'migration' : 'config';
    phases[phase].push(doc);
    objects.push({ phase, kind, namespace, name });
  }
  return { phases, objects };
}

function main() {
  const [input, outDir] = process.argv.slice(2);
  if (!input || !outDir) {
    console.error('usage: split-manifests.mjs <rendered.yaml> <out-dir>');
    process.exit(2);
  }
  const { phases, objects } = splitManifests(readFileSync(input, 'utf8'));
  mkdirSync(outDir, { recursive: true });
  const write = (file, docs) => writeFileSync(join(outDir, file), docs.length ? docs.join('\n---\n') + '\n' : '');
  write('00-config.yaml', phases.config);
  write('10-migration.yaml', phases.migration);
  write('20-workloads.yaml', phases.workloads);
  writeFileSync(join(outDir, 'objects.tsv'), objects.map((o) => [o.phase, o.kind, o.namespace, o.name].join('\t') + '\n').join(''));
  console.log(
    `split-manifests: ${phases.config.length} config, ${phases.migration.length} migration, ${phases.workloads.length} workload object(s) → ${outDir}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
