import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';
import { EX, exampleAttachment, exampleMember, exampleMessage, exampleRoom, exampleUser } from './examples.js';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp (UTC)' });
/** Per-room sequence number: every committed room event gets the next one. */
export const Seq = Type.Integer({ minimum: 0, description: 'Per-room sequence number' });

/** RFC 9457 problem details; `type` is a URI from docs/api/errors.md. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI identifying the problem type' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'Validation errors, one per offending field',
      }),
    ),
    retryAfter: Type.Optional(Type.Integer({ description: 'Seconds to wait before retrying' })),
  },
  {
    title: 'Problem',
    description: 'RFC 9457 problem details (media type application/problem+json). `type` is a stable URI from the error catalogue (docs/api/errors.md); `code` is its last path segment.',
    examples: [{ type: 'https://parley.chat/problems/not-found', title: 'Not found', status: 404, code: 'not-found', detail: 'No such room', instance: `/api/v1/rooms/${EX.roomId}` }],
  },
);
export type Problem = Static<typeof Problem>;

export const RoomKind = Type.Union([Type.Literal('public'), Type.Literal('private'), Type.Literal('dm')], {
  title: 'RoomKind',
  description: 'public: anyone may find and join; private: invitation only; dm: direct messages between users',
});
export type RoomKind = Static<typeof RoomKind>;
export const RoomRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')], {
  title: 'RoomRole',
  description: 'owner: everything; admin: moderate, rename, invite, remove members; member: read and post',
});
export type RoomRole = Static<typeof RoomRole>;

export const User = Type.Object({
  id: Uuid,
  username: Type.String(),
  displayName: Type.String(),
  createdAt: Timestamp,
}, { title: 'User', description: 'A public user profile', examples: [exampleUser] });
export type User = Static<typeof User>;

export const Room = Type.Object({
  id: Uuid,
  kind: RoomKind,
  name: Type.String(),
  topic: Type.String(),
  createdAt: Timestamp,
  archived: Type.Boolean(),
  headSeq: Seq,
  memberCount: Type.Integer({ minimum: 0 }),
  /** The caller's role, or null when the caller is not a member (public room preview). */
  role: Type.Union([RoomRole, Type.Null()]),
  /** The caller's read marker (null when not a member). */
  lastReadSeq: Type.Union([Seq, Type.Null()]),
  /** Unread messages for the caller (0 when not a member). */
  unread: Type.Integer({ minimum: 0 }),
  /** For direct messages: the other participants. */
  peers: Type.Optional(Type.Array(User, { description: 'For direct messages: the other participants' })),
}, { title: 'Room', description: 'A channel or direct-message room as seen by the caller', examples: [exampleRoom] });
export type Room = Static<typeof Room>;

export const Member = Type.Object({
  user: User,
  role: RoomRole,
  joinedAt: Timestamp,
  lastReadSeq: Seq,
  /** Connected on any replica right now. */
  online: Type.Boolean({ description: 'Connected on any replica right now' }),
}, { title: 'Member', description: 'A room member', examples: [exampleMember] });
export type Member = Static<typeof Member>;

export const Attachment = Type.Object({
  id: Uuid,
  roomId: Uuid,
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  url: Type.String({ description: 'Relative download URL (needs the same authentication)' }),
  createdAt: Timestamp,
}, { title: 'Attachment', description: 'An uploaded file; attach it to a message with attachmentIds', examples: [exampleAttachment] });
export type Attachment = Static<typeof Attachment>;

export const ReactionSummary = Type.Object({
  emoji: Type.String(),
  count: Type.Integer({ minimum: 1 }),
  userIds: Type.Array(Uuid),
}, { title: 'ReactionSummary', description: 'One emoji on a message and who reacted with it' });
export type ReactionSummary = Static<typeof ReactionSummary>;

export const Message = Type.Object({
  id: Uuid,
  roomId: Uuid,
  seq: Seq,
  /** Sequence number of the latest change (edit, delete, reaction); equals seq until changed. */
  versionSeq: Seq,
  author: User,
  /** Empty string once deleted. */
  body: Type.String(),
  parentId: Type.Union([Uuid, Type.Null()]),
  replyCount: Type.Integer({ minimum: 0 }),
  reactions: Type.Array(ReactionSummary),
  attachments: Type.Array(Attachment),
  clientKey: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  editedAt: Type.Union([Timestamp, Type.Null()]),
  deletedAt: Type.Union([Timestamp, Type.Null()]),
}, { title: 'Message', description: 'A message in its current state (a deleted message is a tombstone with an empty body)', examples: [exampleMessage] });
export type Message = Static<typeof Message>;

export const ClientKey = Type.String({
  minLength: 8,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'Client-generated idempotency key (e.g. a UUID); a retried send with the same key returns the original message',
});
export const MessageBody = Type.String({ minLength: 1, maxLength: LIMITS.messageBodyMax });
export const Emoji = Type.String({ minLength: 1, maxLength: LIMITS.emojiMax });
