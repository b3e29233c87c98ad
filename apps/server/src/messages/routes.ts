import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Changes, ChangesQuery, EditMessageBody, Message, MessagePage, MessagePageQuery, MessageParams, ReactionParams, RoomParams, SendMessageBody } from '@parley/protocol';
import type { Modules } from '../modules.js';
import { caller } from '../http/auth.js';
import { rateLimit } from '../http/rate-limit.js';
import { bearerOrCookie, problems } from '../http/schema.js';

export async function messageRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['messages'], security: bearerOrCookie };
  const sendLimit = rateLimit(m.infra.rateLimiter, { scope: 'send', limit: m.infra.config.rateLimits.sendPer10s, windowMs: 10_000, by: 'user' });

  r.get('/api/v1/rooms/:roomId/messages', {
    schema: { ...common, operationId: 'listMessages', summary: 'A page of messages (keyset pagination on seq)', params: RoomParams, querystring: MessagePageQuery, response: { 200: MessagePage, ...problems(400, 401, 403, 404) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.page(caller(request).userId, request.params.roomId, request.query));

  r.get('/api/v1/rooms/:roomId/changes', {
    schema: { ...common, operationId: 'listChanges', summary: 'Messages created or changed after a sequence number (gap fill and resume)', params: RoomParams, querystring: ChangesQuery, response: { 200: Changes, ...problems(400, 401, 403, 404) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.changes(caller(request).userId, request.params.roomId, request.query.since, request.query.limit ?? 500));

  r.post('/api/v1/rooms/:roomId/messages', {
    schema: { ...common, operationId: 'sendMessage', summary: 'Send a message (idempotent on clientKey)', params: RoomParams, body: SendMessageBody, response: { 200: Message, 201: Message, ...problems(400, 401, 403, 404, 409, 429) } },
    preHandler: [m.requireAuth, sendLimit],
  }, async (request, reply) => {
    const { message, created } = await m.messages.send(caller(request).userId, request.params.roomId, request.body);
    return reply.code(created ? 201 : 200).send(message);
  });

  r.patch('/api/v1/rooms/:roomId/messages/:messageId', {
    schema: { ...common, operationId: 'editMessage', summary: 'Edit your message', params: MessageParams, body: EditMessageBody, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.edit(caller(request).userId, request.params.roomId, request.params.messageId, request.body.body));

  r.delete('/api/v1/rooms/:roomId/messages/:messageId', {
    schema: { ...common, operationId: 'deleteMessage', summary: 'Delete a message (leaves a tombstone)', params: MessageParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.remove(caller(request).userId, request.params.roomId, request.params.messageId));

  r.put('/api/v1/rooms/:roomId/messages/:messageId/reactions/:emoji', {
    schema: { ...common, operationId: 'addReaction', summary: 'React to a message', params: ReactionParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.react(caller(request).userId, request.params.roomId, request.params.messageId, request.params.emoji, true));

  r.delete('/api/v1/rooms/:roomId/messages/:messageId/reactions/:emoji', {
    schema: { ...common, operationId: 'removeReaction', summary: 'Remove your reaction', params: ReactionParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.react(caller(request).userId, request.params.roomId, request.params.messageId, request.params.emoji, false));
}
