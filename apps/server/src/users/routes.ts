import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, ServerConfig, User, UserList, UserSearchQuery, Uuid } from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { bearerOrCookie, docs, problems } from '../http/schema.js';

export async function userRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = m.infra;

  r.get('/api/v1/config', {
    schema: { tags: ['meta'], ...docs({ description: 'Public configuration for clients: the server version, environment, the Sentry DSN for browser error reporting (or null) and the limits to check input against before sending. No authentication.', responses: { 200: 'The configuration' } }),
      operationId: 'getConfig', summary: 'Public client configuration (version, limits, Sentry DSN)', response: { 200: ServerConfig } },
  }, async () => ({
    version: config.release,
    environment: config.env,
    sentryDsn: config.sentry.dsn ?? null,
    limits: { messageBodyMax: LIMITS.messageBodyMax, uploadMaxBytes: config.uploadMaxBytes },
  }));

  r.get('/api/v1/users', {
    schema: { tags: ['users'], ...docs({ description: 'Users whose username or display name starts with `q` (case-insensitive), for invitations and direct messages. Not paginated: refine `q` instead.', responses: { 200: 'Matching users' } }),
      operationId: 'searchUsers', summary: 'Find users by username or display name', security: bearerOrCookie, querystring: UserSearchQuery, response: { 200: UserList, ...problems(400, 401) } },
    preHandler: m.requireAuth,
  }, async (request) => ({ items: await m.users.search(request.query.q, request.query.limit ?? 20) }));

  r.get('/api/v1/users/:userId', {
    schema: { tags: ['users'], ...docs({ description: 'One user profile.', responses: { 200: 'The user' } }),
      operationId: 'getUser', summary: 'A user profile', security: bearerOrCookie, params: Type.Object({ userId: Uuid }), response: { 200: User, ...problems(400, 401, 404) } },
    preHandler: m.requireAuth,
  }, async (request) => m.users.profile(request.params.userId));
}
