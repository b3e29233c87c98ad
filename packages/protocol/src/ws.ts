import { Type, type Static, type TSchema } from 'typebox';
import { LIMITS } from './limits.js';
import { ClientKey, Emoji, Message, MessageBody, Room, Seq, User, Uuid } from './common.js';

/*
 * The WebSocket protocol at /ws (version PROTOCOL_VERSION). Every frame is one JSON object
 * with a `type`. Client frames may carry an `id`; the server answers each such frame with
 * exactly one `ack` (success) or `error` (failure) carrying the same id.
 */

const strict = { additionalProperties: false } as const;
const RequestId = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Echoed in the ack or error' }));

function clientFrame<K extends string, T extends Record<string, TSchema>>(type: K, props: T, description: string) {
  return Type.Object({ type: Type.Literal(type), id: RequestId, ...props }, { ...strict, description });
}

// ---- client → server -------------------------------------------------------
export const AuthFrame = clientFrame('auth', { ticket: Type.String({ minLength: 16, maxLength: 128 }) }, 'Authenticate with a ticket from POST /api/v1/realtime/ticket (not needed when the upgrade carried the session cookie)');
export const SubscribeFrame = clientFrame(
  'subscribe',
  {
    rooms: Type.Array(
      Type.Object({ roomId: Uuid, lastSeq: Type.Optional(Seq) }, strict),
      { minItems: 1, maxItems: LIMITS.subscribeMax },
    ),
  },
  'Receive events of these rooms; with lastSeq, first receive a `sync` with everything after it',
);
export const UnsubscribeFrame = clientFrame('unsubscribe', { roomIds: Type.Array(Uuid, { minItems: 1, maxItems: LIMITS.subscribeMax }) }, 'Stop receiving events of these rooms');
export const SendFrame = clientFrame(
  'message.send',
  { roomId: Uuid, clientKey: ClientKey, body: MessageBody, parentId: Type.Optional(Uuid), attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: LIMITS.attachmentsMax })) },
  'Send a message; acknowledged with the committed message',
);
export const EditFrame = clientFrame('message.edit', { roomId: Uuid, messageId: Uuid, body: MessageBody }, 'Edit one of your messages');
export const DeleteFrame = clientFrame('message.delete', { roomId: Uuid, messageId: Uuid }, 'Delete a message (yours, or any as room owner/admin)');
export const ReactFrame = clientFrame('reaction.add', { roomId: Uuid, messageId: Uuid, emoji: Emoji }, 'Add a reaction');
export const UnreactFrame = clientFrame('reaction.remove', { roomId: Uuid, messageId: Uuid, emoji: Emoji }, 'Remove your reaction');
export const TypingFrame = clientFrame('typing', { roomId: Uuid }, 'You are typing in the room (send at most every 2 s)');
export const ReadFrame = clientFrame('read', { roomId: Uuid, seq: Seq }, 'Move your read marker');
export const PingFrame = clientFrame('ping', {}, 'Application-level ping; answered with pong');

export const ClientFrames = {
  auth: AuthFrame,
  subscribe: SubscribeFrame,
  unsubscribe: UnsubscribeFrame,
  'message.send': SendFrame,
  'message.edit': EditFrame,
  'message.delete': DeleteFrame,
  'reaction.add': ReactFrame,
  'reaction.remove': UnreactFrame,
  typing: TypingFrame,
  read: ReadFrame,
  ping: PingFrame,
} as const;
export const ClientFrame = Type.Union([AuthFrame, SubscribeFrame, UnsubscribeFrame, SendFrame, EditFrame, DeleteFrame, ReactFrame, UnreactFrame, TypingFrame, ReadFrame, PingFrame]);
export type ClientFrame = Static<typeof ClientFrame>;
export type ClientFrameType = keyof typeof ClientFrames;

// ---- server → client -------------------------------------------------------
function serverFrame<K extends string, T extends Record<string, TSchema>>(type: K, props: T, description: string) {
  return Type.Object({ type: Type.Literal(type), ...props }, { description });
}

export const HelloFrame = serverFrame(
  'hello',
  {
    v: Type.Integer(),
    connectionId: Type.String(),
    heartbeatMs: Type.Integer({ description: 'The server pings at this interval; a peer that misses two is dropped' }),
    authenticated: Type.Boolean(),
  },
  'First frame after the upgrade',
);
export const ReadyFrame = serverFrame('ready', { user: User }, 'Authentication succeeded');
export const AckFrame = serverFrame(
  'ack',
  { id: Type.String(), result: Type.Optional(Type.Unknown({ description: 'For message.send/edit/delete and reactions: the message; for subscribe: the rooms subscribed' })) },
  'A client frame with an id succeeded (for sends: the message is committed)',
);
export const ErrorFrame = serverFrame(
  'error',
  {
    id: Type.Optional(Type.String()),
    code: Type.String({ description: 'Same codes as the problem details of the REST API' }),
    message: Type.String(),
    status: Type.Integer({ description: 'The HTTP status the same failure would have' }),
    retryAfterMs: Type.Optional(Type.Integer()),
  },
  'A client frame failed, or the connection has a problem',
);
export const SyncFrame = serverFrame(
  'sync',
  {
    roomId: Uuid,
    items: Type.Array(Message),
    coveredSeq: Seq,
    headSeq: Seq,
    hasMore: Type.Boolean({ description: 'More changes remain: fetch GET /rooms/{roomId}/changes?since=coveredSeq' }),
  },
  'Everything in the room after the lastSeq given in subscribe (messages in their current state)',
);
export const SubscribedFrame = serverFrame('subscribed', { rooms: Type.Array(Type.Object({ roomId: Uuid, headSeq: Seq })) }, 'Subscriptions now active');
export const MessageCreatedFrame = serverFrame('message.created', { roomId: Uuid, seq: Seq, message: Message }, 'A message was committed');
export const MessageUpdatedFrame = serverFrame(
  'message.updated',
  { roomId: Uuid, seq: Seq, reason: Type.Union([Type.Literal('edited'), Type.Literal('deleted'), Type.Literal('reaction'), Type.Literal('reply')]), message: Message },
  'A message changed (edit, delete tombstone, reactions, reply count); `message` is its new state',
);
export const TypingEventFrame = serverFrame('typing', { roomId: Uuid, user: User }, 'Someone is typing (lasts ~5 s unless repeated)');
export const PresenceFrame = serverFrame('presence', { userId: Uuid, status: Type.Union([Type.Literal('online'), Type.Literal('offline')]) }, 'A user in one of your rooms came online or went offline');
export const ReadEventFrame = serverFrame('read', { roomId: Uuid, userId: Uuid, seq: Seq }, 'A member moved their read marker');
export const MemberEventFrame = serverFrame(
  'member',
  { roomId: Uuid, user: User, action: Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('removed'), Type.Literal('role')]), role: Type.Union([Type.String(), Type.Null()]) },
  'Room membership changed',
);
export const RoomEventFrame = serverFrame(
  'room',
  { action: Type.Union([Type.Literal('added'), Type.Literal('updated'), Type.Literal('removed')]), room: Room },
  'A room you belong to was created, changed, or you lost access to it',
);
export const PongFrame = serverFrame('pong', { id: Type.Optional(Type.String()) }, 'Answer to ping');
export const ReconnectFrame = serverFrame('reconnect', { retryAfterMs: Type.Integer() }, 'The server is draining; the connection will close with 1012');

export const ServerFrames = {
  hello: HelloFrame,
  ready: ReadyFrame,
  ack: AckFrame,
  error: ErrorFrame,
  sync: SyncFrame,
  subscribed: SubscribedFrame,
  'message.created': MessageCreatedFrame,
  'message.updated': MessageUpdatedFrame,
  typing: TypingEventFrame,
  presence: PresenceFrame,
  read: ReadEventFrame,
  member: MemberEventFrame,
  room: RoomEventFrame,
  pong: PongFrame,
  reconnect: ReconnectFrame,
} as const;
export const ServerFrame = Type.Union([
  HelloFrame, ReadyFrame, AckFrame, ErrorFrame, SyncFrame, SubscribedFrame, MessageCreatedFrame, MessageUpdatedFrame,
  TypingEventFrame, PresenceFrame, ReadEventFrame, MemberEventFrame, RoomEventFrame, PongFrame, ReconnectFrame,
]);
export type ServerFrame = Static<typeof ServerFrame>;
export type ServerFrameType = keyof typeof ServerFrames;
export type ServerFrameOf<T extends ServerFrameType> = Static<(typeof ServerFrames)[T]>;
export type ClientFrameOf<T extends ClientFrameType> = Static<(typeof ClientFrames)[T]>;

export { MessageBody };
