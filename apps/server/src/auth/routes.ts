import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuthResult, ChangePasswordBody, LoginBody, RefreshBody, RegisterBody, Ticket, User } from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { assertSameOrigin, caller, clearSessionCookies, REFRESH_COOKIE, setSessionCookies } from '../http/auth.js';
import { AppError } from '../http/problem.js';
import { rateLimit } from '../http/rate-limit.js';
import { bearerOrCookie, docs, problems } from '../http/schema.js';

export async function authRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = m.infra;
  const authLimit = rateLimit(m.infra.rateLimiter, { scope: 'auth', limit: config.rateLimits.authPerMin, windowMs: 60_000, by: 'ip' });
  // Guessing one account's password from many addresses (or behind a proxy that forwards a spoofable
  // X-Forwarded-For) is throttled per account as well as per address. The cost: an attacker can
  // delay one user's logins for the window; sessions already open are unaffected.
  const accountLimit = rateLimit(m.infra.rateLimiter, {
    scope: 'login-account',
    limit: config.rateLimits.loginPerAccountPer15Min,
    windowMs: 15 * 60_000,
    by: (request) => `acct:${String((request.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase().slice(0, 64)}`,
  });
  const userAgent = (ua: string | undefined) => ua ?? null;

  r.post('/api/v1/auth/register', {
    schema: { tags: ['auth'], ...docs({
      description: 'Creates an account and logs it in. API clients use `accessToken` as `Authorization: Bearer <token>` and keep `refreshToken` to renew it; browsers get both as HttpOnly cookies (`parley_access`, `parley_refresh`) and can ignore the body. Usernames are unique case-insensitively.',
      responses: { 201: 'Account created; the session cookies are set' },
      headers: { 'Set-Cookie': { description: '`parley_access` (Path=/, SameSite=Lax) and `parley_refresh` (Path=/api/v1/auth, SameSite=Strict), both HttpOnly' } },
      rateLimit: 'auth',
      links: { 201: { currentUser: { operationId: 'currentUser', description: 'The new account, with the access token as bearer' }, createTicket: { operationId: 'createTicket', description: 'Connect to the WebSocket' } } },
    }),
      operationId: 'register', summary: 'Create an account and start a session', body: RegisterBody, response: { 201: AuthResult, ...problems(400, 409, 429) } },
    preHandler: authLimit,
  }, async (request, reply) => {
    const result = await m.auth.register(request.body, userAgent(request.headers['user-agent']));
    setSessionCookies(reply, config, result);
    return reply.code(201).send(result);
  });

  r.post('/api/v1/auth/login', {
    schema: { tags: ['auth'], ...docs({
      description: 'Starts a session for a username (case-insensitive) and password. Same result and cookies as register. Wrong credentials answer 401 `invalid-credentials` without saying which part was wrong. Besides the per-address `auth` limit, attempts naming one account are limited from any address (`RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN`, default 30 per 15 minutes; scope `login-account`).',
      responses: { 200: 'Logged in; the session cookies are set' },
      headers: { 'Set-Cookie': { description: '`parley_access` and `parley_refresh` session cookies (HttpOnly)' } },
      rateLimit: 'auth',
      links: { 200: { currentUser: { operationId: 'currentUser', description: 'The logged-in user' } } },
    }),
      operationId: 'login', summary: 'Log in with username and password', body: LoginBody, response: { 200: AuthResult, ...problems(400, 401, 429) } },
    preHandler: [authLimit, accountLimit],
  }, async (request, reply) => {
    const result = await m.auth.login(request.body, userAgent(request.headers['user-agent']));
    setSessionCookies(reply, config, result);
    return result;
  });

  r.post('/api/v1/auth/refresh', {
    schema: { tags: ['auth'], ...docs({
      description: 'Exchanges a refresh token for a new access token and a new refresh token (rotation: each refresh token works once; reusing one ends the session). API clients send `refreshToken` in the body; browsers send an empty body and the `parley_refresh` cookie, plus an allowed `Origin`. A failed refresh clears the cookies: log in again.',
      responses: { 200: 'New tokens; the session cookies are replaced' },
      headers: { 'Set-Cookie': { description: 'Replaced `parley_access` and `parley_refresh` cookies' } },
      rateLimit: 'auth',
    }),
      operationId: 'refresh', summary: 'Rotate the refresh token and get a new access token', body: Type.Optional(RefreshBody), response: { 200: AuthResult, ...problems(400, 401, 403, 429) } },
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
    schema: { tags: ['auth'], ...docs({
      description: 'Ends this session: its refresh token stops working, its access token is rejected from now on, its WebSocket connections close with 4003, and the cookies are cleared.',
      responses: { 204: 'Logged out; the cookies are cleared' },
      headers: { 'Set-Cookie': { description: 'Expired `parley_access` and `parley_refresh` cookies' } },
    }),
      operationId: 'logout', summary: 'End this session', security: bearerOrCookie, response: { 204: Type.Null(), ...problems(401, 403) } },
    preHandler: m.requireAuth,
  }, async (request, reply) => {
    const who = caller(request);
    await m.auth.revokeSession(who.userId, who.sessionId);
    clearSessionCookies(reply, config);
    return reply.code(204).send(null);
  });

  r.get('/api/v1/auth/me', {
    schema: { tags: ['auth'], ...docs({ description: 'The profile of the authenticated user.', responses: { 200: 'The current user' } }),
      operationId: 'currentUser', summary: 'The logged-in user', security: bearerOrCookie, response: { 200: User, ...problems(401) } },
    preHandler: m.requireAuth,
  }, async (request) => m.users.profile(caller(request).userId));

  r.post('/api/v1/auth/password', {
    schema: { tags: ['auth'], ...docs({
      description: 'Changes the password after checking the current one. Every other session of the user ends (their WebSockets close with 4003); this session stays.',
      responses: { 204: 'Password changed' },
      rateLimit: 'auth',
    }),
      operationId: 'changePassword', summary: 'Change password; ends every other session', security: bearerOrCookie, body: ChangePasswordBody, response: { 204: Type.Null(), ...problems(400, 401, 403, 429) } },
    preHandler: [m.requireAuth, authLimit],
  }, async (request, reply) => {
    await m.auth.changePassword(caller(request), request.body.currentPassword, request.body.newPassword);
    return reply.code(204).send(null);
  });

  r.post('/api/v1/realtime/ticket', {
    schema: { tags: ['realtime'], ...docs({
      description: 'A single-use ticket, valid 30 s, for clients that cannot send the session cookie with the WebSocket upgrade (bots, native apps): connect to `/ws` and send `{"type":"auth","ticket":"…"}` as the first frame. See the AsyncAPI document.',
      responses: { 200: 'A fresh ticket' },
    }),
      operationId: 'createTicket', summary: 'A single-use ticket for the WebSocket auth frame (valid 30 s)', security: bearerOrCookie, response: { 200: Ticket, ...problems(401, 403) } },
    preHandler: m.requireAuth,
  }, async (request) => m.auth.issueTicket(caller(request)));
}
