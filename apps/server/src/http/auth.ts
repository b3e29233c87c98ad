import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/load.js';
import type { AuthResult } from '@parley/protocol';
import type { AuthService, Authenticated } from '../auth/service.js';
import { AppError } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

export const ACCESS_COOKIE = 'parley_access';
export const REFRESH_COOKIE = 'parley_refresh';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated state changes must come from an allowed origin (CSRF defence on top
 * of SameSite): the browser's Origin header, or Sec-Fetch-Site: same-origin.
 */
export function assertSameOrigin(request: FastifyRequest, config: Config): void {
  const origin = request.headers.origin;
  if (origin) {
    if (!config.allowedOrigins.includes(origin)) throw new AppError('csrf-rejected', `Requests from ${origin} are not allowed`);
    return;
  }
  if (request.headers['sec-fetch-site'] === 'same-origin') return;
  throw new AppError('csrf-rejected', 'A cookie-authenticated request must carry an Origin header');
}

export function extractToken(request: FastifyRequest): { token: string; via: 'cookie' | 'bearer' } | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('invalid-token', 'The Authorization header must be "Bearer <token>"');
    return { token: match[1]!, via: 'bearer' };
  }
  const cookie = request.cookies?.[ACCESS_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** preHandler that requires a valid access token (bearer or cookie) and an active session. */
export function requireAuth(auth: AuthService, config: Config) {
  return async (request: FastifyRequest): Promise<void> => {
    const found = extractToken(request);
    if (!found) throw new AppError('unauthenticated', 'Log in first (cookie or Authorization: Bearer)');
    request.auth = await auth.authenticate(found.token, found.via);
    if (found.via === 'cookie' && !SAFE_METHODS.has(request.method)) assertSameOrigin(request, config);
    request.log = request.log.child({ userId: request.auth.userId });
  };
}

export function setSessionCookies(reply: FastifyReply, config: Config, result: AuthResult): void {
  const base = { httpOnly: true, secure: config.cookieSecure };
  reply.setCookie(ACCESS_COOKIE, result.accessToken, { ...base, path: '/', sameSite: 'lax', maxAge: result.expiresIn });
  reply.setCookie(REFRESH_COOKIE, result.refreshToken, { ...base, path: '/api/v1/auth', sameSite: 'strict', maxAge: config.refreshTokenTtlS });
}

export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  const base = { httpOnly: true, secure: config.cookieSecure };
  reply.clearCookie(ACCESS_COOKIE, { ...base, path: '/', sameSite: 'lax' });
  reply.clearCookie(REFRESH_COOKIE, { ...base, path: '/api/v1/auth', sameSite: 'strict' });
}

/** The authenticated caller; only valid behind requireAuth. */
export function caller(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new AppError('unauthenticated');
  return request.auth;
}
