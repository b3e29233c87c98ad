/** yamllint over the Kubernetes manifests this area owns (CI installs yamllint from Debian). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { skipWithout } from '../support/tools.ts';
import { k8sRoot } from './lib/render.ts';

const OWNED = [
  'base', 'overlays', 'gitops',
  ...['network-policies', 'autoscaling', 'canary', 'blue-green', 'postgres-cloudnativepg', 'redis', 'cert-manager', 'gateway-api', 'external-secrets'].map((c) => `components/${c}`),
];

test.skipIf(skipWithout('yamllint'))('yamllint passes on deploy/k8s (base, overlays, gitops, components of this area)', () => {
  let out = '';
  try {
    out = execFileSync('yamllint', ['-f', 'parsable', '-c', join(k8sRoot, '.yamllint.yaml'), ...OWNED], { cwd: k8sRoot, encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? String(err);
  }
  expect(out.trim()).toBe('');
});
