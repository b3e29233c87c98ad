import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CreateDirectBody, CreateRoomBody, InviteBody, Member, MemberList, MemberParams, PublicRoomQuery, ReadMarker, ReadMarkerBody,
  Room, RoomList, RoomParams, UpdateMemberBody, UpdateRoomBody,
} from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { caller } from '../http/auth.js';
import { bearerOrCookie, problems } from '../http/schema.js';

export async function roomRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['rooms'], security: bearerOrCookie };
  const pre = { preHandler: m.requireAuth };

  r.get('/api/v1/rooms', { schema: { ...common, operationId: 'listMyRooms', summary: 'Rooms you are a member of, with unread counts', response: { 200: RoomList, ...problems(401) } }, ...pre },
    async (request) => ({ items: await m.rooms.mine(caller(request).userId) }));

  r.get('/api/v1/rooms/public', { schema: { ...common, operationId: 'listPublicRooms', summary: 'Public channels you can join', querystring: PublicRoomQuery, response: { 200: RoomList, ...problems(400, 401) } }, ...pre },
    async (request) => ({ items: await m.rooms.publicRooms(caller(request).userId, request.query.q, request.query.limit ?? 50) }));

  r.post('/api/v1/rooms', { schema: { ...common, operationId: 'createRoom', summary: 'Create a public or private channel (you become its owner)', body: CreateRoomBody, response: { 201: Room, ...problems(400, 401, 403) } }, ...pre },
    async (request, reply) => reply.code(201).send(await m.rooms.create(caller(request).userId, request.body)));

  r.post('/api/v1/rooms/direct', { schema: { ...common, operationId: 'openDirectRoom', summary: 'Open (or create) the direct-message room with a user', body: CreateDirectBody, response: { 200: Room, 201: Room, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      const { room, created } = await m.rooms.direct(caller(request).userId, request.body.userId);
      return reply.code(created ? 201 : 200).send(room);
    });

  r.get('/api/v1/rooms/:roomId', { schema: { ...common, operationId: 'getRoom', summary: 'One room', params: RoomParams, response: { 200: Room, ...problems(400, 401, 404) } }, ...pre },
    async (request) => m.rooms.view(request.params.roomId, caller(request).userId));

  r.patch('/api/v1/rooms/:roomId', { schema: { ...common, operationId: 'updateRoom', summary: 'Rename a room or change its topic (owner/admin)', params: RoomParams, body: UpdateRoomBody, response: { 200: Room, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request) => m.rooms.update(request.params.roomId, caller(request).userId, request.body));

  r.post('/api/v1/rooms/:roomId/archive', { schema: { ...common, operationId: 'archiveRoom', summary: 'Archive a room: read-only from now on (owner/admin)', params: RoomParams, response: { 200: Room, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.archive(request.params.roomId, caller(request).userId));

  r.post('/api/v1/rooms/:roomId/join', { schema: { ...common, operationId: 'joinRoom', summary: 'Join a public channel', params: RoomParams, response: { 200: Room, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request) => m.rooms.join(request.params.roomId, caller(request).userId));

  r.post('/api/v1/rooms/:roomId/leave', { schema: { ...common, operationId: 'leaveRoom', summary: 'Leave a room', params: RoomParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      await m.rooms.leave(request.params.roomId, caller(request).userId);
      return reply.code(204).send(null);
    });

  r.get('/api/v1/rooms/:roomId/members', { schema: { ...common, operationId: 'listMembers', summary: 'Members of a room with roles and presence', params: RoomParams, response: { 200: MemberList, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => ({ items: await m.rooms.members(request.params.roomId, caller(request).userId) }));

  r.post('/api/v1/rooms/:roomId/members', { schema: { ...common, operationId: 'inviteMember', summary: 'Add a user to the room', params: RoomParams, body: InviteBody, response: { 201: Member, ...problems(400, 401, 403, 404, 409) } }, ...pre },
    async (request, reply) => reply.code(201).send(await m.rooms.invite(request.params.roomId, caller(request).userId, request.body.userId)));

  r.patch('/api/v1/rooms/:roomId/members/:userId', { schema: { ...common, operationId: 'updateMember', summary: "Change a member's role (owner only)", params: MemberParams, body: UpdateMemberBody, response: { 200: Member, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.setRole(request.params.roomId, caller(request).userId, request.params.userId, request.body.role));

  r.delete('/api/v1/rooms/:roomId/members/:userId', { schema: { ...common, operationId: 'removeMember', summary: 'Remove a member (owner/admin), or leave when it is you', params: MemberParams, response: { 204: Type.Null(), ...problems(400, 401, 403, 404) } }, ...pre },
    async (request, reply) => {
      await m.rooms.kick(request.params.roomId, caller(request).userId, request.params.userId);
      return reply.code(204).send(null);
    });

  r.put('/api/v1/rooms/:roomId/read', { schema: { ...common, operationId: 'markRead', summary: 'Move your read marker forward', params: RoomParams, body: ReadMarkerBody, response: { 200: ReadMarker, ...problems(400, 401, 403, 404) } }, ...pre },
    async (request) => m.rooms.markRead(request.params.roomId, caller(request).userId, request.body.seq));
}
