// Shared helpers for the CI/CD tests: the repository root, the workflow files parsed with
// `yaml`, and their `run:` blocks and `uses:` references.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = new URL('../../', import.meta.url).pathname;
export const workflowDir = join(repoRoot, '.github/workflows');

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string | boolean;
}
export interface Job {
  name?: string;
  uses?: string;
  permissions?: Record<string, string> | string;
  steps?: Step[];
  environment?: unknown;
  concurrency?: unknown;
  needs?: string | string[];
  if?: string;
  [key: string]: unknown;
}
export interface Workflow {
  file: string;
  path: string;
  text: string;
  doc: {
    name?: string;
    on: Record<string, unknown> | string | string[];
    permissions?: unknown;
    concurrency?: { group: string; 'cancel-in-progress'?: boolean | string } | string;
    env?: Record<string, unknown>;
    jobs: Record<string, Job>;
  };
}

export function workflowFiles(): string[] {
  return readdirSync(workflowDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function loadWorkflows(): Workflow[] {
  return workflowFiles().map((file) => {
    const path = join(workflowDir, file);
    const text = readFileSync(path, 'utf8');
    return { file, path, text, doc: parse(text) as Workflow['doc'] };
  });
}

/** Trigger names of a workflow (`on:` as string, list or map). */
export function triggers(wf: Workflow): string[] {
  const on = wf.doc.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on;
  return Object.keys(on ?? {});
}

export interface RunBlock {
  file: string;
  job: string;
  step: string;
  script: string;
  shell: string;
}

export function runBlocks(wf: Workflow): RunBlock[] {
  const out: RunBlock[] = [];
  for (const [jobId, job] of Object.entries(wf.doc.jobs)) {
    (job.steps ?? []).forEach((step, i) => {
      if (typeof step.run !== 'string') return;
      out.push({
        file: wf.file,
        job: jobId,
        step: step.name ?? step.id ?? `step ${i + 1}`,
        script: step.run,
        shell: step.shell ?? 'bash',
      });
    });
  }
  return out;
}

export interface UsesRef {
  file: string;
  line: number;
  ref: string;
  comment: string;
}

/** Every `uses:` reference with its line and trailing comment, from the raw text. */
export function usesRefs(wf: Workflow): UsesRef[] {
  const out: UsesRef[] = [];
  wf.text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(line);
    if (m) out.push({ file: wf.file, line: i + 1, ref: m[1]!, comment: (m[2] ?? '').trim() });
  });
  return out;
}
