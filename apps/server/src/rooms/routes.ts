import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CreateDirectBody, CreateRoomBody, InviteBody, Member, MemberList, MemberParams, PublicRoomQuery, ReadMarker, ReadMarkerBody,
  Room, RoomList, RoomParams, UpdateMemberBody, UpdateRoomBody,
} from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { caller } from '../http/auth.js';
import { bearerOrCookie, docs, problems } from '../http/schema.js';

export async function roomRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['rooms'], security: bearerOrCookie };
  const pre = { preHandler: m.requireAuth };

  r.get('/api/v1/rooms', { schema: { ...common, ...docs({ description: 'Every room you are a member of (channels and direct messages), with your role, read marker and unread count. Not paginated (membership is bounded).', responses: { 200: 'Your rooms' } }),
      operationId: 'listMyRooms', summary: 'Rooms you are a member of, with unread counts', response: { 200: RoomList, ...problems(401) } }, ...pre },
    async (request) => ({ items: await m.rooms.mine(caller(request).userId) }));

  r.get('/api/v1/rooms/public', { schema: { ...common, ...docs({ description: 'Public channels you may join, optionally filtered by name. At most `limit` results; refine `q` rather than paging.', responses: { 200: 'Public channels' } }),
      operationId: 'listPublicRooms', summary: 'Public channels you can join', querystring: PublicRoomQuery, response: { 200: RoomList, ...problems(400, 401) } }, ...pre },
    async (request) => ({ items: await m.rooms.publicRooms(caller(request).userId, request.query.q, request.query.limit ?? 50) }));

  r.post('/api/v1/rooms', { schema: { ...common, ...docs({
      description: 'Creates a public or private channel; you become its owner. Your WebSocket connections receive a `room` event (`added`).',
      responses: { 201: 'The new room' },
      links: { 201: {
        getRoom: { operationId: 'getRoom', parameters: { roomId: '$response.body#/id' }, description: 'The room' },
        sendMessage: { operationId: 'sendMessage', parameters: { roomId: '$response.body#/id' }, description: 'Post to the room' },
        inviteMember: { operationId: 'inviteMember', parameters: { roomId: '$response.body#/id' }, description: 'Invite someone' },
      } },
    }),
      operationId: 'createRoom', summary: 'Create a public or private channel (you become its owner)', body: CreateRoomBody, response: { 201: Room, ...problems(400, 401, 403) } }, ...pre },
    async (request, reply) => reply.code(201).send(await m.rooms.create(caller(request).userId, request.body)));

  r.post('/api/v1/rooms/direct', { schema: { ...common, ...docs({
      description: 'Returns the direct-message room between you and `userId`, creating it on first use (201); calling it again returns the same room (200).',
      responses: { 200: 'The existing direct-message room', 201: 'The direct-message room was created' },
      links: { 200: { listMessages: { operationId: 'listMessages', parameters: { roomId: '$response.body#/id' }, description: 'Its history' } }, 201: { sendMessage: { operationId: 'sendMessage', parameters: { roomId: '$response.body#/id' }, description: 'Say hello' } } },
    }),
      operationId: 'openDirectRoom', summary: 'Open (or create) the direct-message room with a user', body: CreateDirectBody, response: { 200: Room, 201: Room, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      const { room, created } = await m.rooms.direct(caller(request).userId, request.body.userId);
      return reply.code(created ? 201 : 200).send(room);
    });

  r.get('/api/v1/rooms/:roomId', { schema: { ...common, ...docs({ description: 'One room. Members see their role, read marker and unread count; anyone may preview a public channel (role null).', responses: { 200: 'The room' } }),
      operationId: 'getRoom', summary: 'One room', params: RoomParams, response: { 200: Room, ...problems(400, 401, 404) } }, ...pre },
    async (request) => m.rooms.view(request.params.roomId, caller(request).userId));

  r.patch('/api/v1/rooms/:roomId', { schema: { ...common, ...docs({ description: 'Renames a room or changes its topic (owner or admin; not for direct messages or archived rooms). Members receive a `room` event (`updated`).', responses: { 200: 'The updated room' } }),
      operationId: 'updateRoom', summary: 'Rename a room or change its topic (owner/admin)', params: RoomParams, body: UpdateRoomBody, response: { 200: Room, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request) => m.rooms.update(request.params.roomId, caller(request).userId, request.body));

  r.post('/api/v1/rooms/:roomId/archive', { schema: { ...common, ...docs({ description: 'Archives a room: its history stays readable but nothing can be posted, edited or reacted to any more (409 `room-archived`). Owner or admin.', responses: { 200: 'The archived room' } }),
      operationId: 'archiveRoom', summary: 'Archive a room: read-only from now on (owner/admin)', params: RoomParams, response: { 200: Room, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.archive(request.params.roomId, caller(request).userId));

  r.post('/api/v1/rooms/:roomId/join', { schema: { ...common, ...docs({
      description: 'Joins a public channel (private channels need an invitation: 403). Members receive a `member` event (`joined`).',
      responses: { 200: 'The room, now with your role' },
      links: { 200: { listMessages: { operationId: 'listMessages', parameters: { roomId: '$response.body#/id' }, description: 'Read its history' } } },
    }),
      operationId: 'joinRoom', summary: 'Join a public channel', params: RoomParams, response: { 200: Room, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request) => m.rooms.join(request.params.roomId, caller(request).userId));

  r.post('/api/v1/rooms/:roomId/leave', { schema: { ...common, ...docs({ description: 'Leaves a room. When the owner leaves, the longest-standing remaining member becomes owner (`member` event `role`). Members receive a `member` event (`left`); your connections a `room` event (`removed`).', responses: { 204: 'You left the room' } }),
      operationId: 'leaveRoom', summary: 'Leave a room', params: RoomParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      await m.rooms.leave(request.params.roomId, caller(request).userId);
      return reply.code(204).send(null);
    });

  r.get('/api/v1/rooms/:roomId/members', { schema: { ...common, ...docs({ description: 'Every member of a room with role, read marker and whether they are online now. Members only. Not paginated.', responses: { 200: 'The members' } }),
      operationId: 'listMembers', summary: 'Members of a room with roles and presence', params: RoomParams, response: { 200: MemberList, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => ({ items: await m.rooms.members(request.params.roomId, caller(request).userId) }));

  r.post('/api/v1/rooms/:roomId/members', { schema: { ...common, ...docs({ description: 'Adds a user to a room (owner or admin). The user receives a `room` event (`added`); members a `member` event (`joined`).', responses: { 201: 'The new member' } }),
      operationId: 'inviteMember', summary: 'Add a user to the room', params: RoomParams, body: InviteBody, response: { 201: Member, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request, reply) => reply.code(201).send(await m.rooms.invite(request.params.roomId, caller(request).userId, request.body.userId)));

  r.patch('/api/v1/rooms/:roomId/members/:userId', { schema: { ...common, ...docs({ description: 'Makes a member an admin or a plain member (owner only). Members receive a `member` event (`role`).', responses: { 200: 'The member with the new role' } }),
      operationId: 'updateMember', summary: "Change a member's role (owner only)", params: MemberParams, body: UpdateMemberBody, response: { 200: Member, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.setRole(request.params.roomId, caller(request).userId, request.params.userId, request.body.role));

  r.delete('/api/v1/rooms/:roomId/members/:userId', { schema: { ...common, ...docs({ description: 'Removes a member (owner or admin), or leaves when `userId` is you. The removed user loses access at once (WebSocket `room` event `removed`).', responses: { 204: 'The member was removed' } }),
      operationId: 'removeMember', summary: 'Remove a member (owner/admin), or leave when it is you', params: MemberParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      await m.rooms.kick(request.params.roomId, caller(request).userId, request.params.userId);
      return reply.code(204).send(null);
    });

  r.put('/api/v1/rooms/:roomId/read', { schema: { ...common, ...docs({ description: 'Moves your read marker forward to `seq` (markers never move back). The room receives a `read` event.', responses: { 200: 'Your read marker and unread count' } }),
      operationId: 'markRead', summary: 'Move your read marker forward', params: RoomParams, body: ReadMarkerBody, response: { 200: ReadMarker, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.markRead(request.params.roomId, caller(request).userId, request.body.seq));
}
