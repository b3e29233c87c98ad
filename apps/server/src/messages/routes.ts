import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Changes, ChangesQuery, EditMessageBody, Message, MessagePage, MessagePageQuery, MessageParams, ReactionParams, RoomParams, SendMessageBody } from '@parley/protocol';
import type { Modules } from '../modules.js';
import { caller } from '../http/auth.js';
import { rateLimit } from '../http/rate-limit.js';
import { bearerOrCookie, docs, problems } from '../http/schema.js';

export async function messageRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['messages'], security: bearerOrCookie };
  const sendLimit = rateLimit(m.infra.rateLimiter, { scope: 'send', limit: m.infra.config.rateLimits.sendPer10s, windowMs: 10_000, by: 'user' });

  r.get('/api/v1/rooms/:roomId/messages', {
    schema: { ...common, ...docs({
      description: [
        'A page of messages, **oldest first**, using keyset pagination on the per-room sequence number `seq`:',
        '',
        '* no cursor: the newest page;',
        '* `before=<prevCursor>`: the page before (older); `prevCursor` is null at the start of history;',
        '* `after=<nextCursor>`: the page after (newer); `nextCursor` is null when the page reaches `headSeq`.',
        '',
        'Cursors are stable: new messages never shift pages. With `parentId`, the replies of that thread instead (top-level pages show the parent with its `replyCount`). Deleted messages stay as tombstones (empty body) so pages keep their shape. See docs/api/pagination.md.',
      ].join('\n'),
      responses: { 200: 'A page of messages and the cursors of its neighbours' },
      links: { 200: {
        olderPage: { operationId: 'listMessages', parameters: { roomId: '$request.path.roomId', before: '$response.body#/prevCursor' }, description: 'The previous (older) page; stop when prevCursor is null' },
        newerPage: { operationId: 'listMessages', parameters: { roomId: '$request.path.roomId', after: '$response.body#/nextCursor' }, description: 'The next (newer) page; stop when nextCursor is null' },
      } },
    }),
      operationId: 'listMessages', summary: 'A page of messages (keyset pagination on seq)', params: RoomParams, querystring: MessagePageQuery, response: { 200: MessagePage, ...problems(400, 401, 403, 404) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.page(caller(request).userId, request.params.roomId, request.query));

  r.get('/api/v1/rooms/:roomId/changes', {
    schema: { ...common, ...docs({
      description: 'Everything that happened in a room after sequence number `since`: messages created or changed (edits, deletions, reactions, reply counts) in their current state, oldest change first. Use it after a reconnect or when a WebSocket event skips a `seq`. When `hasMore` is true, ask again with `since=coveredSeq`.',
      responses: { 200: 'The changes' },
      links: { 200: { moreChanges: { operationId: 'listChanges', parameters: { roomId: '$request.path.roomId', since: '$response.body#/coveredSeq' }, description: 'The next batch, while hasMore is true' } } },
    }),
      operationId: 'listChanges', summary: 'Messages created or changed after a sequence number (gap fill and resume)', params: RoomParams, querystring: ChangesQuery, response: { 200: Changes, ...problems(400, 401, 403, 404) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.changes(caller(request).userId, request.params.roomId, request.query.since, request.query.limit ?? 500));

  r.post('/api/v1/rooms/:roomId/messages', {
    schema: { ...common, ...docs({
      description: 'Posts a message (members only; not in archived rooms). `clientKey` makes it idempotent: retrying with the same key returns the original message with 200 instead of posting twice, so a client may retry after a timeout. Subscribers receive `message.created`; replies (`parentId`) also update the parent (`message.updated`, reason `reply`). Attach files by their upload ids.',
      responses: { 200: 'Idempotent retry: the message posted earlier with this clientKey', 201: 'The message was committed' },
      rateLimit: 'send',
      links: { 201: {
        editMessage: { operationId: 'editMessage', parameters: { roomId: '$request.path.roomId', messageId: '$response.body#/id' }, description: 'Edit it' },
        addReaction: { operationId: 'addReaction', parameters: { roomId: '$request.path.roomId', messageId: '$response.body#/id' }, description: 'React to it' },
        thread: { operationId: 'listMessages', parameters: { roomId: '$request.path.roomId', parentId: '$response.body#/id' }, description: 'Its thread' },
      } },
    }),
      operationId: 'sendMessage', summary: 'Send a message (idempotent on clientKey)', params: RoomParams, body: SendMessageBody, response: { 200: Message, 201: Message, ...problems(400, 401, 403, 404, 409, 429) } },
    preHandler: [m.requireAuth, sendLimit],
  }, async (request, reply) => {
    const { message, created } = await m.messages.send(caller(request).userId, request.params.roomId, request.body);
    return reply.code(created ? 201 : 200).send(message);
  });

  r.patch('/api/v1/rooms/:roomId/messages/:messageId', {
    schema: { ...common, ...docs({ description: 'Replaces the body of your own message. Subscribers receive `message.updated` (reason `edited`).', responses: { 200: 'The edited message' } }),
      operationId: 'editMessage', summary: 'Edit your message', params: MessageParams, body: EditMessageBody, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.edit(caller(request).userId, request.params.roomId, request.params.messageId, request.body.body));

  r.delete('/api/v1/rooms/:roomId/messages/:messageId', {
    schema: { ...common, ...docs({ description: 'Deletes a message: yours, or any as room owner/admin. It stays in history as a tombstone (empty body, no reactions or attachments, `deletedAt` set). Subscribers receive `message.updated` (reason `deleted`).', responses: { 200: 'The tombstone' } }),
      operationId: 'deleteMessage', summary: 'Delete a message (leaves a tombstone)', params: MessageParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.remove(caller(request).userId, request.params.roomId, request.params.messageId));

  r.put('/api/v1/rooms/:roomId/messages/:messageId/reactions/:emoji', {
    schema: { ...common, ...docs({ description: 'Adds your reaction `emoji` (URL-encoded) to a message; adding it twice is a no-op. Subscribers receive `message.updated` (reason `reaction`).', responses: { 200: 'The message with its reactions' } }),
      operationId: 'addReaction', summary: 'React to a message', params: ReactionParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.react(caller(request).userId, request.params.roomId, request.params.messageId, request.params.emoji, true));

  r.delete('/api/v1/rooms/:roomId/messages/:messageId/reactions/:emoji', {
    schema: { ...common, ...docs({ description: 'Removes your reaction `emoji` (URL-encoded); removing a missing one is a no-op. Subscribers receive `message.updated` (reason `reaction`).', responses: { 200: 'The message with its reactions' } }),
      operationId: 'removeReaction', summary: 'Remove your reaction', params: ReactionParams, response: { 200: Message, ...problems(400, 401, 403, 404, 409) } },
    preHandler: m.requireAuth,
  }, async (request) => m.messages.react(caller(request).userId, request.params.roomId, request.params.messageId, request.params.emoji, false));
}
