import type { ServerConfig } from '@parley/protocol';

/**
 * Browser error tracking, only when the server says a DSN is configured. Loaded with a dynamic
 * import so the SDK is a separate chunk that most installations never download.
 */
export async function initSentry(config: ServerConfig): Promise<boolean> {
  if (!config.sentryDsn) return false;
  const Sentry = await import('@sentry/react');
  Sentry.init({
    dsn: config.sentryDsn,
    release: config.version,
    environment: config.environment,
  });
  return true;
}
