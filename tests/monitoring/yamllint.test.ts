import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { skipWithout } from '../support/tools';
import { repoRoot } from './metric-names';

const paths = ['deploy/monitoring', 'deploy/k8s/components/monitoring', 'deploy/k8s/components/logging', 'tests/monitoring/fixtures'];

describe.skipIf(skipWithout('yamllint'))('yamllint', () => {
  it('finds no problems in the monitoring and logging YAML', () => {
    const r = spawnSync('yamllint', ['--strict', '-f', 'parsable', '-c', 'deploy/monitoring/yamllint.yml', ...paths], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
