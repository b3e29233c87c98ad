/*
 * Pure helpers for error reports: classify known infrastructure failures (so Sentry groups
 * them into one issue each, whatever stack they surfaced from) and strip personal data and
 * secrets from an event before it leaves the process. No Sentry import here: unit-testable.
 */

export type ErrorClass = 'database-unavailable' | 'database-timeout' | 'redis-unavailable';

export interface ClassifyOptions {
  /** Ports of the configured PostgreSQL and Redis (to tell an ECONNREFUSED from the other). */
  databasePort?: number;
  redisPort?: number;
}

const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const REDIS_NAMES = new Set(['MaxRetriesPerRequestError', 'ReplyError', 'AbortError', 'RedisError', 'ClusterAllFailedError']);
const REDIS_MESSAGES = /Connection is closed|Stream isn't writeable|enableOfflineQueue|max retries per request|Reached the max retries|Redis connection/i;
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|Client has encountered a connection error/i;

function portOf(url: string | undefined, fallback: number): number | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.port ? Number(u.port) : fallback;
  } catch {
    return undefined;
  }
}

export function classifyOptions(databaseUrl?: string, redisUrl?: string): ClassifyOptions {
  return { databasePort: portOf(databaseUrl, 5432), redisPort: portOf(redisUrl, 6379) };
}

/** The known class of an error (following `cause` chains and AggregateErrors), if any. */
export function classifyError(err: unknown, options: ClassifyOptions = {}, depth = 0): ErrorClass | undefined {
  if (!err || typeof err !== 'object' || depth > 5) return undefined;
  const e = err as { name?: string; message?: string; code?: string; port?: number; cause?: unknown; errors?: unknown[] };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '57014') return 'database-timeout';
  if (code && PG_UNAVAILABLE.has(code)) return 'database-unavailable';
  if (e.name && REDIS_NAMES.has(e.name) && REDIS_MESSAGES.test(message)) return 'redis-unavailable';
  if (e.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(message)) return 'redis-unavailable';
  if (code && NET_UNAVAILABLE.has(code)) {
    if (e.port !== undefined && e.port === options.redisPort) return 'redis-unavailable';
    if (e.port !== undefined && e.port === options.databasePort) return 'database-unavailable';
  }
  if (PG_MESSAGES.test(message)) return 'database-unavailable';
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = classifyError(inner, options, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export const REDACTED = '[redacted]';
/** Keys whose values never leave the process. */
const SECRET_KEY = /pass(word)?|secret|token|ticket|cookie|authorization|api[-_]?key|session|dsn|credential|private[-_]?key/i;
/** Keys holding personal data: e-mail and network addresses. */
const PERSONAL_KEY = /^(e-?mail|ip|ip_address|remote_?addr(ess)?|x-forwarded-for|x-real-ip|forwarded|cf-connecting-ip|true-client-ip)$/i;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(:[^\s/@]*)?@/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const QUERY_SECRET = /([?&](?:[^=&\s]*(?:token|ticket|password|secret|key)[^=&\s]*)=)[^&\s#]+/gi;

/** Removes credentials, tokens and e-mail addresses from free text. */
export function scrubString(s: string): string {
  return s.replace(JWT, REDACTED).replace(BEARER, `$1 ${REDACTED}`).replace(URL_CREDENTIALS, `$1${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`).replace(EMAIL, '[email]');
}

/** Deep copy of `value` with secret and personal keys redacted and strings scrubbed. */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (!value || typeof value !== 'object') return value;
  if (depth > 12 || seen.has(value)) return '[truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k) || PERSONAL_KEY.test(k)) out[k] = REDACTED;
    else out[k] = scrubValue(v, depth + 1, seen);
  }
  return out;
}

/** The parts of a Sentry event this module touches (structurally typed: no Sentry import). */
export interface ScrubbableEvent {
  user?: Record<string, unknown> | null;
  request?: { cookies?: unknown; headers?: Record<string, unknown>; data?: unknown; query_string?: unknown; url?: string; env?: unknown; [k: string]: unknown } | null;
  breadcrumbs?: unknown[];
  fingerprint?: string[];
  tags?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Strips personal data and secrets from a Sentry event, in place (and returns it):
 * cookies, authorization and IP headers, request bodies (dropped: they may hold passwords),
 * the user's e-mail, username and IP (the opaque user id stays), and any secret-looking key
 * or string anywhere else in the event (messages, exception values, breadcrumbs, contexts).
 */
export function scrubEvent<E extends ScrubbableEvent>(event: E): E {
  if (event.user) {
    const id = event.user.id;
    event.user = id === undefined ? {} : { id };
  }
  if (event.request) {
    const req = event.request;
    delete req.cookies;
    delete req.data;
    delete req.env;
    if (req.headers) req.headers = scrubValue(req.headers) as Record<string, unknown>;
    if (typeof req.query_string === 'string') req.query_string = scrubString(`?${req.query_string}`).slice(1);
    else if (req.query_string !== undefined) req.query_string = scrubValue(req.query_string);
    if (typeof req.url === 'string') req.url = scrubString(req.url);
  }
  for (const key of Object.keys(event)) {
    if (key === 'user' || key === 'request' || key === 'fingerprint') continue;
    event[key as keyof E] = scrubValue(event[key]) as E[keyof E];
  }
  return event;
}

/** Adds the stable fingerprint and `error_class` tag of a known error class to an event. */
export function fingerprintEvent<E extends ScrubbableEvent>(event: E, err: unknown, options: ClassifyOptions): E {
  const cls = classifyError(err, options);
  if (cls) {
    event.fingerprint = [cls];
    event.tags = { ...(event.tags ?? {}), error_class: cls };
  }
  return event;
}

/** Span attributes holding personal data (client and peer addresses, user details). */
const PERSONAL_ATTRIBUTE = /^(client\.address|client\.port|http\.client_ip|network\.peer\.address|net\.peer\.ip|user\.(email|ip_address|name|username|full_name)|enduser\.(email|name))$/i;

/** A span as Sentry streams it: attributes are `{ key: { value, type } }`. */
export interface ScrubbableSpan {
  name: string;
  attributes?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Strips secrets and personal data from a span before it is sent: URLs with credentials or
 * token query parameters (`url.full`, `url.path`, `url.query`, span names), secret-looking
 * attributes and client addresses.
 */
export function scrubSpan<S extends ScrubbableSpan>(span: S): S {
  span.name = scrubString(span.name);
  if (span.attributes) {
    for (const [k, attr] of Object.entries(span.attributes)) {
      const boxed = attr && typeof attr === 'object' && 'value' in (attr as object) ? (attr as { value: unknown; type?: string }) : undefined;
      const value = boxed ? boxed.value : attr;
      let next: unknown = value;
      if (SECRET_KEY.test(k) || PERSONAL_ATTRIBUTE.test(k) || PERSONAL_KEY.test(k)) next = REDACTED;
      else if (typeof value === 'string') next = scrubString(value);
      else if (Array.isArray(value)) next = value.map((v) => (typeof v === 'string' ? scrubString(v) : v));
      if (next === value) continue;
      span.attributes[k] = boxed ? { ...boxed, value: next, ...(next === REDACTED ? { type: 'string' } : {}) } : next;
    }
  }
  return span;
}
