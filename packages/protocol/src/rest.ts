import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';
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
  { username: Username, password: Password, displayName: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax })) },
  strict,
);
export type RegisterBody = Static<typeof RegisterBody>;
export const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }) }, strict);
export type LoginBody = Static<typeof LoginBody>;
export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Omit when using the refresh cookie' })) },
  strict,
);
export type RefreshBody = Static<typeof RefreshBody>;
export const ChangePasswordBody = Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }), newPassword: Password }, strict);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const AuthResult = Type.Object({
  user: User,
  accessToken: Type.String({ description: 'Bearer token for API clients; browsers use the cookie instead' }),
  refreshToken: Type.String({ description: 'Rotating refresh token; single use' }),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
});
export type AuthResult = Static<typeof AuthResult>;

export const Ticket = Type.Object({
  ticket: Type.String({ description: 'Single-use ticket for the WebSocket `auth` frame' }),
  expiresIn: Type.Integer(),
});
export type Ticket = Static<typeof Ticket>;

export const ServerConfig = Type.Object({
  version: Type.String(),
  environment: Type.String(),
  sentryDsn: Type.Union([Type.String(), Type.Null()]),
  limits: Type.Object({ messageBodyMax: Type.Integer(), uploadMaxBytes: Type.Integer() }),
});
export type ServerConfig = Static<typeof ServerConfig>;

export const UserSearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }, strict);
export const UserList = Type.Object({ items: Type.Array(User) });

export const CreateRoomBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    name: Type.String({ minLength: 1, maxLength: LIMITS.roomNameMax }),
    topic: Type.Optional(Type.String({ maxLength: LIMITS.roomTopicMax })),
  },
  strict,
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;
export const CreateDirectBody = Type.Object({ userId: Uuid }, strict);
export const UpdateRoomBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.roomNameMax })), topic: Type.Optional(Type.String({ maxLength: LIMITS.roomTopicMax })) },
  strict,
);
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;
export const RoomList = Type.Object({ items: Type.Array(Room) });
export const PublicRoomQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 80 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, strict);
export const RoomParams = Type.Object({ roomId: Uuid });
export const MemberParams = Type.Object({ roomId: Uuid, userId: Uuid });
export const MemberList = Type.Object({ items: Type.Array(Member) });
export const InviteBody = Type.Object({ userId: Uuid }, strict);
export const UpdateMemberBody = Type.Object({ role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, strict);
export const ReadMarkerBody = Type.Object({ seq: Seq }, strict);
export const ReadMarker = Type.Object({ roomId: Uuid, lastReadSeq: Seq, unread: Type.Integer({ minimum: 0 }) });

export const SendMessageBody = Type.Object(
  {
    body: MessageBody,
    clientKey: ClientKey,
    parentId: Type.Optional(Uuid),
    attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: LIMITS.attachmentsMax })),
  },
  strict,
);
export type SendMessageBody = Static<typeof SendMessageBody>;
export const EditMessageBody = Type.Object({ body: MessageBody }, strict);
export const MessageParams = Type.Object({ roomId: Uuid, messageId: Uuid });
export const ReactionParams = Type.Object({ roomId: Uuid, messageId: Uuid, emoji: Emoji });

/**
 * Keyset pagination on the per-room sequence number: `before` pages back into history,
 * `after` pages forward. Neither: the newest page. Items always come oldest first.
 */
export const MessagePageQuery = Type.Object(
  {
    before: Type.Optional(Seq),
    after: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.pageMax })),
    parentId: Type.Optional(Uuid),
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
});
export type MessagePage = Static<typeof MessagePage>;
export const ChangesQuery = Type.Object({ since: Seq, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, strict);
export const Changes = Type.Object({
  roomId: Uuid,
  /** Messages created or changed after `since`, oldest change first, in their current state. */
  items: Type.Array(Message),
  /** Everything up to this sequence number is covered by `items`. */
  coveredSeq: Seq,
  headSeq: Seq,
  /** True when more changes remain after coveredSeq: ask again with since=coveredSeq. */
  hasMore: Type.Boolean(),
});
export type Changes = Static<typeof Changes>;

export const UploadParams = Type.Object({ uploadId: Uuid });
export { Attachment as UploadResult };

export const HealthStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('fail'), Type.Literal('draining')]))),
});

export { RoomRole };
