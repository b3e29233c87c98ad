import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (script: string) => {
  try {
    return { code: 0, out: execFileSync('npm', ['run', '--silent', script], { cwd: root, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}\n${e.stderr}` };
  }
};

// The same gates the GitHub `lint` job runs, so a green `npm test` here means they pass there too.
describe('static checks', () => {
  it('npm run lint reports no problems', () => {
    const result = run('lint');
    expect(result.out.trim()).toBe('');
    expect(result.code).toBe(0);
  });

  it('npm run typecheck passes for protocol, server and web', () => {
    const result = run('typecheck');
    expect(result.out).not.toMatch(/error TS\d+/);
    expect(result.code).toBe(0);
  });
});

describe('.ci/run', () => {
  it('passes shellcheck', () => {
    let out = '';
    let code = 0;
    try {
      out = execFileSync('shellcheck', ['.ci/run'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr?: string; code?: string };
      if (e.code === 'ENOENT') throw new Error('shellcheck is not installed (apt-get install shellcheck)');
      code = e.status;
      out = e.stdout;
    }
    expect(out).toBe('');
    expect(code).toBe(0);
  });
});
