/**
 * The error catalogue: every problem `type` the API returns. The URI is stable and
 * documented in docs/api/errors.md; `code` is the last path segment.
 */
export const ERROR_BASE = 'https://parley.chat/problems/';

export const ERRORS = {
  validation: { status: 400, title: 'The request is not valid' },
  'bad-request': { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  'invalid-credentials': { status: 401, title: 'Username or password is wrong' },
  'invalid-token': { status: 401, title: 'The token is invalid or expired' },
  forbidden: { status: 403, title: 'You may not do this' },
  'csrf-rejected': { status: 403, title: 'Cross-site request rejected' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'username-taken': { status: 409, title: 'That username is taken' },
  'room-archived': { status: 409, title: 'The room is archived' },
  'payload-too-large': { status: 413, title: 'The request is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service temporarily unavailable' },
} as const;
export type ErrorCode = keyof typeof ERRORS;
export const errorType = (code: ErrorCode): string => ERROR_BASE + code;
