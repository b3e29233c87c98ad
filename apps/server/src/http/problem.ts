import { ERRORS, errorType, type ErrorCode, type Problem } from '@parley/protocol';

/** An expected failure with a stable code: rendered as RFC 9457 problem details (HTTP) or an `error` frame (WebSocket). */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly extra: { errors?: { path: string; message: string }[]; retryAfter?: number } = {},
  ) {
    super(detail ?? ERRORS[code].title);
    this.status = ERRORS[code].status;
  }
}

export const notFound = (what = 'Not found') => new AppError('not-found', what);
export const forbidden = (detail: string) => new AppError('forbidden', detail);

export function toProblem(err: AppError, instance?: string): Problem {
  return {
    type: errorType(err.code),
    title: ERRORS[err.code].title,
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(instance ? { instance } : {}),
    ...(err.extra.errors ? { errors: err.extra.errors } : {}),
    ...(err.extra.retryAfter !== undefined ? { retryAfter: err.extra.retryAfter } : {}),
  };
}
