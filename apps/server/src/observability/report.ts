/*
 * Process-wide error reporting for code that has no request hook to call (the WebSocket
 * gateway, background work). No-op until setupObservability installs error tracking
 * (SENTRY_DSN set); this module imports nothing from Sentry.
 */
type Reporter = (err: unknown, context?: unknown) => void;
let reporter: Reporter | undefined;

export function setErrorReporter(r: Reporter | undefined): void {
  reporter = r;
}

/**
 * Reports a server-side failure to error tracking. `context` may be a Fastify request (route,
 * request id and user id are taken from it) or `{ tags, userId }`.
 */
export function reportError(err: unknown, context?: unknown): void {
  try {
    reporter?.(err, context);
  } catch {
    /* error tracking must never break the caller */
  }
}
