import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { SERVER_VERSION } from '../config/load.js';

/** OpenAPI 3.1 generated from the route schemas; Swagger UI at /docs, raw spec at /docs/openapi.json. */
export async function registerDocs(app: FastifyInstance, publicOrigin: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: SERVER_VERSION,
        description: 'REST API of Parley, a self-hosted real-time team chat. Errors are RFC 9457 problem details. The realtime protocol at /ws is described by the AsyncAPI document at /docs/asyncapi.json.',
        license: { name: 'AGPL-3.0-only', identifier: 'AGPL-3.0-only' },
      },
      servers: [{ url: publicOrigin }],
      tags: [
        { name: 'auth', description: 'Accounts and sessions' },
        { name: 'users', description: 'User directory' },
        { name: 'rooms', description: 'Channels, direct messages and membership' },
        { name: 'messages', description: 'Messages, threads, reactions, history' },
        { name: 'uploads', description: 'Files' },
        { name: 'realtime', description: 'WebSocket tickets' },
        { name: 'meta', description: 'Client configuration' },
        { name: 'health', description: 'Probes' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from login/register/refresh' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'parley_access', description: 'Set by login for browsers (HttpOnly, Secure, SameSite=Lax)' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: false });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
