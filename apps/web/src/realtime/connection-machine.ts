/**
 * The WebSocket connection as a pure state machine: `transition(state, event)` returns the next
 * state and the side effects the driver (socket.ts) must perform. No timers, sockets or randomness
 * live here (the random source is passed in), so every path is unit-testable.
 */
import type { CLOSE_CODES as CloseCodesT } from '@parley/protocol';

/** Close codes we react to (values from the protocol's CLOSE_CODES; type-checked against it). */
export const CLOSE = {
  normal: 1000,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  unauthorized: 4001,
  sessionRevoked: 4003,
} as const satisfies Partial<Record<keyof typeof CloseCodesT, number>>;

export type ConnectionState =
  | { status: 'idle' }
  /** Opening the socket. `attempt` counts consecutive failures (0 on the first try). */
  | { status: 'connecting'; attempt: number }
  /** Socket open, waiting for hello/ready. */
  | { status: 'authenticating'; attempt: number }
  | { status: 'ready' }
  /** Waiting `delayMs` before the next attempt. */
  | { status: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  /** The browser reports no network; we wait for `online`. */
  | { status: 'offline'; attempt: number }
  /** The credentials were rejected; the session is being refreshed. */
  | { status: 'refreshing'; attempt: number }
  /** Signed out (session revoked or refresh failed): no reconnecting. */
  | { status: 'signedOut' }
  | { status: 'stopped' };

export type ConnectionEvent =
  | { type: 'start'; online: boolean }
  | { type: 'socketOpen' }
  | { type: 'hello'; authenticated: boolean }
  | { type: 'ready' }
  | { type: 'serverReconnectHint'; retryAfterMs: number }
  | { type: 'socketClose'; code: number; reason?: string }
  | { type: 'retryTimer' }
  | { type: 'browserOffline' }
  | { type: 'browserOnline' }
  | { type: 'authRefreshed' }
  | { type: 'authFailed' }
  | { type: 'stop' };

export type ConnectionEffect =
  | { type: 'openSocket' }
  | { type: 'closeSocket' }
  | { type: 'scheduleRetry'; delayMs: number }
  | { type: 'cancelRetry' }
  /** Cookie auth did not apply: fetch a ticket and send the `auth` frame. */
  | { type: 'sendTicket' }
  /** Subscribe to every room with its last seen seq (resume). */
  | { type: 'subscribeAll' }
  | { type: 'refreshAuth' }
  | { type: 'signOut' };

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Returns a number in [0, 1). */
  random: () => number;
}

export const DEFAULT_BACKOFF: Omit<BackoffOptions, 'random'> = { baseMs: 500, maxMs: 10_000 };

/**
 * Exponential back-off with "equal jitter": half the capped exponential delay is fixed,
 * the other half random, so clients that dropped together do not return together.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp / 2 + opts.random() * (exp / 2));
}

export interface Transition {
  state: ConnectionState;
  effects: ConnectionEffect[];
}

function attemptOf(s: ConnectionState): number {
  return 'attempt' in s ? s.attempt : 0;
}

export function transition(
  state: ConnectionState,
  event: ConnectionEvent,
  opts: BackoffOptions & { hintMs?: number },
): Transition {
  const stay = { state, effects: [] };
  if (state.status === 'stopped' || state.status === 'signedOut') {
    if (event.type === 'start') return start(event.online);
    return stay;
  }
  switch (event.type) {
    case 'start':
      if (state.status !== 'idle') return stay;
      return start(event.online);
    case 'stop':
      return { state: { status: 'stopped' }, effects: [{ type: 'cancelRetry' }, { type: 'closeSocket' }] };
    case 'socketOpen':
      if (state.status !== 'connecting') return stay;
      return { state: { status: 'authenticating', attempt: state.attempt }, effects: [] };
    case 'hello':
      if (state.status !== 'authenticating') return stay;
      return event.authenticated ? stay : { state, effects: [{ type: 'sendTicket' }] };
    case 'ready':
      if (state.status !== 'authenticating') return stay;
      return { state: { status: 'ready' }, effects: [{ type: 'subscribeAll' }] };
    case 'serverReconnectHint':
      // Remembered by the driver and used as the delay when the 1012 close follows.
      return stay;
    case 'socketClose': {
      if (state.status === 'offline' || state.status === 'reconnecting' || state.status === 'refreshing' || state.status === 'idle') return stay;
      if (event.code === CLOSE.sessionRevoked) {
        return { state: { status: 'signedOut' }, effects: [{ type: 'cancelRetry' }, { type: 'signOut' }] };
      }
      if (event.code === CLOSE.unauthorized) {
        return { state: { status: 'refreshing', attempt: attemptOf(state) }, effects: [{ type: 'refreshAuth' }] };
      }
      // A connection that reached `ready` starts over from attempt 0; a failed attempt counts up.
      const attempt = state.status === 'ready' ? 0 : attemptOf(state) + 1;
      let delayMs = backoffDelay(attempt, opts);
      if ((event.code === CLOSE.serviceRestart || event.code === CLOSE.tryAgainLater) && opts.hintMs !== undefined) {
        delayMs = Math.max(delayMs, Math.min(opts.hintMs, opts.maxMs * 3));
      }
      const reason = event.code === CLOSE.serviceRestart ? 'The server is restarting' : 'Connection lost';
      return { state: { status: 'reconnecting', attempt, delayMs, reason }, effects: [{ type: 'scheduleRetry', delayMs }] };
    }
    case 'retryTimer':
      if (state.status !== 'reconnecting') return stay;
      return { state: { status: 'connecting', attempt: state.attempt }, effects: [{ type: 'openSocket' }] };
    case 'browserOffline':
      if (state.status === 'idle') return stay;
      return {
        state: { status: 'offline', attempt: attemptOf(state) },
        effects: [{ type: 'cancelRetry' }, { type: 'closeSocket' }],
      };
    case 'browserOnline':
      if (state.status !== 'offline' && state.status !== 'reconnecting') return stay;
      // Network is back: try at once instead of waiting out the back-off.
      return { state: { status: 'connecting', attempt: attemptOf(state) }, effects: [{ type: 'cancelRetry' }, { type: 'openSocket' }] };
    case 'authRefreshed':
      if (state.status !== 'refreshing') return stay;
      return { state: { status: 'connecting', attempt: state.attempt }, effects: [{ type: 'openSocket' }] };
    case 'authFailed':
      if (state.status !== 'refreshing') return stay;
      return { state: { status: 'signedOut' }, effects: [{ type: 'signOut' }] };
  }
}

function start(online: boolean): Transition {
  if (!online) return { state: { status: 'offline', attempt: 0 }, effects: [] };
  return { state: { status: 'connecting', attempt: 0 }, effects: [{ type: 'openSocket' }] };
}

/** What the connection banner says; null when nothing needs saying. */
export function bannerText(state: ConnectionState): string | null {
  switch (state.status) {
    case 'idle':
    case 'ready':
    case 'stopped':
    case 'signedOut':
      return null;
    case 'connecting':
      return state.attempt === 0 ? 'Connecting…' : 'Reconnecting…';
    case 'authenticating':
      return state.attempt === 0 ? 'Connecting…' : 'Reconnecting…';
    case 'refreshing':
      return 'Renewing your session…';
    case 'reconnecting':
      return `${state.reason}. Reconnecting in ${Math.max(1, Math.round(state.delayMs / 1000))} s…`;
    case 'offline':
      return 'You are offline. Messages will be sent when the connection is back.';
  }
}
