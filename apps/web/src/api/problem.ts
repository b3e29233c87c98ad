import type { ErrorCode, Problem } from '@parley/protocol';

/** An error from the API, with a sentence a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: Partial<Problem>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const SENTENCES: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'Your session has ended. Please sign in again.',
  'invalid-credentials': 'That username or password is wrong.',
  'invalid-token': 'Your session has expired. Please sign in again.',
  forbidden: 'You are not allowed to do that here.',
  'csrf-rejected': 'The request was blocked because it came from another site. Reload the page and try again.',
  'not-found': 'That no longer exists, or you do not have access to it.',
  conflict: 'That conflicts with something that already exists.',
  'username-taken': 'That username is already taken. Try another one.',
  'room-archived': 'This room is archived: nothing new can be posted.',
  'payload-too-large': 'That is too large to send.',
  'unsupported-media-type': 'That kind of file is not accepted.',
  internal: 'Something went wrong on the server. Please try again.',
  unavailable: 'The server is busy or restarting. Please try again in a moment.',
};

function fieldName(path: string): string {
  const last = path.split('/').filter(Boolean).pop() ?? '';
  const spaced = last.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return spaced || 'request';
}

/** Turns problem details (RFC 9457) or a WebSocket error frame into a sentence. */
export function humanize(p: Partial<Problem> & { status?: number; retryAfterMs?: number; message?: string }): string {
  const code = p.code as ErrorCode | undefined;
  if (code === 'validation' && p.errors && p.errors.length > 0) {
    const parts = p.errors.slice(0, 3).map((e) => `${fieldName(e.path)} ${e.message.replace(/^must /, 'must ')}`);
    return `Please check the form: ${parts.join('; ')}.`;
  }
  if (code === 'rate-limited') {
    const secs = p.retryAfter ?? (p.retryAfterMs !== undefined ? Math.ceil(p.retryAfterMs / 1000) : undefined);
    return secs ? `You are doing that too often. Try again in ${secs} second${secs === 1 ? '' : 's'}.` : 'You are doing that too often. Wait a moment and try again.';
  }
  if (code && SENTENCES[code]) {
    // A specific detail from the server is more useful than the generic sentence for some codes.
    if ((code === 'validation' || code === 'bad-request' || code === 'conflict' || code === 'forbidden') && p.detail) return sentence(p.detail);
    return SENTENCES[code]!;
  }
  if (p.detail) return sentence(p.detail);
  if (p.message) return sentence(p.message);
  if (p.title) return sentence(p.title);
  if (p.status && p.status >= 500) return SENTENCES.internal!;
  return 'Something went wrong. Please try again.';
}

function sentence(s: string): string {
  const t = s.trim();
  if (!t) return 'Something went wrong. Please try again.';
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

export const NETWORK_ERROR = 'Cannot reach the server. Check your connection and try again.';

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return NETWORK_ERROR;
  if (err instanceof Error && err.message) return sentence(err.message);
  return 'Something went wrong. Please try again.';
}
