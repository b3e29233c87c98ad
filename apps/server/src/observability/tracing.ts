import { register as registerLoader } from 'node:module';
import { SpanKind, SpanStatusCode, context, isSpanContextValid, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { redactUrl, setTraceContextProvider } from './logger.js';
import { setSpanImplementation, type SpanOptions } from './span.js';

/*
 * OpenTelemetry tracing, exported over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_ENDPOINT.
 * Loaded (dynamically, by setup.ts) only when that variable is set, and before the server
 * modules are imported so the instrumentations can patch them:
 *  - http (incoming requests; health probes are not traced), via require hooks on node:http
 *    as Fastify loads it;
 *  - Fastify routes and hooks (@fastify/otel, registered through Fastify's
 *    `fastify.initialization` diagnostics channel, so app.ts needs no plugin registration);
 *  - pg and ioredis: the server imports them from ES modules, which require hooks do not
 *    see, so an import-in-the-middle loader hook is registered for exactly these packages.
 * Sampling follows the standard OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG variables
 * (default: parent-based, always on).
 */

export interface Tracing {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const KIND: Record<NonNullable<SpanOptions['kind']>, SpanKind> = { internal: SpanKind.INTERNAL, server: SpanKind.SERVER, consumer: SpanKind.CONSUMER };
const NOT_TRACED = /^\/(health\/|metrics$|favicon)/;

/** URL attributes that may carry a query string (semantic conventions old and new, @fastify/otel). */
const URL_ATTRIBUTES = ['url.full', 'url.path', 'url.query', 'http.target', 'http.url'];

/**
 * Redacts secret query parameters (token, ticket, password, …) from URL attributes just
 * before a span ends, whichever instrumentation set them (@fastify/otel puts the raw URL,
 * query included, in `url.path`).
 */
class RedactUrlsProcessor implements SpanProcessor {
  onStart(): void {}
  onEnding(span: Span): void {
    for (const key of URL_ATTRIBUTES) {
      const value = span.attributes[key];
      if (typeof value !== 'string') continue;
      const redacted = key === 'url.query' ? redactUrl(`?${value}`)!.slice(1) : redactUrl(value)!;
      if (redacted !== value) span.setAttribute(key, redacted);
    }
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function tracesUrl(endpoint: string): string {
  // OTEL_EXPORTER_OTLP_ENDPOINT is the base URL; the traces signal lives at /v1/traces.
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

export async function startTracing(config: Config, log: Logger): Promise<Tracing> {
  const endpoint = config.otel.endpoint;
  if (!endpoint) throw new Error('startTracing needs OTEL_EXPORTER_OTLP_ENDPOINT');

  // Hook ESM imports of the instrumented CommonJS packages (must precede their first import).
  // Bare specifiers, plus resolved paths for loaders that import by file URL (e.g. test runners).
  const include = ['pg', 'pg-pool', 'ioredis', /\/node_modules\/(pg|pg-pool|ioredis)\/[^/]+(\/[^/]+)?\.js$/];
  registerLoader('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include } });

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.otel.serviceName,
      [ATTR_SERVICE_VERSION]: config.release,
      'deployment.environment.name': config.sentry.environment,
      'vcs.ref.head.revision': config.commit,
    }),
    spanProcessors: [new RedactUrlsProcessor(), new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(endpoint) }), { scheduledDelayMillis: 1000 })],
  });
  provider.register();

  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => NOT_TRACED.test(req.url ?? ''),
        // The only outbound HTTP is telemetry itself (Sentry envelopes).
        disableOutgoingRequestInstrumentation: true,
        // Never export a credential someone put in a URL (url.query / url.full attributes).
        redactedQueryParamsServer: ['token', 'access_token', 'refresh_token', 'refreshToken', 'accessToken', 'ticket', 'password', 'secret', 'key', 'code', 'sig', 'signature'],
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (route: { url: string }) => NOT_TRACED.test(route.url) }),
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });

  const tracer = provider.getTracer('parley-server', config.release);
  setSpanImplementation({
    run(name, attributes, fn, options) {
      const parent = options.newTrace ? ROOT_CONTEXT : context.active();
      const attrs = Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
      return tracer.startActiveSpan(name, { kind: KIND[options.kind ?? 'internal'], attributes: attrs }, parent, async (span) => {
        try {
          return await fn();
        } catch (err) {
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    recordError(err) {
      const span = trace.getActiveSpan();
      if (!span) return;
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    },
  });
  setTraceContextProvider(() => {
    const span = trace.getActiveSpan();
    if (!span) return undefined;
    const sc = span.spanContext();
    if (!isSpanContextValid(sc)) return undefined;
    return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: `0${sc.traceFlags.toString(16)}`.slice(-2) };
  });
  log.info({ endpoint: tracesUrl(endpoint), serviceName: config.otel.serviceName }, 'tracing enabled (OTLP/HTTP)');

  let stopped: Promise<void> | undefined;
  return {
    forceFlush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= provider.shutdown().catch((err) => log.warn({ err: (err as Error).message }, 'trace exporter shutdown failed')).finally(() => {
        setSpanImplementation(undefined);
        setTraceContextProvider(undefined);
      })),
  };
}
