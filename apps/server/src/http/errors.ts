import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '@parley/protocol';
import { AppError, toProblem } from './problem.js';

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'unsupported-media-type',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  503: 'unavailable',
};

/** Maps anything thrown in a handler to an AppError; unknown errors become a bare 500. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (e.validation) {
    const where = e.validationContext ?? 'body';
    const errors = e.validation.map((v) => {
      const missing = v.params && 'missingProperty' in v.params ? `/${String(v.params.missingProperty)}` : '';
      const extra = v.params && 'additionalProperty' in v.params ? `/${String(v.params.additionalProperty)}` : '';
      return { path: `${where}${v.instancePath}${missing}${extra}`, message: v.message ?? 'is invalid' };
    });
    return new AppError('validation', `The ${where} is not valid: ${errors.map((x) => `${x.path} ${x.message}`).join('; ')}`, { errors });
  }
  if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return new AppError('payload-too-large', 'The request body or file is larger than allowed');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new AppError('unsupported-media-type', 'Send application/json (or multipart/form-data for uploads)');
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) return new AppError('bad-request', 'The body is not valid JSON');
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new AppError(BY_STATUS[status] ?? 'bad-request', e.message);
  if (status === 503) return new AppError('unavailable', 'Temporarily unavailable; retry shortly');
  // PostgreSQL out of disk or memory: a clear, retryable answer instead of a bare 500.
  const pgCode = (err as { code?: string }).code;
  if (pgCode === '53100' || pgCode === '53200') return new AppError('unavailable', 'The server is out of storage space; nothing was saved. Try again later', { retryAfter: 30 });
  // PostgreSQL down or out of connections: a retryable 503 (HTTP and WebSocket alike), not a 500.
  if (isDatabaseUnavailable(err)) return new AppError('unavailable', 'The database is unreachable; retry shortly', { retryAfter: 2 });
  return new AppError('internal', 'Something went wrong on our side; it has been logged');
}

/** Whether a thrown error is a database connection failure (PostgreSQL down): answered 503, retryable. */
function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  const msg = (err as Error)?.message ?? '';
  // 57P01-03: server shutting down / cannot connect now; 53300: too many connections; 08xxx: connection exceptions.
  if (code && (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(msg);
}

export function installErrorHandling(app: FastifyInstance, onServerError: (err: unknown, request: FastifyRequest) => void): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      request.log.error({ err }, 'request failed');
      onServerError(err, request);
    }
    if (appError.extra.retryAfter !== undefined) reply.header('retry-after', String(appError.extra.retryAfter));
    reply.code(appError.status).type('application/problem+json').send(toProblem(appError, request.url.split('?')[0]));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).type('application/problem+json').send(toProblem(new AppError('not-found', `No route ${request.method} ${request.url.split('?')[0]}`)));
  });
}
