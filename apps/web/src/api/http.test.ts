import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, onSessionExpired, uploadFile } from './http';
import { ApiError, humanize } from './problem';

const json = (status: number, body: unknown, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });

beforeEach(() => localStorage.clear());
afterEach(() => {
  vi.unstubAllGlobals();
  onSessionExpired(null);
});

describe('REST client', () => {
  it('refreshes the session once on 401 and retries the request', async () => {
    const calls: string[] = [];
    const responses = [json(401, { code: 'invalid-token' }), json(200, {}), json(200, { items: [] })];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url}`);
      expect(init.credentials).toBe('same-origin');
      return responses.shift()!;
    }));
    await expect(api.rooms()).resolves.toEqual({ items: [] });
    expect(calls).toEqual(['GET /api/v1/rooms', 'POST /api/v1/auth/refresh', 'GET /api/v1/rooms']);
  });

  it('signals an expired session when the refresh fails, with a readable error', async () => {
    const expired = vi.fn();
    onSessionExpired(expired);
    const responses = [
      json(401, { type: 'https://parley.chat/problems/unauthenticated', title: 'Authentication required', status: 401, code: 'unauthenticated' }, 'application/problem+json'),
      json(401, { code: 'invalid-token' }),
    ];
    const fetchMock = vi.fn(async () => responses.shift()!);
    vi.stubGlobal('fetch', fetchMock);
    const err = await api.rooms().catch((e: unknown) => e);
    expect(fetchMock.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['/api/v1/rooms', '/api/v1/auth/refresh']);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('Your session has ended. Please sign in again.');
    expect(expired).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh between concurrent 401s', async () => {
    let refreshes = 0;
    let first = true;
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        await new Promise((r) => setTimeout(r, 10));
        first = false;
        return json(200, {});
      }
      return first ? json(401, { code: 'invalid-token' }) : json(200, { items: [] });
    }));
    await Promise.all([api.rooms(), api.publicRooms(''), api.searchUsers('a')]);
    expect(refreshes).toBe(1);
  });

  it('does not refresh again when another tab just did (refresh tokens work once)', async () => {
    const calls: string[] = [];
    const lockNames: string[] = [];
    vi.stubGlobal('navigator', { ...navigator, locks: { request: async (name: string, fn: () => Promise<unknown>) => (lockNames.push(name), fn()) } });
    localStorage.setItem('parley.refreshedAt', String(Date.now() - 1000));
    const responses = [json(401, { code: 'invalid-token' }), json(200, { items: [] })];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (calls.push(url), responses.shift()!)));
    await expect(api.rooms()).resolves.toEqual({ items: [] });
    expect(lockNames).toEqual(['parley-refresh']);
    expect(calls).toEqual(['/api/v1/rooms', '/api/v1/rooms']);
    localStorage.removeItem('parley.refreshedAt');
  });

  it('does not try to refresh for sign-in itself', async () => {
    const fetchMock = vi.fn(async () => json(401, { code: 'invalid-credentials', status: 401, title: 'x' }, 'application/problem+json'));
    vi.stubGlobal('fetch', fetchMock);
    await expect(api.login('a', 'b')).rejects.toThrow('That username or password is wrong.');
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('turns a network failure into a sentence', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(api.rooms()).rejects.toThrow('Cannot reach the server. Check your connection and try again.');
  });

  it('reports upload progress and the server error for a refused file', async () => {
    class FakeXhr {
      static last: FakeXhr;
      upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void } = {};
      status = 0;
      responseText = '';
      withCredentials = false;
      onload?: () => void;
      onerror?: () => void;
      onabort?: () => void;
      method = '';
      url = '';
      constructor() {
        FakeXhr.last = this;
      }
      open(method: string, url: string) {
        this.method = method;
        this.url = url;
      }
      setRequestHeader() {}
      getResponseHeader() {
        return 'application/problem+json';
      }
      send() {
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
        this.status = 413;
        this.responseText = JSON.stringify({ code: 'payload-too-large', status: 413, title: 'The request is too large' });
        this.onload?.();
      }
      abort() {}
    }
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const progress: number[] = [];
    const err = await uploadFile('room-1', new File(['x'], 'x.bin'), (p) => progress.push(p)).catch((e: unknown) => e);
    expect(FakeXhr.last.url).toBe('/api/v1/rooms/room-1/uploads');
    expect(progress).toEqual([0.5]);
    expect((err as ApiError).message).toBe('That is too large to send.');
  });
});

describe('problem details as sentences', () => {
  it('explains validation errors per field', () => {
    expect(humanize({ code: 'validation', errors: [{ path: '/displayName', message: 'must NOT have more than 64 characters' }] })).toBe(
      'Please check the form: display name must NOT have more than 64 characters.',
    );
  });
  it('says when to retry after rate limiting', () => {
    expect(humanize({ code: 'rate-limited', retryAfter: 3 })).toBe('You are doing that too often. Try again in 3 seconds.');
    expect(humanize({ code: 'rate-limited', retryAfterMs: 1000 })).toBe('You are doing that too often. Try again in 1 second.');
  });
  it('prefers the server detail for conflicts and falls back to the title', () => {
    expect(humanize({ code: 'conflict', detail: 'the message was deleted' })).toBe('The message was deleted.');
    expect(humanize({ code: 'something-new', title: 'A brand new problem' })).toBe('A brand new problem.');
    expect(humanize({ status: 502 })).toBe('Something went wrong on the server. Please try again.');
  });
});
