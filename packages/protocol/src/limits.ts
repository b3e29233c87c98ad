/** Limits shared by the server (enforcement) and clients (early feedback). */
export const LIMITS = {
  /** Characters in a message body. */
  messageBodyMax: 4000,
  /** Characters in a room name. */
  roomNameMax: 80,
  roomTopicMax: 250,
  usernameMin: 3,
  usernameMax: 32,
  displayNameMax: 64,
  passwordMin: 10,
  passwordMax: 256,
  /** Messages per page of history. */
  pageMax: 100,
  pageDefault: 50,
  /** Bytes in one WebSocket frame from a client. */
  wsFrameMaxBytes: 64 * 1024,
  /** Rooms in one subscribe frame. */
  subscribeMax: 500,
  emojiMax: 32,
  attachmentsMax: 10,
} as const;

/** Current WebSocket protocol version, sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/**
 * WebSocket close codes Parley uses. 1000-1015 are RFC 6455; 4000-4999 are ours.
 * Documented in the AsyncAPI document and docs/api/websocket.md.
 */
export const CLOSE_CODES = {
  normal: 1000,
  /** Origin not allowed, or the client kept sending invalid frames. */
  policyViolation: 1008,
  /** A frame larger than LIMITS.wsFrameMaxBytes. */
  messageTooBig: 1009,
  /** The server is restarting or draining: reconnect (to another replica) after the hinted delay. */
  serviceRestart: 1012,
  /** The server is overloaded: reconnect later. */
  tryAgainLater: 1013,
  /** Not authenticated in time, or authentication failed. */
  unauthorized: 4001,
  /** The session was revoked (logout, password change). Do not reconnect with the same credentials. */
  sessionRevoked: 4003,
  /** The client did not answer heartbeats. */
  heartbeatTimeout: 4004,
  /** The client read too slowly: its send buffer passed the limit. Reconnect and resume. */
  slowConsumer: 4008,
} as const;
