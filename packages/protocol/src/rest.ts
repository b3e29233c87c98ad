import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';
import { EX, exampleBob, exampleMember, exampleMessage, exampleRoom, exampleUser } from './examples.js';
import { Attachment, ClientKey, Emoji, Member, Message, MessageBody, Room, RoomRole, Seq, User, Uuid } from './common.js';

const strict = { additionalProperties: false } as const;

export const Username = Type.String({
  minLength: LIMITS.usernameMin,
  maxLength: LIMITS.usernameMax,
  pattern: '^[A-Za-z0-9_.-]+$',
  description: 'Letters, digits, dot, dash and underscore',
});
export const Password = Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax });

export const RegisterBody = Type.Object(
  { username: Username, password: Password, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax, description: 'Shown instead of the username; defaults to it' })) },
  { ...strict, title: 'RegisterBody', examples: [{ username: 'alice', password: 'correct horse battery staple', displayName: 'Alice Example' }] },
);
export type RegisterBody = Static<typeof RegisterBody>;
export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64, description: 'Case-insensitive' }), password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }) },
  { ...strict, title: 'LoginBody', examples: [{ username: 'alice', password: 'correct horse battery staple' }] },
);
export type LoginBody = Static<typeof LoginBody>;
export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Omit when using the refresh cookie' })) },
  { ...strict, title: 'RefreshBody', examples: [{ refreshToken: EX.refreshToken }] },
);
export type RefreshBody = Static<typeof RefreshBody>;
export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }), newPassword: Password },
  { ...strict, title: 'ChangePasswordBody', examples: [{ currentPassword: 'correct horse battery staple', newPassword: 'tr0ub4dor and three more words' }] },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const AuthResult = Type.Object({
  user: User,
  accessToken: Type.String({ description: 'Bearer token for API clients; browsers use the cookie instead' }),
  refreshToken: Type.String({ description: 'Rotating refresh token; single use' }),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
}, { title: 'AuthResult', description: 'A new session: tokens for API clients (browsers get the same as HttpOnly cookies)', examples: [{ user: exampleUser, accessToken: EX.accessToken, refreshToken: EX.refreshToken, expiresIn: 900 }] });
export type AuthResult = Static<typeof AuthResult>;

export const Ticket = Type.Object({
  ticket: Type.String({ description: 'Single-use ticket for the WebSocket `auth` frame' }),
  expiresIn: Type.Integer({ description: 'Seconds until the ticket expires' }),
}, { title: 'Ticket', examples: [{ ticket: EX.ticket, expiresIn: 30 }] });
export type Ticket = Static<typeof Ticket>;

export const ServerConfig = Type.Object({
  version: Type.String(),
  environment: Type.String(),
  sentryDsn: Type.Union([Type.String(), Type.Null()]),
  limits: Type.Object({ messageBodyMax: Type.Integer({ description: 'Characters in a message body' }), uploadMaxBytes: Type.Integer({ description: 'Bytes in one upload' }) }),
}, {
  title: 'ServerConfig',
  description: 'Public configuration for clients',
  examples: [{ version: '0.1.0', environment: 'production', sentryDsn: null, limits: { messageBodyMax: 4000, uploadMaxBytes: 10485760 } }],
});
export type ServerConfig = Static<typeof ServerConfig>;

export const UserSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 64, description: 'Prefix of a username or display name (case-insensitive); omit to list users' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'At most this many users (default 20)' })),
  },
  strict,
);
export const UserList = Type.Object({ items: Type.Array(User) }, { title: 'UserList', examples: [{ items: [exampleUser, exampleBob] }] });

export const CreateRoomBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    name: Type.String({ minLength: 1, maxLength: LIMITS.roomNameMax }),
    topic: Type.Optional(Type.String({ maxLength: LIMITS.roomTopicMax })),
  },
  { ...strict, title: 'CreateRoomBody', examples: [{ kind: 'public', name: 'general', topic: 'Everything and nothing' }] },
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;
export const CreateDirectBody = Type.Object({ userId: Uuid }, { ...strict, title: 'CreateDirectBody', examples: [{ userId: EX.bobId }] });
export const UpdateRoomBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.roomNameMax })), topic: Type.Optional(Type.String({ maxLength: LIMITS.roomTopicMax })) },
  { ...strict, title: 'UpdateRoomBody', examples: [{ topic: 'Release planning' }] },
);
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;
export const RoomList = Type.Object({ items: Type.Array(Room) }, { title: 'RoomList', examples: [{ items: [exampleRoom] }] });
export const PublicRoomQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 80, description: 'Part of the room name (case-insensitive)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'At most this many rooms (default 50)' })),
  },
  strict,
);
export const RoomParams = Type.Object({ roomId: Uuid });
export const MemberParams = Type.Object({ roomId: Uuid, userId: Uuid });
export const MemberList = Type.Object({ items: Type.Array(Member) }, { title: 'MemberList', examples: [{ items: [exampleMember] }] });
export const InviteBody = Type.Object({ userId: Uuid }, { ...strict, title: 'InviteBody', examples: [{ userId: EX.bobId }] });
export const UpdateMemberBody = Type.Object({ role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, { ...strict, title: 'UpdateMemberBody', examples: [{ role: 'admin' }] });
export const ReadMarkerBody = Type.Object({ seq: Seq }, { ...strict, title: 'ReadMarkerBody', examples: [{ seq: 42 }] });
export const ReadMarker = Type.Object(
  { roomId: Uuid, lastReadSeq: Seq, unread: Type.Integer({ minimum: 0 }) },
  { title: 'ReadMarker', description: 'Your read position in a room', examples: [{ roomId: EX.roomId, lastReadSeq: 42, unread: 0 }] },
);

export const SendMessageBody = Type.Object(
  {
    body: MessageBody,
    clientKey: ClientKey,
    parentId: Type.Optional(Uuid),
    attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: LIMITS.attachmentsMax, description: 'Ids of files uploaded to this room (POST /rooms/{roomId}/uploads)' })),
  },
  { ...strict, title: 'SendMessageBody', examples: [{ body: 'Hello, **world**!', clientKey: EX.clientKey }] },
);
export type SendMessageBody = Static<typeof SendMessageBody>;
export const EditMessageBody = Type.Object({ body: MessageBody }, { ...strict, title: 'EditMessageBody', examples: [{ body: 'Hello, world! (edited)' }] });
export const MessageParams = Type.Object({ roomId: Uuid, messageId: Uuid });
export const ReactionParams = Type.Object({ roomId: Uuid, messageId: Uuid, emoji: Emoji });

/**
 * Keyset pagination on the per-room sequence number: `before` pages back into history,
 * `after` pages forward. Neither: the newest page. Items always come oldest first.
 */
export const MessagePageQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: messages with seq < before (pass the prevCursor of a page to page back into history)' })),
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: messages with seq > after (pass the nextCursor of a page to page forward)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.pageMax, description: `Page size (default ${LIMITS.pageDefault})` })),
    parentId: Type.Optional(Type.String({ format: 'uuid', description: 'Thread: only replies to this message' })),
  },
  strict,
);
export type MessagePageQuery = Static<typeof MessagePageQuery>;
export const MessagePage = Type.Object({
  items: Type.Array(Message),
  /** Pass as `before` to get the previous (older) page; null at the start of history. */
  prevCursor: Type.Union([Seq, Type.Null()]),
  /** Pass as `after` to get the next (newer) page; null when this page reaches the head. */
  nextCursor: Type.Union([Seq, Type.Null()]),
  headSeq: Seq,
}, {
  title: 'MessagePage',
  description: 'A page of messages, oldest first, with cursors for the neighbouring pages',
  examples: [{ items: [exampleMessage], prevCursor: 42, nextCursor: null, headSeq: 42 }],
});
export type MessagePage = Static<typeof MessagePage>;
export const ChangesQuery = Type.Object(
  {
    since: Type.Integer({ minimum: 0, description: 'The last sequence number you have seen (the seq of the last event applied)' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many messages (default 500)' })),
  },
  strict,
);
export const Changes = Type.Object({
  roomId: Uuid,
  /** Messages created or changed after `since`, oldest change first, in their current state. */
  items: Type.Array(Message),
  /** Everything up to this sequence number is covered by `items`. */
  coveredSeq: Seq,
  headSeq: Seq,
  /** True when more changes remain after coveredSeq: ask again with since=coveredSeq. */
  hasMore: Type.Boolean(),
}, {
  title: 'Changes',
  description: 'Messages created or changed after a sequence number, for gap filling and resume',
  examples: [{ roomId: EX.roomId, items: [exampleMessage], coveredSeq: 42, headSeq: 42, hasMore: false }],
});
export type Changes = Static<typeof Changes>;

export const UploadParams = Type.Object({ uploadId: Uuid });
export { Attachment as UploadResult };

export const HealthStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('fail'), Type.Literal('draining')]), { description: 'Per dependency: database, redis (when configured), lifecycle (while draining)' })),
}, { title: 'HealthStatus', examples: [{ status: 'ok', checks: { database: 'ok', redis: 'ok' } }] });

export { RoomRole };
