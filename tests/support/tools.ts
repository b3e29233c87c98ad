import { execFileSync } from 'node:child_process';

/** True when running under CI (`CI=true`): there, nothing may be skipped for a missing tool. */
export const inCI = process.env.CI === 'true';

/** Whether an executable is on PATH. */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Skip condition for tests that need an external tool. Outside CI a missing tool skips the
 * test (with the reason printed); under CI the test runs anyway and fails loudly, because
 * a skipped test in CI is a failure.
 */
export function skipWithout(...tools: string[]): boolean {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return false;
  if (inCI) return false;
  console.warn(`skipping: missing tool(s) ${missing.join(', ')} (install them; CI does)`);
  return true;
}
