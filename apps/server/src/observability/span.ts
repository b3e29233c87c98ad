/*
 * Manual spans for code that no auto-instrumentation covers (WebSocket frame handling).
 * `withSpan` is a plain call of `fn` while tracing is off: this module imports nothing from
 * OpenTelemetry; observability/tracing.ts installs the real implementation when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  /** Start a new trace instead of a child of the active span (e.g. one trace per WebSocket frame). */
  newTrace?: boolean;
  /** Span kind: `server` for work started by a client message, `internal` (default) otherwise. */
  kind?: 'internal' | 'server' | 'consumer';
}

export interface SpanImplementation {
  run<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>, options: SpanOptions): Promise<T>;
  recordError(err: unknown): void;
}

let implementation: SpanImplementation | undefined;

export function setSpanImplementation(impl: SpanImplementation | undefined): void {
  implementation = impl;
}

/**
 * Runs `fn` inside an active span named `name` (its status is ERROR and the exception is
 * recorded when `fn` throws; the error is rethrown). Logs written inside carry the span's ids.
 */
export function withSpan<T>(name: string, attributes: SpanAttributes, fn: () => Promise<T>, options: SpanOptions = {}): Promise<T> {
  return implementation ? implementation.run(name, attributes, fn, options) : fn();
}

/** Marks the active span as failed with `err` (for errors that are handled, not thrown). No-op when tracing is off. */
export function recordSpanError(err: unknown): void {
  implementation?.recordError(err);
}

/** Whether tracing is on in this process. */
export function tracingEnabled(): boolean {
  return implementation !== undefined;
}
