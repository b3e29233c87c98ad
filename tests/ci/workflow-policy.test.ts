// Hardening policy for every workflow: pinned actions, explicit minimal permissions, no
// pull_request_target, OIDC only where it is used, no credentials left in checkouts, and
// superseded CI runs cancelled.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflows, repoRoot, triggers, usesRefs, type Job, type Workflow } from './workflows';

const workflows = loadWorkflows();
const byFile = (file: string): Workflow => {
  const wf = workflows.find((w) => w.file === file);
  if (!wf) throw new Error(`${file} missing`);
  return wf;
};

/**
 * The reviewed pins: every third-party action the workflows may use, at the commit its release
 * tag points to. Each SHA was cross-checked against several independent public repositories
 * pinning the same tag (docs/operations/ci-cd.md, "Pinned actions"). Renovate proposes updates.
 */
export const PINNED_ACTIONS: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '08c6903cd8c0fde910a37f88322edcfb5dd907a8', version: 'v5.0.0' },
  'actions/setup-node': { sha: 'a0853c24544627f65ddf259abe73b1d18a591444', version: 'v5.0.0' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  'actions/download-artifact': { sha: '634f93cb2916e3fdff6788551b99b062d0335ce0', version: 'v5.0.0' },
  'actions/dependency-review-action': { sha: 'da24556b548a50705dd671f47852072ea4c105d9', version: 'v4.7.1' },
  'actions/attest-build-provenance': { sha: 'e8998f949152b193b063cb0ec769d69d929409be', version: 'v2.4.0' },
  'actions/upload-pages-artifact': { sha: '56afc609e74202658d3ffba0e8f6dda462b719fa', version: 'v3.0.1' },
  'actions/deploy-pages': { sha: 'd6db90164ac5ed86f2b6aed7e0febac5b3c0c03e', version: 'v4.0.5' },
  'docker/setup-qemu-action': { sha: '29109295f81e9208d7d86ff1c6c12d2833863392', version: 'v3.6.0' },
  'docker/setup-buildx-action': { sha: 'e468171a9de216ec08956ac3ada2f0791b6bd435', version: 'v3.11.1' },
  'docker/login-action': { sha: '184bdaa0721073962dff0199f1fb9940f07167d1', version: 'v3.5.0' },
  'docker/metadata-action': { sha: 'c1e51972afc2121e065aed6d45c65596fe445f3f', version: 'v5.8.0' },
  'docker/build-push-action': { sha: '263435318d21b8e681c14492fe198d362a7d2c83', version: 'v6.18.0' },
  'sigstore/cosign-installer': { sha: 'd58896d6a1865668819e1d91763c7751a165e159', version: 'v3.9.2' },
  'aquasecurity/trivy-action': { sha: '57a97c7e7821a5776cebc9bb87c984fa69cba8f1', version: 'v0.35.0' },
  'github/codeql-action/upload-sarif': { sha: 'ff0a06e83cb2de871e5a09832bc6a81e7276941f', version: 'v3.28.18' },
  'aws-actions/configure-aws-credentials': { sha: 'b47578312673ae6fa5b5096b330d9fbac3d116df', version: 'v4.2.1' },
};

const SHA_REF = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?)@([0-9a-f]{40})$/;
const DOCKER_DIGEST_REF = /^docker:\/\/[^\s@]+@sha256:[0-9a-f]{64}$/;

/** Policy check for one `uses:` value; returns a problem or null. */
export function usesProblem(ref: string, comment: string): string | null {
  if (ref.startsWith('./')) return null;
  if (ref.startsWith('docker://')) return DOCKER_DIGEST_REF.test(ref) ? null : `${ref}: docker:// image not pinned by sha256 digest`;
  const m = SHA_REF.exec(ref);
  if (!m) return `${ref}: not pinned to a full 40-character commit SHA`;
  if (!/^v\d+(\.\d+){0,2}\b/.test(comment)) return `${ref}: no "# vX.Y.Z" version comment`;
  return null;
}

function jobsOf(wf: Workflow): [string, Job][] {
  return Object.entries(wf.doc.jobs);
}

describe('the policy checker itself', () => {
  it('accepts SHA pins with a version comment, local actions and digest-pinned docker images', () => {
    expect(usesProblem('actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8', 'v5.0.0')).toBeNull();
    expect(usesProblem('github/codeql-action/upload-sarif@ff0a06e83cb2de871e5a09832bc6a81e7276941f', 'v3.28.18')).toBeNull();
    expect(usesProblem('./.github/workflows/deploy.yml', '')).toBeNull();
    expect(usesProblem(`docker://alpine@sha256:${'a'.repeat(64)}`, '')).toBeNull();
  });
  it('rejects tags, branches, short SHAs, missing comments and unpinned docker images', () => {
    expect(usesProblem('actions/checkout@v5', 'v5')).toMatch(/not pinned/);
    expect(usesProblem('aquasecurity/trivy-action@master', '')).toMatch(/not pinned/);
    expect(usesProblem('actions/checkout@08c6903', 'v5.0.0')).toMatch(/not pinned/);
    expect(usesProblem('actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8', '')).toMatch(/version comment/);
    expect(usesProblem('docker://alpine:3.20', '')).toMatch(/digest/);
  });
});

describe('workflow hardening', () => {
  it('every uses: is SHA-pinned (or local, or a docker digest) with its version in a comment', () => {
    const problems = workflows.flatMap((wf) => usesRefs(wf).map((u) => usesProblem(u.ref, u.comment)).filter(Boolean).map((p) => `${wf.file}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('every pinned action is one of the reviewed pins, with the matching version comment', () => {
    const problems: string[] = [];
    for (const wf of workflows) {
      for (const u of usesRefs(wf)) {
        if (u.ref.startsWith('./') || u.ref.startsWith('docker://')) continue;
        const [action, sha] = u.ref.split('@') as [string, string];
        const pin = PINNED_ACTIONS[action];
        if (!pin) problems.push(`${wf.file}:${u.line} ${action} is not in the reviewed pin list`);
        else if (pin.sha !== sha) problems.push(`${wf.file}:${u.line} ${action}@${sha} is not the reviewed ${pin.version} commit ${pin.sha}`);
        else if (!u.comment.startsWith(pin.version)) problems.push(`${wf.file}:${u.line} ${action} comment "${u.comment}" should name ${pin.version}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the reviewed pins are all listed in docs/operations/ci-cd.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs/operations/ci-cd.md'), 'utf8');
    for (const [action, pin] of Object.entries(PINNED_ACTIONS)) {
      expect(doc, action).toContain(pin.sha);
      expect(doc, action).toContain(action);
    }
  });

  it('top-level permissions are explicitly empty in every workflow', () => {
    for (const wf of workflows) {
      expect(wf.doc, wf.file).toHaveProperty('permissions');
      expect(wf.doc.permissions, wf.file).toEqual({});
    }
  });

  it('every job declares its own permissions, with no write-all/read-all shortcuts', () => {
    const problems: string[] = [];
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        if (!('permissions' in job)) problems.push(`${wf.file} → ${id}: no permissions`);
        else if (typeof job.permissions === 'string') problems.push(`${wf.file} → ${id}: permissions: ${job.permissions}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('write scopes appear only where the job does something that needs them', () => {
    // scope → what a job holding it must contain (a step, or a reusable call)
    const needs: Record<string, RegExp> = {
      'id-token': /cosign|attest-build-provenance|configure-aws-credentials|deploy-pages|^\.\/\.github\/workflows\//,
      packages: /build-push-action|imagetools create|cosign (sign|attest)/,
      'security-events': /upload-sarif/,
      attestations: /attest-build-provenance/,
      pages: /deploy-pages/,
    };
    const problems: string[] = [];
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        const perms = (typeof job.permissions === 'object' && job.permissions) || {};
        const body = [job.uses ?? '', ...(job.steps ?? []).flatMap((s) => [s.uses ?? '', s.run ?? ''])].join('\n');
        for (const [scope, level] of Object.entries(perms)) {
          if (level !== 'write') continue;
          const need = needs[scope];
          if (!need) problems.push(`${wf.file} → ${id}: ${scope}: write is never needed here`);
          else if (!body.split('\n').some((line) => need.test(line.trim()))) problems.push(`${wf.file} → ${id}: ${scope}: write without a step that uses it`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('no workflow uses pull_request_target or workflow_run (fork code never meets secrets)', () => {
    for (const wf of workflows) {
      expect(triggers(wf), wf.file).not.toContain('pull_request_target');
      expect(triggers(wf), wf.file).not.toContain('workflow_run');
      const code = wf.text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
      expect(code, wf.file).not.toContain('pull_request_target');
    }
  });

  it('ci.yml runs on pull_request and main pushes, and uses no secret besides GITHUB_TOKEN', () => {
    const ci = byFile('ci.yml');
    expect(triggers(ci)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    const secrets = [...ci.text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((m) => m[1]);
    expect(secrets.filter((s) => s !== 'GITHUB_TOKEN')).toEqual([]);
  });

  it('ci.yml cancels superseded runs of the same PR or branch', () => {
    const c = byFile('ci.yml').doc.concurrency;
    expect(typeof c).toBe('object');
    const conc = c as { group: string; 'cancel-in-progress'?: boolean };
    expect(conc['cancel-in-progress']).toBe(true);
    expect(conc.group).toContain('github.event.pull_request.number');
    expect(conc.group).toContain('github.ref');
  });

  it('release and deploys never cancel a run half-way', () => {
    expect((byFile('release.yml').doc.concurrency as { 'cancel-in-progress': boolean })['cancel-in-progress']).toBe(false);
    for (const file of ['deploy-environment.yml', 'rollback.yml']) {
      for (const [id, job] of jobsOf(byFile(file))) {
        if (!job.environment) continue;
        const conc = job.concurrency as { group: string; 'cancel-in-progress': boolean };
        expect(conc, `${file} → ${id}`).toBeTruthy();
        expect(conc.group).toBe('deploy-${{ inputs.environment }}');
        expect(conc['cancel-in-progress']).toBe(false);
      }
    }
  });

  it('every checkout drops the token from .git/config (persist-credentials: false)', () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        for (const step of job.steps ?? []) {
          if (step.uses?.startsWith('actions/checkout@')) expect(step.with?.['persist-credentials'], `${wf.file} → ${id}`).toBe(false);
        }
      }
    }
  });

  it('untrusted event data never reaches a run: block directly (only through env:)', () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        for (const step of job.steps ?? []) {
          if (typeof step.run !== 'string') continue;
          const exprs = [...step.run.matchAll(/\$\{\{([^}]*)\}\}/g)].map((m) => m[1]!.trim());
          expect(exprs, `${wf.file} → ${id} → ${step.name ?? step.run.slice(0, 40)}`).toEqual([]);
        }
      }
    }
  });

  it('every scripts/ci/ helper a workflow calls exists and is executable', () => {
    const called = new Set<string>();
    for (const wf of workflows) for (const m of wf.text.matchAll(/scripts\/ci\/[\w.-]+\.(?:sh|mjs)/g)) called.add(m[0]);
    expect(called.size).toBeGreaterThan(8);
    for (const rel of called) {
      const path = join(repoRoot, rel);
      expect(existsSync(path), rel).toBe(true);
      expect(statSync(path).mode & 0o111, `${rel} is not executable`).not.toBe(0);
    }
  });

  it('every job has a timeout', () => {
    for (const wf of workflows) {
      for (const [id, job] of jobsOf(wf)) {
        if (job.uses) continue; // reusable calls: the called jobs carry the timeout
        expect(job['timeout-minutes'], `${wf.file} → ${id}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('release and deploy invariants', () => {
  const release = byFile('release.yml');
  const env = byFile('deploy-environment.yml');

  it('release builds both images for amd64 and arm64 with a registry cache and pushes by digest', () => {
    const build = release.doc.jobs.build!;
    const step = build.steps!.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(step.with?.platforms).toBe('linux/amd64,linux/arm64');
    expect(String(step.with?.['cache-from'])).toMatch(/^type=registry,/);
    expect(String(step.with?.['cache-to'])).toMatch(/^type=registry,.*mode=max/);
    expect(String(step.with?.outputs)).toContain('push-by-digest=true');
    expect(step.with?.provenance).toBe('mode=max');
  });

  it('images are scanned before they are signed, and only signed digests are tagged and deployed', () => {
    const jobs = release.doc.jobs;
    expect(jobs.publish!.needs).toEqual(expect.arrayContaining(['scan']));
    expect(jobs.deploy!.needs).toEqual(expect.arrayContaining(['publish']));
    const trivy = jobs.scan!.steps!.find((s) => s.uses?.startsWith('aquasecurity/trivy-action@'))!;
    expect(trivy.with).toMatchObject({ severity: 'HIGH,CRITICAL', 'ignore-unfixed': true, 'exit-code': '1', format: 'sarif' });
    const runs = jobs.publish!.steps!.map((s) => s.run ?? '').join('\n');
    expect(runs.indexOf('cosign sign')).toBeGreaterThanOrEqual(0);
    expect(runs.indexOf('cosign sign')).toBeLessThan(runs.indexOf('imagetools create'));
    expect(runs).toContain('cosign attest --yes --type cyclonedx');
  });

  it('each deploy verifies signatures before it renders or applies anything, and rolls back on failure', () => {
    const steps = env.doc.jobs.deploy!.steps!;
    const index = (re: RegExp) => steps.findIndex((s) => re.test(`${s.run ?? ''}${s.uses ?? ''}`));
    const verify = index(/verify-image\.sh/);
    expect(verify).toBeGreaterThan(0);
    expect(verify).toBeLessThan(index(/render-overlay\.sh/));
    expect(index(/render-overlay\.sh/)).toBeLessThan(index(/k8s-release\.sh apply/));
    expect(index(/k8s-release\.sh apply/)).toBeLessThan(index(/smoke-test\.mjs/));
    const rollback = steps.find((s) => /k8s-release\.sh rollback/.test(s.run ?? ''))!;
    expect(String(rollback.if)).toContain('failure()');
  });

  it('promotion goes dev → staging → production with the same digests, k6 gate on staging', () => {
    const jobs = byFile('deploy.yml').doc.jobs;
    expect(jobs.staging!.needs).toBe('dev');
    expect(jobs.production!.needs).toBe('staging');
    for (const id of ['dev', 'staging', 'production']) {
      const w = jobs[id]!.with as Record<string, unknown>;
      expect(w['server-digest']).toBe('${{ inputs.server-digest }}');
      expect(w['web-digest']).toBe('${{ inputs.web-digest }}');
      expect(w.environment).toBe(id);
    }
    expect((jobs.staging!.with as Record<string, unknown>)['load-test']).toBe(true);
    expect(env.text).toContain('loadtest/k6/chat.js');
  });
});
