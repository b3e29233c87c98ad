// The scripts the deploy workflows call, run for real: overlay rendering with digests (real
// `kubectl kustomize` over the real overlays), manifest splitting, the apply/migrate/rollout/
// rollback sequence against a recording fake kubectl, and signature-check input validation.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import { repoRoot } from './workflows';
// @ts-expect-error plain ESM script without type declarations
import { splitManifests } from '../../scripts/ci/split-manifests.mjs';

const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'parley-ci-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const script = (name: string) => join(repoRoot, 'scripts/ci', name);
const digestOf = (c: string) => `sha256:${c.repeat(64)}`;

async function sh(cmd: string, args: string[], env: Record<string, string> = {}, cwd = repoRoot) {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 32 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const imagesIn = (yaml: string) => [...yaml.matchAll(/^\s*-?\s*image:\s*(\S+)\s*$/gm)].map((m) => m[1]!);

describe.skipIf(skipWithout('kubectl'))('render-overlay.sh (real kubectl kustomize)', () => {
  const server = `ghcr.io/parley-chat/parley-server@${digestOf('a')}`;
  const web = `ghcr.io/parley-chat/parley-web@${digestOf('b')}`;

  for (const env of ['dev', 'staging', 'production']) {
    it(`pins every server and web image of the ${env} overlay to the given digests`, async () => {
      const overlay = join(repoRoot, 'deploy/k8s/overlays', env);
      const before = readFileSync(join(overlay, 'kustomization.yaml'), 'utf8');
      const out = join(tmp, `${env}.yaml`);
      const r = await sh('bash', [script('render-overlay.sh'), overlay, out, `parley-server=${server}`, `parley-web=${web}`]);
      expect(r.code, r.stderr).toBe(0);
      const images = imagesIn(readFileSync(out, 'utf8'));
      const ours = images.filter((i) => /\/parley-(server|web)[@:]/.test(i) || /^parley-(server|web)/.test(i));
      expect(ours.length).toBeGreaterThanOrEqual(3); // server Deployment, migration Job, web Deployment
      for (const i of ours) expect([server, web]).toContain(i);
      expect(images).toContain(server);
      expect(images).toContain(web);
      // the committed overlay is untouched and no wrapper is left behind
      expect(readFileSync(join(overlay, 'kustomization.yaml'), 'utf8')).toBe(before);
      expect(readdirSync(join(repoRoot, 'deploy/k8s/overlays')).filter((d) => d.startsWith('.release'))).toEqual([]);
    });
  }

  it('refuses a tag instead of a digest, and an image name the overlay does not have', async () => {
    const overlay = join(repoRoot, 'deploy/k8s/overlays/staging');
    const out = join(tmp, 'refused.yaml');
    const tag = await sh('bash', [script('render-overlay.sh'), overlay, out, 'parley-server=ghcr.io/parley-chat/parley-server:1.2.3']);
    expect(tag.code).not.toBe(0);
    expect(tag.stderr).toContain('sha256');
    const unknown = await sh('bash', [script('render-overlay.sh'), overlay, out, `parley-worker=ghcr.io/parley-chat/parley-worker@${digestOf('c')}`]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("no image named 'parley-worker'");
  });

  it('also replaces an image the overlay already pinned to another digest (fixture)', async () => {
    const root = join(tmp, 'fixture');
    mkdirSync(join(root, 'base'), { recursive: true });
    mkdirSync(join(root, 'overlays/prod'), { recursive: true });
    writeFileSync(join(root, 'base/kustomization.yaml'), 'resources: [job.yaml]\n');
    writeFileSync(
      join(root, 'base/job.yaml'),
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: m}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: m\n          image: parley-server\n        - name: side\n          image: busybox:1\n',
    );
    writeFileSync(
      join(root, 'overlays/prod/kustomization.yaml'),
      `resources: [../../base]\nimages:\n  - name: parley-server\n    newName: ghcr.io/acme/parley-server\n    digest: ${digestOf('0')}\n`,
    );
    const out = join(tmp, 'fixture.yaml');
    const ref = `ghcr.io/acme/parley-server@${digestOf('d')}`;
    const r = await sh('bash', [script('render-overlay.sh'), join(root, 'overlays/prod'), out, `parley-server=${ref}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(imagesIn(readFileSync(out, 'utf8')).sort()).toEqual(['busybox:1', ref]);
  });
});

describe('split-manifests.mjs', () => {
  const rendered = [
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    name: x\n  name: parley\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: parley\ndata:\n  name: not-the-name\n',
    'apiVersion: batch/v1\nkind: Job\nmetadata:\n  annotations:\n    a: b\n  name: parley-migrate\n  namespace: parley\nspec: {}\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: parley-server\n  namespace: parley\nspec:\n  template:\n    metadata:\n      name: nested-name\n',
    'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: parley-server\n  namespace: parley\n',
  ].join('---\n');

  it('puts config first, the migration Job second and workloads last, reading top-level metadata only', () => {
    const { phases, objects } = splitManifests(rendered);
    expect(objects).toEqual([
      { phase: 'config', kind: 'Namespace', namespace: '', name: 'parley' },
      { phase: 'config', kind: 'ConfigMap', namespace: 'parley', name: 'cfg' },
      { phase: 'migration', kind: 'Job', namespace: 'parley', name: 'parley-migrate' },
      { phase: 'workloads', kind: 'Deployment', namespace: 'parley', name: 'parley-server' },
      { phase: 'workloads', kind: 'Canary', namespace: 'parley', name: 'parley-server' },
    ]);
    expect(phases.config).toHaveLength(2);
    expect(phases.migration[0]).toContain('kind: Job');
  });

  it('writes the phase files and objects.tsv from the CLI', async () => {
    const input = join(tmp, 'split-in.yaml');
    writeFileSync(input, rendered);
    const dir = join(tmp, 'split-out');
    const r = await sh('node', [script('split-manifests.mjs'), input, dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 config, 1 migration, 2 workload');
    expect(readFileSync(join(dir, 'objects.tsv'), 'utf8').split('\n')[2]).toBe('migration\tJob\tparley\tparley-migrate');
    expect(readFileSync(join(dir, '20-workloads.yaml'), 'utf8')).toContain('kind: Canary');
  });
});

/**
 * A fake kubectl: appends each invocation to $FAKE_LOG and answers from files in $FAKE_STATE:
 * job-state (conditions), rev-<name> (deployment revision), rollout-rc-<name>, canary-phase,
 * canary-promoted-before / canary-promoted-after (switches once workloads are applied).
 */
function fakeKubectl(dir: string): string {
  const path = join(dir, 'kubectl');
  writeFileSync(
    path,
    `#!/usr/bin/env bash
state=$FAKE_STATE
echo "$*" >> "$FAKE_LOG"
name_after() { local want=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = "$want" ]; then echo "$2"; return; fi; shift; done; }
case "$1" in
  apply)
    file=$(name_after -f "$@")
    if grep -q '^kind: Canary' "$file"; then touch "$state/workloads-applied"; fi
    exit "$(cat "$state/apply-rc" 2>/dev/null || echo 0)" ;;
  get)
    kind=$2; name=$3
    case "$kind:$*" in
      job:*) cat "$state/job-state" ;;
      deployment:*) [ -f "$state/rev-$name" ] || exit 1; cat "$state/rev-$name" ;;
      canary:*phase*) cat "$state/canary-phase" ;;
      canary:*lastPromotedSpec*)
        if [ -f "$state/workloads-applied" ]; then cat "$state/canary-promoted-after"; else cat "$state/canary-promoted-before"; fi ;;
    esac ;;
  rollout)
    if [ "$2" = status ]; then n=\${3#*/}; exit "$(cat "$state/rollout-rc-$n" 2>/dev/null || echo 0)"; fi ;;
  logs) echo "migration error: relation already exists" ;;
esac
exit 0
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('k8s-release.sh (against a recording fake kubectl)', () => {
  const rendered = [
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: parley-server-config\n  namespace: parley\n',
    'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: parley-migrate\n  namespace: parley\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: parley-server\n  namespace: parley\n',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: parley-web\n  namespace: parley\n',
  ].join('---\n');

  let n = 0;
  function setup(files: Record<string, string>, manifest = rendered) {
    const dir = join(tmp, `release-${n++}`);
    const state = join(dir, 'state');
    mkdirSync(state, { recursive: true });
    for (const [f, v] of Object.entries(files)) writeFileSync(join(state, f), v);
    writeFileSync(join(dir, 'release.yaml'), manifest);
    const env = { KUBECTL: fakeKubectl(dir), FAKE_STATE: state, FAKE_LOG: join(dir, 'log'), POLL_INTERVAL: '0.2', MIGRATION_TIMEOUT: '2', CANARY_TIMEOUT: '2' };
    const log = () => (existsSync(env.FAKE_LOG) ? readFileSync(env.FAKE_LOG, 'utf8').trim().split('\n') : []);
    const run = (...args: string[]) => sh('bash', [script('k8s-release.sh'), ...args], env);
    return { dir, env, log, run, work: join(dir, 'work') };
  }

  it('applies config, then the migration Job (waiting for Complete), then workloads and waits for each rollout', async () => {
    const t = setup({ 'job-state': 'Complete', 'rev-parley-server': '7', 'rev-parley-web': '3' });
    expect((await t.run('prepare', join(t.dir, 'release.yaml'), t.work)).code).toBe(0);
    expect(readFileSync(join(t.work, 'revisions.txt'), 'utf8')).toBe('Deployment|parley|parley-server|7\nDeployment|parley|parley-web|3\n');
    const r = await t.run('apply', t.work);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const calls = t.log().filter((l) => !l.startsWith('get deployment'));
    expect(calls).toEqual([
      `apply --server-side --force-conflicts --field-manager=parley-deploy -f ${t.work}/00-config.yaml`,
      'delete job parley-migrate --namespace=parley --ignore-not-found --wait=true',
      `apply --server-side --force-conflicts --field-manager=parley-deploy -f ${t.work}/10-migration.yaml`,
      'get job parley-migrate --namespace=parley -o jsonpath={.status.conditions[?(@.status=="True")].type}',
      `apply --server-side --force-conflicts --field-manager=parley-deploy -f ${t.work}/20-workloads.yaml`,
      'rollout status deployment/parley-server --namespace=parley --timeout=600s',
      'rollout status deployment/parley-web --namespace=parley --timeout=600s',
    ]);
  });

  it('waits for a CloudNativePG Cluster in the release before running the migration', async () => {
    const withDb = `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: parley-db\n  namespace: parley\n---\n${rendered}`;
    const t = setup({ 'job-state': 'Complete' }, withDb);
    await t.run('prepare', join(t.dir, 'release.yaml'), t.work);
    const r = await t.run('apply', t.work);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const log = t.log();
    const wait = log.indexOf('wait --for=condition=Ready cluster/parley-db --namespace=parley --timeout=900s');
    expect(wait).toBeGreaterThan(log.findIndex((l) => l.includes('00-config.yaml')));
    expect(wait).toBeLessThan(log.findIndex((l) => l.includes('10-migration.yaml')));
  });

  it('stops before the workloads when the migration Job fails, and prints its logs', async () => {
    const t = setup({ 'job-state': 'Failed' });
    await t.run('prepare', join(t.dir, 'release.yaml'), t.work);
    const r = await t.run('apply', t.work);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('Job parley-migrate FAILED');
    expect(r.stdout).toContain('relation already exists');
    expect(t.log().some((l) => l.includes('20-workloads.yaml'))).toBe(false);
  });

  it('times out on a migration Job that never completes', async () => {
    const t = setup({ 'job-state': '' });
    await t.run('prepare', join(t.dir, 'release.yaml'), t.work);
    const r = await t.run('apply', t.work);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('not complete after 2s');
  });

  it('SKIP_MIGRATION=1 (rollback redeploys) never runs the Job', async () => {
    const t = setup({ 'job-state': 'Failed' });
    await t.run('prepare', join(t.dir, 'release.yaml'), t.work);
    const r = await sh('bash', [script('k8s-release.sh'), 'apply', t.work], { ...t.env, SKIP_MIGRATION: '1' });
    expect(r.code, r.stdout).toBe(0);
    expect(t.log().some((l) => l.includes('10-migration.yaml') || l.startsWith('delete job'))).toBe(false);
  });

  it('fails when a rollout does not finish, and rollback returns each Deployment to its recorded revision', async () => {
    const t = setup({ 'job-state': 'Complete', 'rev-parley-server': '7', 'rollout-rc-parley-server': '1' });
    await t.run('prepare', join(t.dir, 'release.yaml'), t.work);
    const apply = await t.run('apply', t.work);
    expect(apply.code).not.toBe(0);
    writeFileSync(join(t.env.FAKE_STATE, 'rollout-rc-parley-server'), '0');
    const rb = await t.run('rollback', t.work);
    expect(rb.code, rb.stdout + rb.stderr).toBe(0);
    const undo = t.log().filter((l) => l.startsWith('rollout undo'));
    expect(undo).toEqual(['rollout undo deployment/parley-server --namespace=parley --to-revision=7']);
    expect(rb.stdout).toContain('deployment/parley-web was created by this release');
  });

  it('waits for a Flagger canary to promote the new spec, and fails when its analysis fails', async () => {
    const withCanary = `${rendered}---\napiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: parley-server\n  namespace: parley\n`;
    const ok = setup({ 'job-state': 'Complete', 'canary-phase': 'Succeeded', 'canary-promoted-before': 'old', 'canary-promoted-after': 'new' }, withCanary);
    await ok.run('prepare', join(ok.dir, 'release.yaml'), ok.work);
    const r = await ok.run('apply', ok.work);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('canary parley-server promoted');

    const stale = setup({ 'job-state': 'Complete', 'canary-phase': 'Succeeded', 'canary-promoted-before': 'old', 'canary-promoted-after': 'old' }, withCanary);
    await stale.run('prepare', join(stale.dir, 'release.yaml'), stale.work);
    const s = await stale.run('apply', stale.work);
    expect(s.code).not.toBe(0);
    expect(s.stdout).toContain('not promoted after 2s');

    const failed = setup({ 'job-state': 'Complete', 'canary-phase': 'Failed', 'canary-promoted-before': 'old', 'canary-promoted-after': 'old' }, withCanary);
    await failed.run('prepare', join(failed.dir, 'release.yaml'), failed.work);
    const f = await failed.run('apply', failed.work);
    expect(f.code).not.toBe(0);
    expect(f.stdout).toContain('FAILED its analysis');
  });

  it('undo rolls named Deployments back one revision and waits for them', async () => {
    const t = setup({});
    const r = await t.run('undo', 'parley-staging', 'parley-server', 'parley-web');
    expect(r.code).toBe(0);
    expect(t.log()).toEqual([
      'rollout undo deployment/parley-server --namespace=parley-staging',
      'rollout undo deployment/parley-web --namespace=parley-staging',
      'rollout status deployment/parley-server --namespace=parley-staging --timeout=600s',
      'rollout status deployment/parley-web --namespace=parley-staging --timeout=600s',
    ]);
  });
});

describe('k6-gate.sh', () => {
  it('runs loadtest/k6/chat.js in the pinned k6 image with the variables the script reads', async () => {
    const dir = join(tmp, 'k6');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'docker.log');
    writeFileSync(join(dir, 'docker'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${log}"\nexit "\${FAKE_K6_RC:-0}"\n`);
    chmodSync(join(dir, 'docker'), 0o755);
    const env = { PATH: `${dir}:${process.env.PATH}`, K6_IMAGE: 'grafana/k6:1.3.0' };
    const ok = await sh('bash', [script('k6-gate.sh'), 'https://chat.staging.example.com', 'loadtest/k6/chat.js'], env, repoRoot);
    expect(ok.code, ok.stderr).toBe(0);
    const args = readFileSync(log, 'utf8').trim().split('\n');
    expect(args.slice(0, 2)).toEqual(['run', '--rm']);
    expect(args).toContain('BASE_URL=https://chat.staging.example.com');
    expect(args).toContain(`${join(repoRoot, 'loadtest/k6')}:/scripts:ro`);
    expect(args.slice(-5)).toEqual(['grafana/k6:1.3.0', 'run', '--summary-export', '/out/k6-summary.json', '/scripts/chat.js']);
    // the k6 script reads exactly the variables the gate passes
    const chat = readFileSync(join(repoRoot, 'loadtest/k6/chat.js'), 'utf8');
    for (const v of ['BASE_URL', 'K6_VUS', 'K6_DURATION', 'SMOKE_USERNAME', 'SMOKE_PASSWORD']) {
      expect(chat, v).toContain(`__ENV.${v}`);
      expect(args.some((a) => a === v || a.startsWith(`${v}=`)), v).toBe(true);
    }
    // a failed threshold (k6 exits 99) fails the gate
    const failed = await sh('bash', [script('k6-gate.sh'), 'https://x.example.com', 'loadtest/k6/chat.js'], { ...env, FAKE_K6_RC: '99' }, repoRoot);
    expect(failed.code).toBe(99);
    const noImage = await sh('bash', [script('k6-gate.sh'), 'https://x.example.com', 'loadtest/k6/chat.js'], { PATH: env.PATH, K6_IMAGE: '' }, repoRoot);
    expect(noImage.code).not.toBe(0);
    expect(noImage.stderr).toContain('K6_IMAGE is required');
  });
});

describe('verify-image.sh and collect-api-docs.sh', () => {
  it('verify-image refuses a reference that is not pinned by digest (before calling cosign)', async () => {
    const r = await sh('bash', [script('verify-image.sh'), 'ghcr.io/parley-chat/parley-server:1.2.3'], { GITHUB_REPOSITORY: 'parley-chat/parley' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('not pinned by digest');
  });

  it('collect-api-docs copies the built reference and the specs into the site directory', async () => {
    const cwd = join(tmp, 'docs-site');
    mkdirSync(join(cwd, 'docs/api'), { recursive: true });
    writeFileSync(join(cwd, 'docs/api/reference.html'), '<!doctype html><title>Parley API</title>');
    writeFileSync(join(cwd, 'docs/api/openapi.yaml'), 'openapi: 3.1.0\n');
    const r = await sh('bash', [script('collect-api-docs.sh'), 'site'], {}, cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'site/index.html'), 'utf8')).toContain('Parley API');
    expect(existsSync(join(cwd, 'site/openapi.yaml'))).toBe(true);
    // the path `npm run api:build-docs` writes to wins over the fallbacks
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const built = /--output\s+(\S+)/.exec(pkg.scripts['api:build-docs'] ?? '')?.[1];
    if (built) {
      mkdirSync(join(cwd, built, '..'), { recursive: true });
      writeFileSync(join(cwd, built), '<!doctype html><title>built by redocly</title>');
      const r2 = await sh('bash', [script('collect-api-docs.sh'), 'site2'], {}, cwd);
      expect(r2.code, r2.stderr).toBe(0);
      expect(readFileSync(join(cwd, 'site2/index.html'), 'utf8')).toContain('built by redocly');
    }
    const empty = join(tmp, 'docs-empty');
    mkdirSync(empty);
    const none = await sh('bash', [script('collect-api-docs.sh'), 'site'], {}, empty);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no API reference HTML');
  });
});
