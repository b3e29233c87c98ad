import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { classifyError, classifyOptions, scrubEvent, scrubSpan, scrubString } from '../../src/observability/scrub.js';
import { setupObservability } from '../../src/observability/setup.js';
import { tracingEnabled, withSpan } from '../../src/observability/span.js';

describe('error classification (Sentry fingerprints)', () => {
  const opts = classifyOptions('postgres://u:p@db:5432/parley', 'redis://cache:6380');

  it('recognises PostgreSQL outages by SQLSTATE, message and port', () => {
    expect(classifyError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), opts)).toBe('database-unavailable');
    expect(classifyError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }), opts)).toBe('database-unavailable');
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED', port: 5432 }), opts)).toBe('database-unavailable');
    expect(classifyError(new Error('timeout exceeded when trying to connect'), opts)).toBe('database-unavailable');
    expect(classifyError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), opts)).toBe('database-timeout');
  });

  it('recognises Redis outages by error name, message and port', () => {
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.6:6380'), { code: 'ECONNREFUSED', port: 6380 }), opts)).toBe('redis-unavailable');
    expect(classifyError(Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }), opts)).toBe('redis-unavailable');
    expect(classifyError(new Error('Connection is closed.'), opts)).toBe('redis-unavailable');
  });

  it('follows causes and leaves other errors unclassified', () => {
    expect(classifyError(new Error('send failed', { cause: Object.assign(new Error('x'), { code: '08006' }) }), opts)).toBe('database-unavailable');
    expect(classifyError(new TypeError("Cannot read properties of undefined (reading 'id')"), opts)).toBeUndefined();
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:9999'), { code: 'ECONNREFUSED', port: 9999 }), opts)).toBeUndefined();
    expect(classifyError(undefined, opts)).toBeUndefined();
  });
});

describe('scrubbing', () => {
  it('removes credentials, tokens and e-mail addresses from text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const s = scrubString(`postgres://parley:hunter2secret@db/parley Bearer abc.def-ghi ${jwt} ?ticket=t1234567&q=hello mail me@example.org`);
    expect(s).not.toMatch(/hunter2secret|abc\.def-ghi|eyJhbGci|t1234567|me@example\.org/);
    expect(s).toContain('q=hello');
  });

  it('keeps only the user id and drops cookies, bodies and secret headers from events', () => {
    const event = scrubEvent({
      user: { id: 'u1', email: 'a@b.example', ip_address: '198.51.100.4', username: 'alice' },
      request: { url: 'https://chat.example/api?token=abcdef123', cookies: { parley_access: 'x' }, data: { password: 'pw' }, headers: { Authorization: 'Bearer x', Cookie: 'a=b', 'X-Forwarded-For': '198.51.100.4', 'user-agent': 'test' } },
      extra: { refreshToken: 'r', nested: { currentPassword: 'p', note: 'ok' } },
    });
    expect(event.user).toEqual({ id: 'u1' });
    expect(event.request).toMatchObject({ url: 'https://chat.example/api?token=[redacted]', headers: { Authorization: '[redacted]', Cookie: '[redacted]', 'X-Forwarded-For': '[redacted]', 'user-agent': 'test' } });
    expect(event.request).not.toHaveProperty('cookies');
    expect(event.request).not.toHaveProperty('data');
    expect(event.extra).toEqual({ refreshToken: '[redacted]', nested: { currentPassword: '[redacted]', note: 'ok' } });
  });

  it('scrubs span names and attributes', () => {
    const span = scrubSpan({ name: 'GET /x?token=secret123', attributes: { 'url.full': { value: 'http://h/x?token=secret123', type: 'string' }, 'client.address': { value: '198.51.100.4', type: 'string' }, 'http.route': { value: '/x', type: 'string' } } });
    expect(JSON.stringify(span)).not.toMatch(/secret123|198\.51\.100\.4/);
    expect(span.attributes!['http.route']).toEqual({ value: '/x', type: 'string' });
  });
});

describe('setupObservability without SENTRY_DSN and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('loads nothing and returns working no-op hooks', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const hooks = await setupObservability(config, createLogger('silent'));
    expect(tracingEnabled()).toBe(false);
    expect(() => hooks.captureError(new Error('nowhere to go'))).not.toThrow();
    await expect(hooks.flush()).resolves.toBeUndefined();
    await expect(withSpan('noop', { a: 1 }, async () => 42)).resolves.toBe(42);
    // Neither SDK was initialised: Sentry.init creates its global carrier, a tracer provider registers
    // itself in OpenTelemetry's global slot.
    expect((globalThis as Record<string, unknown>).__SENTRY__).toBeUndefined();
    expect((globalThis as Record<symbol, { trace?: unknown } | undefined>)[Symbol.for('opentelemetry.js.api.1')]?.trace).toBeUndefined();
  });
});
