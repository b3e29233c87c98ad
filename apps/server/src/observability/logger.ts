import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Paths never written to logs. Tokens, cookies, passwords and authorization headers are
 * replaced by "[redacted]" wherever pino meets them (request logs, error objects, bodies).
 *
 * pino's redaction is path based (fast-redact): `*.x` covers one level of nesting, so the
 * secrets Parley handles are listed at the depths where they can appear: top level
 * (`log.info({ refreshToken })`), one level (`{ body: { password } }`, `{ err: { ... } }`)
 * and two levels (`{ req: { body: { password } } }`). Fastify's own request serializer
 * logs method, url, host and remote address only (no headers, no body), so headers only
 * appear when code logs them explicitly; those paths are covered too.
 */
const SECRET_KEYS = ['password', 'currentPassword', 'newPassword', 'passwordHash', 'password_hash', 'accessToken', 'refreshToken', 'ticket', 'token', 'tokenSecret', 'secret', 'cookie', 'authorization', 'set-cookie', 'databaseUrl', 'redisUrl', 'dsn'];
const HEADER_KEYS = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization', 'x-api-key'];

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
}
function join(prefix: string, k: string): string {
  const part = key(k);
  return part.startsWith('[') ? `${prefix}${part}` : `${prefix}.${part}`;
}

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.map(key),
  ...SECRET_KEYS.map((k) => join('*', k)),
  ...SECRET_KEYS.map((k) => join('*.*', k)),
  ...HEADER_KEYS.flatMap((h) => [join('req.headers', h), join('res.headers', h), join('headers', h), join('request.headers', h), join('response.headers', h), join('err.headers', h)]),
  'config.tokenSecret',
  'config.databaseUrl',
  'config.redisUrl',
  'config.sentry.dsn',
];

/** Trace context of the active span, when tracing is on (set by observability/tracing.ts). */
export type TraceContextProvider = () => { trace_id: string; span_id: string; trace_flags: string } | undefined;
let traceContext: TraceContextProvider | undefined;

/** Installs (or removes) the function that reads the active span for log lines. */
export function setTraceContextProvider(provider: TraceContextProvider | undefined): void {
  traceContext = provider;
}

/** Query parameters whose values never reach the logs (e.g. a token someone put in a URL). */
const SECRET_QUERY = /([?&](?:[^=&#]*(?:token|ticket|password|secret|key|code)[^=&#]*)=)[^&#]*/gi;
export function redactUrl(url: string | undefined): string | undefined {
  return url && url.includes('?') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

/** Fastify's request serializer (method, url, host, remote address), with secret query values redacted. */
function serializeRequest(req: unknown): unknown {
  const r = req as { method?: string; url?: string; host?: string; ip?: string; headers?: Record<string, unknown>; socket?: { remotePort?: number } } | null;
  if (!r || typeof r !== 'object' || typeof r.method !== 'string') return req;
  return {
    method: r.method,
    url: redactUrl(r.url),
    version: r.headers?.['accept-version'],
    host: r.host,
    remoteAddress: r.ip,
    remotePort: r.socket?.remotePort,
  };
}

/**
 * Fastify logs the access line ("request completed") with `{ res: reply, responseTime }`.
 * This serializer adds method, URL and route template to the status so the line alone is a
 * complete access-log entry; anything that is not a Fastify reply keeps its own fields.
 */
function serializeResponse(res: unknown): unknown {
  const reply = res as { statusCode?: number; request?: { method?: string; url?: string; routeOptions?: { url?: string } } } | null;
  if (!reply || typeof reply !== 'object' || typeof reply.statusCode !== 'number') return res;
  const request = reply.request;
  if (!request) return { statusCode: reply.statusCode };
  return { statusCode: reply.statusCode, method: request.method, url: redactUrl(request.url), route: request.routeOptions?.url };
}

export interface LoggerOptions {
  /** Where lines go (default: stdout). Tests pass an in-process stream. */
  destination?: DestinationStream;
}

export function createLogger(level: string, base: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const settings: pino.LoggerOptions = {
      level,
      base: { service: 'parley-server', ...base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { req: serializeRequest, res: serializeResponse, err: pino.stdSerializers.err },
      // Every line written while a span is active carries its trace and span ids.
      mixin: () => traceContext?.() ?? {},
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
