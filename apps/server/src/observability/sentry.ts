import * as Sentry from '@sentry/node';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { classifyOptions, fingerprintEvent, scrubEvent, scrubSpan, scrubString, scrubValue, type ScrubbableEvent, type ScrubbableSpan } from './scrub.js';

/*
 * Error tracking with @sentry/node. This module is imported (by setup.ts) only when
 * SENTRY_DSN is set: importing the SDK costs ~0.6 s and installs module hooks.
 *  - release and environment tag every event (RELEASE / SENTRY_ENVIRONMENT, default NODE_ENV);
 *  - personal data never leaves: dataCollection collects no user info, cookies or bodies, and beforeSend/beforeSendTransaction/
 *    beforeBreadcrumb scrub cookies, authorization headers, request bodies, e-mails, IPs,
 *    tokens and URL credentials (scrub.ts);
 *  - known infrastructure failures (database/Redis unavailable, statement timeout) get a
 *    stable fingerprint, so an outage is one issue instead of one per call site;
 *  - performance tracing is sampled by SENTRY_TRACES_SAMPLE_RATE (0 = errors only).
 * Sentry does not take over OpenTelemetry (enableOpenTelemetrySetup stays false): with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, traces go to the OTLP pipeline of tracing.ts.
 */

export interface ErrorTracking {
  captureError(err: unknown, request?: unknown): void;
  flush(timeoutMs?: number): Promise<void>;
}

/** What captureError reads from a Fastify request (duck-typed; no Fastify import). */
interface RequestLike {
  /** `{ tags, userId }` form, for callers without a request (reportError from the gateway). */
  tags?: Record<string, string | number | boolean | undefined>;
  userId?: string;
  id?: string;
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
  auth?: { userId?: string } | null;
}

export interface SentryOptions {
  /** OpenTelemetry tracing (tracing.ts) already instruments Fastify with @fastify/otel. */
  otelFastify?: boolean;
}

export function startSentry(config: Config, log: Logger, options: SentryOptions = {}): ErrorTracking {
  const classify = classifyOptions(config.databaseUrl, config.redisUrl);
  Sentry.init({
    dsn: config.sentry.dsn,
    release: config.release,
    environment: config.sentry.environment,
    tracesSampleRate: config.sentry.tracesSampleRate,
    // Collect no personal data in the first place; beforeSend scrubs whatever remains.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: { request: { deny: ['authorization', 'cookie', 'proxy-authorization', 'x-forwarded-for', 'x-real-ip', 'forwarded'] }, response: { deny: ['set-cookie'] } },
      httpBodies: [],
      urlQueryParams: true,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    // 5xx errors are reported once, by startServer's onServerError (captureError below, with
    // route, request id and user id); Sentry's Fastify integration keeps tracing but does not
    // capture errors itself (it would report each one twice). With OpenTelemetry tracing on,
    // @fastify/otel instruments Fastify and Sentry's own copy of it must stay out: both
    // decorate requests with `opentelemetry` and Fastify refuses the second decorator.
    integrations: (defaults) =>
      options.otelFastify
        ? defaults.filter((i) => i.name !== 'Fastify')
        : [...defaults.filter((i) => i.name !== 'Fastify'), Sentry.fastifyIntegration({ shouldHandleError: () => false })],
    initialScope: { tags: { service: config.otel.serviceName, commit: config.commit } },
    beforeSend(event, hint) {
      return scrubEvent(fingerprintEvent(event as unknown as ScrubbableEvent, hint.originalException, classify)) as unknown as typeof event;
    },
    // Spans are streamed (traceLifecycle "stream", the default): they are scrubbed one by one.
    beforeSendSpan(span) {
      return scrubSpan(span as unknown as ScrubbableSpan) as unknown as typeof span;
    },
    beforeBreadcrumb(breadcrumb) {
      if (breadcrumb.message) breadcrumb.message = scrubString(breadcrumb.message);
      if (breadcrumb.data) breadcrumb.data = scrubValue(breadcrumb.data) as typeof breadcrumb.data;
      return breadcrumb;
    },
  });
  log.info({ environment: config.sentry.environment, release: config.release, tracesSampleRate: config.sentry.tracesSampleRate }, 'error tracking enabled (Sentry)');

  return {
    captureError(err, request) {
      Sentry.withScope((scope) => {
        const req = request as RequestLike | undefined;
        if (req && typeof req === 'object') {
          if (req.id) scope.setTag('request_id', req.id);
          if (req.method) scope.setTag('http.method', req.method);
          const route = req.routeOptions?.url;
          if (route) {
            scope.setTag('route', route);
            scope.setTransactionName(`${req.method ?? ''} ${route}`.trim());
          }
          if (req.auth?.userId) scope.setUser({ id: req.auth.userId });
          if (req.userId) scope.setUser({ id: req.userId });
          for (const [k, v] of Object.entries(req.tags ?? {})) if (v !== undefined) scope.setTag(k, v);
        }
        Sentry.captureException(err);
      });
    },
    async flush(timeoutMs = 2000) {
      await Sentry.flush(timeoutMs);
    },
  };
}
