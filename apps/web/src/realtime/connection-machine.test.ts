import { describe, expect, it } from 'vitest';
import { backoffDelay, bannerText, transition, type ConnectionEvent, type ConnectionState } from './connection-machine';

const opts = (random = 0.5, hintMs?: number) => ({ baseMs: 500, maxMs: 10_000, random: () => random, hintMs });

function run(events: ConnectionEvent[], start: ConnectionState = { status: 'idle' }, random = 0.5) {
  let state = start;
  const effects: string[] = [];
  for (const e of events) {
    const t = transition(state, e, opts(random));
    state = t.state;
    effects.push(...t.effects.map((x) => (x.type === 'scheduleRetry' ? `scheduleRetry:${x.delayMs}` : x.type)));
  }
  return { state, effects };
}

describe('connection state machine', () => {
  it('connects, authenticates by cookie and subscribes on ready', () => {
    const { state, effects } = run([{ type: 'start', online: true }, { type: 'socketOpen' }, { type: 'hello', authenticated: true }, { type: 'ready' }]);
    expect(state).toEqual({ status: 'ready' });
    expect(effects).toEqual(['openSocket', 'subscribeAll']);
  });

  it('falls back to a ticket when the upgrade was not authenticated', () => {
    const { state, effects } = run([{ type: 'start', online: true }, { type: 'socketOpen' }, { type: 'hello', authenticated: false }]);
    expect(state.status).toBe('authenticating');
    expect(effects).toEqual(['openSocket', 'sendTicket']);
  });

  it('backs off exponentially with jitter while the server stays away, and resets after success', () => {
    const ready = run([{ type: 'start', online: true }, { type: 'socketOpen' }, { type: 'hello', authenticated: true }, { type: 'ready' }]).state;
    const delays: number[] = [];
    let s = ready;
    for (let i = 0; i < 7; i++) {
      const t = transition(s, { type: 'socketClose', code: 1006 }, opts(0.5));
      expect(t.state.status).toBe('reconnecting');
      const eff = t.effects.find((e) => e.type === 'scheduleRetry');
      delays.push(eff && eff.type === 'scheduleRetry' ? eff.delayMs : -1);
      s = transition(t.state, { type: 'retryTimer' }, opts()).state;
      expect(s.status).toBe('connecting');
    }
    // 500, 1000, 2000, 4000, 8000, 10000 (cap), 10000 with half fixed and half jittered (random = 0.5 → 75 %).
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 7500, 7500]);
    // A successful connection starts the back-off over.
    s = run([{ type: 'socketOpen' }, { type: 'hello', authenticated: true }, { type: 'ready' }], s).state;
    const again = transition(s, { type: 'socketClose', code: 1006 }, opts(0.5));
    expect(again.state).toMatchObject({ status: 'reconnecting', attempt: 0, delayMs: 375 });
  });

  it('keeps jitter within [half, full] of the capped delay', () => {
    for (const attempt of [0, 3, 10]) {
      const cap = Math.min(10_000, 500 * 2 ** attempt);
      expect(backoffDelay(attempt, { ...opts(0) })).toBe(cap / 2);
      expect(backoffDelay(attempt, { ...opts(0.999999) })).toBeLessThanOrEqual(cap);
      expect(backoffDelay(attempt, { ...opts(0.999999) })).toBeGreaterThan(cap * 0.99);
    }
  });

  it('honours the server restart hint (close 1012)', () => {
    const ready: ConnectionState = { status: 'ready' };
    const t = transition(ready, { type: 'socketClose', code: 1012 }, opts(0, 4000));
    expect(t.state).toMatchObject({ status: 'reconnecting', delayMs: 4000, reason: 'The server is restarting' });
    expect(bannerText(t.state)).toBe('The server is restarting. Reconnecting in 4 s…');
  });

  it('refreshes the session on 4001 and signs out when that fails', () => {
    const ready: ConnectionState = { status: 'ready' };
    const r = transition(ready, { type: 'socketClose', code: 4001 }, opts());
    expect(r.state.status).toBe('refreshing');
    expect(r.effects).toEqual([{ type: 'refreshAuth' }]);
    expect(transition(r.state, { type: 'authRefreshed' }, opts()).effects).toEqual([{ type: 'openSocket' }]);
    const failed = transition(r.state, { type: 'authFailed' }, opts());
    expect(failed.state.status).toBe('signedOut');
    expect(failed.effects).toEqual([{ type: 'signOut' }]);
  });

  it('does not reconnect after the session was revoked (4003)', () => {
    const t = transition({ status: 'ready' }, { type: 'socketClose', code: 4003 }, opts());
    expect(t.state.status).toBe('signedOut');
    expect(t.effects.map((e) => e.type)).toEqual(['cancelRetry', 'signOut']);
    expect(transition(t.state, { type: 'retryTimer' }, opts()).effects).toEqual([]);
  });

  it('waits for the network when offline and reconnects at once when it returns', () => {
    const off = run([{ type: 'start', online: true }, { type: 'socketOpen' }, { type: 'browserOffline' }]);
    expect(off.state.status).toBe('offline');
    expect(off.effects).toEqual(['openSocket', 'cancelRetry', 'closeSocket']);
    expect(bannerText(off.state)).toMatch(/offline/i);
    // A close event arriving after going offline changes nothing.
    expect(transition(off.state, { type: 'socketClose', code: 1006 }, opts()).effects).toEqual([]);
    const on = transition(off.state, { type: 'browserOnline' }, opts());
    expect(on.state.status).toBe('connecting');
    expect(on.effects.map((e) => e.type)).toEqual(['cancelRetry', 'openSocket']);
  });

  it('starts offline when the browser has no network', () => {
    expect(run([{ type: 'start', online: false }]).state.status).toBe('offline');
  });

  it('ignores stray events and stops cleanly', () => {
    expect(transition({ status: 'idle' }, { type: 'ready' }, opts()).effects).toEqual([]);
    expect(transition({ status: 'connecting', attempt: 0 }, { type: 'retryTimer' }, opts()).effects).toEqual([]);
    const stopped = transition({ status: 'ready' }, { type: 'stop' }, opts());
    expect(stopped.state.status).toBe('stopped');
    expect(transition(stopped.state, { type: 'socketClose', code: 1006 }, opts()).effects).toEqual([]);
  });

  it('describes each state for the banner', () => {
    expect(bannerText({ status: 'ready' })).toBeNull();
    expect(bannerText({ status: 'connecting', attempt: 0 })).toBe('Connecting…');
    expect(bannerText({ status: 'connecting', attempt: 2 })).toBe('Reconnecting…');
    expect(bannerText({ status: 'reconnecting', attempt: 1, delayMs: 1500, reason: 'Connection lost' })).toBe('Connection lost. Reconnecting in 2 s…');
  });
});
