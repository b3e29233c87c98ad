import { Type, type Static, type TSchema } from 'typebox';
import { LIMITS } from './limits.js';
import { EX, exampleMessage, exampleRoom, exampleUser } from './examples.js';
import { ClientKey, Emoji, Message, MessageBody, Room, Seq, User, Uuid } from './common.js';

/*
 * The WebSocket protocol at /ws (version PROTOCOL_VERSION). Every frame is one JSON object
 * with a `type`. Client frames may carry an `id`; the server answers each such frame with
 * exactly one `ack` (success) or `error` (failure) carrying the same id.
 */

const strict = { additionalProperties: false } as const;
const RequestId = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Echoed in the ack or error' }));

function clientFrame<K extends string, T extends Record<string, TSchema>>(type: K, props: T, description: string, title: string, example: Record<string, unknown>) {
  return Type.Object({ type: Type.Literal(type), id: RequestId, ...props }, { ...strict, title, description, examples: [{ type, ...example }] });
}

// ---- client → server -------------------------------------------------------
export const AuthFrame = clientFrame('auth', { ticket: Type.String({ minLength: 16, maxLength: 128 }) }, 'Authenticate with a ticket from POST /api/v1/realtime/ticket (not needed when the upgrade carried the session cookie)', 'AuthFrame', { id: 'a1', ticket: EX.ticket });
export const SubscribeFrame = clientFrame(
  'subscribe',
  {
    rooms: Type.Array(
      Type.Object({ roomId: Uuid, lastSeq: Type.Optional(Seq) }, strict),
      { minItems: 1, maxItems: LIMITS.subscribeMax },
    ),
  },
  'Receive events of these rooms; with lastSeq, first receive a `sync` with everything after it',
  'SubscribeFrame',
  { id: 's1', rooms: [{ roomId: EX.roomId, lastSeq: 40 }] },
);
export const UnsubscribeFrame = clientFrame('unsubscribe', { roomIds: Type.Array(Uuid, { minItems: 1, maxItems: LIMITS.subscribeMax }) }, 'Stop receiving events of these rooms', 'UnsubscribeFrame', { id: 'u1', roomIds: [EX.roomId] });
export const SendFrame = clientFrame(
  'message.send',
  { roomId: Uuid, clientKey: ClientKey, body: MessageBody, parentId: Type.Optional(Uuid), attachmentIds: Type.Optional(Type.Array(Uuid, { maxItems: LIMITS.attachmentsMax })) },
  'Send a message; acknowledged with the committed message',
  'SendFrame',
  { id: 'm1', roomId: EX.roomId, clientKey: EX.clientKey, body: 'Hello, **world**!' },
);
export const EditFrame = clientFrame('message.edit', { roomId: Uuid, messageId: Uuid, body: MessageBody }, 'Edit one of your messages', 'EditFrame', { id: 'e1', roomId: EX.roomId, messageId: EX.messageId, body: 'Hello, world! (edited)' });
export const DeleteFrame = clientFrame('message.delete', { roomId: Uuid, messageId: Uuid }, 'Delete a message (yours, or any as room owner/admin)', 'DeleteFrame', { id: 'd1', roomId: EX.roomId, messageId: EX.messageId });
export const ReactFrame = clientFrame('reaction.add', { roomId: Uuid, messageId: Uuid, emoji: Emoji }, 'Add a reaction', 'ReactFrame', { id: 'r1', roomId: EX.roomId, messageId: EX.messageId, emoji: '🎉' });
export const UnreactFrame = clientFrame('reaction.remove', { roomId: Uuid, messageId: Uuid, emoji: Emoji }, 'Remove your reaction', 'UnreactFrame', { id: 'r2', roomId: EX.roomId, messageId: EX.messageId, emoji: '🎉' });
export const TypingFrame = clientFrame('typing', { roomId: Uuid }, 'You are typing in the room (send at most every 2 s)', 'TypingFrame', { roomId: EX.roomId });
export const ReadFrame = clientFrame('read', { roomId: Uuid, seq: Seq }, 'Move your read marker', 'ReadFrame', { id: 'rd1', roomId: EX.roomId, seq: 42 });
export const PingFrame = clientFrame('ping', {}, 'Application-level ping; answered with pong', 'PingFrame', { id: 'p1' });

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
function serverFrame<K extends string, T extends Record<string, TSchema>>(type: K, props: T, description: string, title: string, example: Record<string, unknown>) {
  return Type.Object({ type: Type.Literal(type), ...props }, { title, description, examples: [{ type, ...example }] });
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
  'HelloFrame',
  { v: 1, connectionId: '7d1f7a52-3c1e-4f0b-a3a9-2f9f4a6f3b11', heartbeatMs: 30000, authenticated: false },
);
export const ReadyFrame = serverFrame('ready', { user: User }, 'Authentication succeeded', 'ReadyFrame', { user: exampleUser });
export const AckFrame = serverFrame(
  'ack',
  { id: Type.String(), result: Type.Optional(Type.Unknown({ description: 'For message.send/edit/delete and reactions: the message; for subscribe: the rooms subscribed' })) },
  'A client frame with an id succeeded (for sends: the message is committed)',
  'AckFrame',
  { id: 'm1', result: { message: exampleMessage } },
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
  'ErrorFrame',
  { id: 'm1', code: 'rate-limited', message: 'You are sending too fast', status: 429, retryAfterMs: 2000 },
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
  'SyncFrame',
  { roomId: EX.roomId, items: [exampleMessage], coveredSeq: 42, headSeq: 42, hasMore: false },
);
export const SubscribedFrame = serverFrame('subscribed', { rooms: Type.Array(Type.Object({ roomId: Uuid, headSeq: Seq })) }, 'Subscriptions now active', 'SubscribedFrame', { rooms: [{ roomId: EX.roomId, headSeq: 42 }] });
export const MessageCreatedFrame = serverFrame('message.created', { roomId: Uuid, seq: Seq, message: Message }, 'A message was committed', 'MessageCreatedFrame', { roomId: EX.roomId, seq: 42, message: exampleMessage });
export const MessageUpdatedFrame = serverFrame(
  'message.updated',
  { roomId: Uuid, seq: Seq, reason: Type.Union([Type.Literal('edited'), Type.Literal('deleted'), Type.Literal('reaction'), Type.Literal('reply')]), message: Message },
  'A message changed (edit, delete tombstone, reactions, reply count); `message` is its new state',
  'MessageUpdatedFrame',
  { roomId: EX.roomId, seq: 43, reason: 'edited', message: { ...exampleMessage, versionSeq: 43, body: 'Hello, world! (edited)', editedAt: EX.later } },
);
export const TypingEventFrame = serverFrame('typing', { roomId: Uuid, user: User }, 'Someone is typing (lasts ~5 s unless repeated)', 'TypingEventFrame', { roomId: EX.roomId, user: exampleUser });
export const PresenceFrame = serverFrame('presence', { userId: Uuid, status: Type.Union([Type.Literal('online'), Type.Literal('offline')]) }, 'A user in one of your rooms came online or went offline', 'PresenceFrame', { userId: EX.aliceId, status: 'online' });
export const ReadEventFrame = serverFrame('read', { roomId: Uuid, userId: Uuid, seq: Seq }, 'A member moved their read marker', 'ReadEventFrame', { roomId: EX.roomId, userId: EX.aliceId, seq: 42 });
export const MemberEventFrame = serverFrame(
  'member',
  { roomId: Uuid, user: User, action: Type.Union([Type.Literal('joined'), Type.Literal('left'), Type.Literal('removed'), Type.Literal('role')]), role: Type.Union([Type.String(), Type.Null()]) },
  'Room membership changed',
  'MemberEventFrame',
  { roomId: EX.roomId, user: exampleUser, action: 'joined', role: 'member' },
);
export const RoomEventFrame = serverFrame(
  'room',
  { action: Type.Union([Type.Literal('added'), Type.Literal('updated'), Type.Literal('removed')]), room: Room },
  'A room you belong to was created, changed, or you lost access to it',
  'RoomEventFrame',
  { action: 'updated', room: exampleRoom },
);
export const PongFrame = serverFrame('pong', { id: Type.Optional(Type.String()) }, 'Answer to ping', 'PongFrame', { id: 'p1' });
export const ReconnectFrame = serverFrame('reconnect', { retryAfterMs: Type.Integer() }, 'The server is draining; the connection will close with 1012', 'ReconnectFrame', { retryAfterMs: 1500 });

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
