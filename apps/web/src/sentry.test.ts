import { describe, expect, it, vi } from 'vitest';

const init = vi.fn();
vi.mock('@sentry/react', () => ({ init }));

import { initSentry } from './sentry';

const config = { version: '1.2.3', environment: 'production', limits: { messageBodyMax: 4000, uploadMaxBytes: 1024 } };

describe('browser error tracking', () => {
  it('stays off without a DSN', async () => {
    expect(await initSentry({ ...config, sentryDsn: null })).toBe(false);
    expect(init).not.toHaveBeenCalled();
  });

  it('starts with the server release when the server sends a DSN', async () => {
    expect(await initSentry({ ...config, sentryDsn: 'https://key@sentry.example/1' })).toBe(true);
    expect(init).toHaveBeenCalledWith(expect.objectContaining({ dsn: 'https://key@sentry.example/1', release: '1.2.3', environment: 'production' }));
  });
});
