import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuthResult, ChangePasswordBody, LoginBody, RefreshBody, RegisterBody, Ticket, User } from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { assertSameOrigin, caller, clearSessionCookies, REFRESH_COOKIE, setSessionCookies } from '../http/auth.js';
import { AppError } from '../http/problem.js';
import { rateLimit } from '../http/rate-limit.js';
import { bearerOrCookie, problems } from '../http/schema.js';

export async function authRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = m.infra;
  const authLimit = rateLimit(m.infra.rateLimiter, { scope: 'auth', limit: config.rateLimits.authPerMin, windowMs: 60_000, by: 'ip' });
  const userAgent = (ua: string | undefined) => ua ?? null;

  r.post('/api/v1/auth/register', {
    schema: { tags: ['auth'], operationId: 'register', summary: 'Create an account and start a session', body: RegisterBody, response: { 201: AuthResult, ...problems(400, 409, 429) } },
    preHandler: authLimit,
  }, async (request, reply) => {
    const result = await m.auth.register(request.body, userAgent(request.headers['user-agent']));
    setSessionCookies(reply, config, result);
    return reply.code(201).send(result);
  });

  r.post('/api/v1/auth/login', {
    schema: { tags: ['auth'], operationId: 'login', summary: 'Log in with username and password', body: LoginBody, response: { 200: AuthResult, ...problems(400, 401, 429) } },
    preHandler: authLimit,
  }, async (request, reply) => {
    const result = await m.auth.login(request.body, userAgent(request.headers['user-agent']));
    setSessionCookies(reply, config, result);
    return result;
  });

  r.post('/api/v1/auth/refresh', {
    schema: { tags: ['auth'], operationId: 'refresh', summary: 'Rotate the refresh token and get a new access token', body: Type.Optional(RefreshBody), response: { 200: AuthResult, ...problems(400, 401, 403, 429) } },
    preHandler: authLimit,
  }, async (request, reply) => {
    let token = request.body?.refreshToken;
    if (!token) {
      token = request.cookies[REFRESH_COOKIE];
      if (token) assertSameOrigin(request, config);
    }
    if (!token) throw new AppError('unauthenticated', 'No refresh token (body or cookie)');
    try {
      const result = await m.auth.refresh(token);
      setSessionCookies(reply, config, result);
      return result;
    } catch (err) {
      clearSessionCookies(reply, config);
      throw err;
    }
  });

  r.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], operationId: 'logout', summary: 'End this session', security: bearerOrCookie, response: { 204: Type.Null(), ...problems(401, 403) } },
    preHandler: m.requireAuth,
  }, async (request, reply) => {
    const who = caller(request);
    await m.auth.revokeSession(who.userId, who.sessionId);
    clearSessionCookies(reply, config);
    return reply.code(204).send(null);
  });

  r.get('/api/v1/auth/me', {
    schema: { tags: ['auth'], operationId: 'currentUser', summary: 'The logged-in user', security: bearerOrCookie, response: { 200: User, ...problems(401) } },
    preHandler: m.requireAuth,
  }, async (request) => m.users.profile(caller(request).userId));

  r.post('/api/v1/auth/password', {
    schema: { tags: ['auth'], operationId: 'changePassword', summary: 'Change password; ends every other session', security: bearerOrCookie, body: ChangePasswordBody, response: { 204: Type.Null(), ...problems(400, 401, 403, 429) } },
    preHandler: [m.requireAuth, authLimit],
  }, async (request, reply) => {
    await m.auth.changePassword(caller(request), request.body.currentPassword, request.body.newPassword);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/realtime/ticket', {
    schema: { tags: ['realtime'], operationId: 'createTicket', summary: 'A single-use ticket for the WebSocket auth frame (valid 30 s)', security: bearerOrCookie, response: { 200: Ticket, ...problems(401, 403) } },
    preHandler: m.requireAuth,
  }, async (request) => m.auth.issueTicket(caller(request)));
}
