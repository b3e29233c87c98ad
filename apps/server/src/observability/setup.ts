import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { setErrorReporter } from './report.js';

export interface ObservabilityHooks {
  /** Report a server error (5xx) to error tracking; `request` (a Fastify request) adds route, request id and user id. */
  captureError(err: unknown, request?: unknown): void;
  /** Send buffered error events and spans (call before exiting). */
  flush(): Promise<void>;
}

/**
 * Error tracking (Sentry) and tracing (OpenTelemetry) are loaded only when configured:
 * both cost start-up time and install hooks, so with no SENTRY_DSN / OTLP endpoint nothing
 * loads (the modules are imported dynamically here). Call this before importing the server
 * modules: tracing patches http, pg and ioredis as they load.
 */
export async function setupObservability(config: Config, log: Logger): Promise<ObservabilityHooks> {
  let tracing: { shutdown(): Promise<void> } | undefined;
  let errors: { captureError(err: unknown, request?: unknown): void; flush(): Promise<void> } | undefined;
  if (config.otel.endpoint) {
    const { startTracing } = await import('./tracing.js');
    tracing = await startTracing(config, log);
  }
  if (config.sentry.dsn) {
    const { startSentry } = await import('./sentry.js');
    errors = startSentry(config, log, { otelFastify: tracing !== undefined });
    setErrorReporter(errors.captureError);
  }
  return {
    captureError(err, request) {
      try {
        errors?.captureError(err, request);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'error tracking failed');
      }
    },
    async flush() {
      await Promise.allSettled([errors?.flush(), tracing?.shutdown()]);
    },
  };
}
