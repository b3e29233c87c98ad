import { CLOSE_CODES, ClientFrames, LIMITS, PROTOCOL_VERSION, ServerFrames } from '@parley/protocol';
import { SERVER_VERSION } from '../config/load.js';
import { ComponentNamer } from './schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenAPI/AsyncAPI documents are built and walked as plain JSON
type Json = Record<string, any>;

/** Meaning of every close code in CLOSE_CODES (buildAsyncApi fails when one is missing). */
const CLOSE_CODE_DOCS: Record<keyof typeof CLOSE_CODES, { meaning: string; client: string }> = {
  normal: { meaning: 'Normal closure (the client or the server ended the connection on purpose).', client: 'Nothing to do; reconnect only if you still need events.' },
  policyViolation: { meaning: 'The Origin of the upgrade is not allowed, or the client kept sending invalid frames (more than 20).', client: 'Fix the client; do not reconnect in a loop.' },
  messageTooBig: { meaning: `A frame was larger than ${LIMITS.wsFrameMaxBytes} bytes.`, client: 'Send smaller frames (a message body is at most 4000 characters); reconnect and resume.' },
  serviceRestart: { meaning: 'The server is restarting or draining (preceded by a `reconnect` frame; the close reason is `{"retryAfterMs":n}`).', client: 'Reconnect after the hinted delay (plus jitter) and resume with lastSeq; another replica will take you.' },
  tryAgainLater: { meaning: 'The server is overloaded.', client: 'Reconnect with exponential back-off (1 s, 2 s, 4 s … up to 60 s, with jitter).' },
  unauthorized: { meaning: 'Not authenticated within 10 s of the upgrade, or authentication failed.', client: 'Get a fresh ticket (POST /api/v1/realtime/ticket) or log in again, then reconnect.' },
  sessionRevoked: { meaning: 'The session was revoked (logout, password change, refresh-token reuse).', client: 'Do not reconnect with the same credentials: log in again.' },
  heartbeatTimeout: { meaning: 'The client did not answer the server\'s WebSocket pings. The server terminates such a connection without a close frame, so clients observe 1006 (abnormal closure); 4004 is what the server records.', client: 'Make sure your WebSocket library answers pings (browsers and `ws` do); reconnect and resume.' },
  slowConsumer: { meaning: 'The client read too slowly: its send buffer passed WS_MAX_BUFFERED_BYTES.', client: 'Reconnect and resume with lastSeq; read frames promptly.' },
};

/** Message component key, summary and ack result for each client frame type. */
const CLIENT_MESSAGES: Record<keyof typeof ClientFrames, { key: string; ack: string }> = {
  auth: { key: 'auth', ack: 'No ack: answered with `ready` (or an `error` with code `invalid-token`, after which the server closes with 4001 when no valid ticket follows).' },
  subscribe: { key: 'subscribe', ack: 'For each room with `lastSeq`: a `sync` frame; then `subscribed`; then, when `id` was given, an `ack` with `result: {rooms: [{roomId, headSeq}], denied: [roomId…]}`. Rooms you may not read are listed in `denied` and reported in an `error` frame (`not-found`) without id.' },
  unsubscribe: { key: 'unsubscribe', ack: '`ack` with `result: {roomIds}`.' },
  'message.send': { key: 'messageSend', ack: '`ack` with `result: {message}` once committed (idempotent on clientKey: a retry acks the original). Counts against the send rate limit: `error` `rate-limited` with `retryAfterMs`.' },
  'message.edit': { key: 'messageEdit', ack: '`ack` with `result: {message}` (its new state).' },
  'message.delete': { key: 'messageDelete', ack: '`ack` with `result: {message}` (the tombstone).' },
  'reaction.add': { key: 'reactionAdd', ack: '`ack` with `result: {message}`.' },
  'reaction.remove': { key: 'reactionRemove', ack: '`ack` with `result: {message}`.' },
  typing: { key: 'typing', ack: '`ack` without result when `id` was given. Repeats within 1 s are not forwarded.' },
  read: { key: 'read', ack: '`ack` with `result: {roomId, lastReadSeq, unread}`.' },
  ping: { key: 'ping', ack: 'Answered with `pong` (carrying the id), never with `ack`. Works before authentication.' },
};

const SERVER_MESSAGES: Record<keyof typeof ServerFrames, string> = {
  hello: 'hello',
  ready: 'ready',
  ack: 'ack',
  error: 'error',
  sync: 'sync',
  subscribed: 'subscribed',
  'message.created': 'messageCreated',
  'message.updated': 'messageUpdated',
  typing: 'typingEvent',
  presence: 'presence',
  read: 'readEvent',
  member: 'member',
  room: 'room',
  pong: 'pong',
  reconnect: 'reconnect',
};

/** The AsyncAPI message component key of a frame (used by the contract tests too). */
export function messageKey(direction: 'send' | 'receive', type: string): string | undefined {
  return direction === 'send' ? CLIENT_MESSAGES[type as keyof typeof ClientFrames]?.key : SERVER_MESSAGES[type as keyof typeof ServerFrames];
}

function closeCodeTable(): string {
  const rows = Object.entries(CLOSE_CODES).map(([name, code]) => {
    const doc = CLOSE_CODE_DOCS[name as keyof typeof CLOSE_CODES];
    if (!doc) throw new Error(`close code ${name} (${code}) is not documented in http/asyncapi.ts`);
    return `| ${code} | \`${name}\` | ${doc.meaning} | ${doc.client} |`;
  });
  return ['| Code | Name | Meaning | What the client should do |', '|---|---|---|---|', ...rows].join('\n');
}

function description(): string {
  return `The realtime protocol of Parley (protocol version ${PROTOCOL_VERSION}, sent in \`hello.v\`): one WebSocket at \`/ws\`, every frame one JSON text object with a \`type\`. Binary frames are rejected.

## Connecting and authenticating
1. Open \`wss://<host>/ws\`. Browsers send the \`parley_access\` session cookie with the upgrade and are authenticated at once; an \`Origin\` outside ALLOWED_ORIGINS is refused (403).
2. The server sends \`hello\` (\`authenticated\` tells whether the cookie was accepted) and, when it was, \`ready\`.
3. Otherwise (bots, native apps) get a ticket with \`POST /api/v1/realtime/ticket\` (bearer token) and send \`{"type":"auth","ticket":"…"}\` within 10 s; the server answers \`ready\`. Without a valid ticket in time the connection closes with 4001. Tickets are single-use and valid 30 s.
4. Before \`ready\`, only \`auth\` and \`ping\` are accepted; anything else gets an \`error\` with code \`unauthenticated\`.

## Requests, acknowledgements and errors
Client frames may carry an \`id\` (1–64 characters). The server answers every such frame with exactly one \`ack\` (success, same \`id\`, optional \`result\`) or one \`error\` (failure, same \`id\`). Sends are acknowledged only after the message is committed. \`error.code\` uses the same codes as the REST problem details (docs/api/errors.md) and \`error.status\` the HTTP status the same failure would have; \`retryAfterMs\` comes with \`rate-limited\`. An \`error\` without \`id\` concerns the connection (an unparseable frame, rooms denied in a subscribe). More than 20 invalid frames close the connection with 1008.

## Subscribing and resuming
\`subscribe\` with \`{roomId, lastSeq?}\` per room (at most ${LIMITS.subscribeMax}). With \`lastSeq\`, the server first sends a \`sync\` holding every message created or changed after it (in their current state); when \`sync.hasMore\` is true, fetch the rest with \`GET /api/v1/rooms/{roomId}/changes?since=<coveredSeq>\`. Live events (\`message.created\`, \`message.updated\`) carry the room's sequence number \`seq\`, strictly increasing per room; a client that sees a gap (seq > last + 1) fetches \`/changes?since=<last>\`. After a reconnect, subscribe again with the last \`seq\` applied per room: nothing is lost between the two.

## Heartbeat
The server sends a WebSocket ping every \`hello.heartbeatMs\` milliseconds; a peer that has not answered the previous ping is terminated. WebSocket libraries answer pings automatically. The application-level \`ping\` frame (answered with \`pong\`) lets clients measure latency or keep intermediaries awake.

## Draining and close codes
Before a restart the server sends \`reconnect\` with \`retryAfterMs\` and closes with 1012: reconnect after that delay and resume. Reconnect with exponential back-off and jitter after any other unexpected close.

${closeCodeTable()}`;
}

/** Builds the AsyncAPI 3.0 document for /ws from the protocol's frame schemas. */
export function buildAsyncApi(origin: string): Json {
  const url = new URL(origin);
  const namer = new ComponentNamer({ constToEnum: false, refPrefix: '#/components/schemas/', checkInline: false });
  const messages: Json = {};
  const channelMessages: Json = {};
  const operations: Json = {};
  const ref = (key: string) => ({ $ref: `#/channels/realtime/messages/${key}` });

  for (const [type, schema] of Object.entries(ServerFrames)) {
    const key = SERVER_MESSAGES[type as keyof typeof ServerFrames];
    const s = schema as Json;
    messages[key] = {
      name: type,
      title: s.title,
      summary: s.description,
      payload: namer.refify(schema),
      examples: (s.examples as unknown[]).map((payload, i) => ({ name: `${key}${i ? i + 1 : ''}`, summary: s.description, payload })),
    };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
  }
  for (const [type, schema] of Object.entries(ClientFrames)) {
    const { key, ack } = CLIENT_MESSAGES[type as keyof typeof ClientFrames];
    const s = schema as Json;
    messages[key] = {
      name: type,
      title: s.title,
      summary: s.description,
      description: `${s.description}.\n\n**Answer:** ${ack}`,
      payload: namer.refify(schema),
      examples: (s.examples as unknown[]).map((payload, i) => ({ name: `${key}${i ? i + 1 : ''}`, summary: s.description, payload })),
    };
    channelMessages[key] = { $ref: `#/components/messages/${key}` };
  }

  for (const [type, schema] of Object.entries(ClientFrames)) {
    const { key, ack } = CLIENT_MESSAGES[type as keyof typeof ClientFrames];
    const replies = type === 'auth' ? ['ready', 'error'] : type === 'ping' ? ['pong'] : type === 'subscribe' ? ['sync', 'subscribed', 'ack', 'error'] : ['ack', 'error'];
    operations[`send${key[0]!.toUpperCase()}${key.slice(1)}`] = {
      action: 'send',
      channel: { $ref: '#/channels/realtime' },
      title: (schema as Json).title,
      summary: (schema as Json).description,
      description: ack,
      messages: [ref(key)],
      reply: { channel: { $ref: '#/channels/realtime' }, messages: replies.map((r) => ref(r)) },
    };
  }
  for (const [type, schema] of Object.entries(ServerFrames)) {
    const key = SERVER_MESSAGES[type as keyof typeof ServerFrames];
    operations[`receive${key[0]!.toUpperCase()}${key.slice(1)}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/realtime' },
      title: (schema as Json).title,
      summary: (schema as Json).description,
      messages: [ref(key)],
    };
  }

  return {
    asyncapi: '3.0.0',
    id: 'urn:parley:realtime',
    info: {
      title: 'Parley realtime API',
      version: SERVER_VERSION,
      description: description(),
      license: { name: 'AGPL-3.0-only', url: 'https://www.gnu.org/licenses/agpl-3.0.html' },
      tags: [{ name: 'realtime', description: 'WebSocket protocol' }],
      externalDocs: { description: 'REST API (OpenAPI 3.1)', url: `${origin}/docs/openapi.json` },
    },
    defaultContentType: 'application/json',
    servers: {
      parley: {
        host: '{host}',
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        pathname: '/ws',
        title: 'A Parley server',
        description: 'The WebSocket endpoint of a Parley server (same host and port as the REST API). Authenticate with the session cookie at the upgrade, or with a ticket in an `auth` frame (AsyncAPI has no security scheme for in-band authentication; see the `auth` message).',
        variables: { host: { default: url.host, description: 'Host and port of the server (its PUBLIC_ORIGIN)' } },
        security: [{ $ref: '#/components/securitySchemes/cookieAuth' }],
      },
    },
    channels: {
      realtime: {
        address: '/ws',
        title: 'Realtime connection',
        description: 'The one channel: every frame in both directions. Room events arrive for subscribed rooms; `room`, `presence` and read events for rooms you belong to.',
        servers: [{ $ref: '#/servers/parley' }],
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            headers: {
              type: 'object',
              properties: {
                Cookie: { type: 'string', description: '`parley_access=<access token>` (browsers); otherwise authenticate with an `auth` frame' },
                Origin: { type: 'string', description: 'Must be in ALLOWED_ORIGINS when present' },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
        'x-close-codes': Object.fromEntries(Object.entries(CLOSE_CODES).map(([name, code]) => [String(code), { name, ...CLOSE_CODE_DOCS[name as keyof typeof CLOSE_CODES] }])),
      },
    },
    operations,
    components: {
      messages,
      schemas: Object.fromEntries(Object.entries(namer.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        cookieAuth: { type: 'httpApiKey', in: 'cookie', name: 'parley_access', description: 'The browser session cookie, sent with the upgrade request.' },
      },
    },
  };
}
