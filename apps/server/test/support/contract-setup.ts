/**
 * Vitest setup file (apps/server/vitest.config.ts `setupFiles`): a response or frame that the
 * OpenAPI/AsyncAPI documents do not allow fails the test during which it arrived.
 */
import { afterAll, afterEach } from 'vitest';
import { contract, flushCoverage } from './contract.js';

function assertNone(when: string): void {
  const violations = contract().takeViolations();
  if (violations.length) {
    throw new Error(`API contract violations ${when} (docs/api/openapi.yaml, docs/api/asyncapi.yaml):\n- ${violations.join('\n- ')}`);
  }
}

afterEach(() => assertNone('in this test'));
afterAll(() => {
  flushCoverage('server');
  assertNone('after the last test of this file');
});
