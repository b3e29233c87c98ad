import type {
  Attachment,
  AuthResult,
  Changes,
  CreateRoomBody,
  Member,
  Message,
  MessagePage,
  Problem,
  Room,
  SendMessageBody,
  ServerConfig,
  Ticket,
  User,
} from '@parley/protocol';
import { ApiError, humanize, NETWORK_ERROR } from './problem';

const BASE = '/api/v1';

type Listener = () => void;
let sessionExpiredListener: Listener | null = null;
/** Called when a 401 survives a refresh: the app returns to the login screen (drafts stay in localStorage). */
export function onSessionExpired(fn: Listener | null): void {
  sessionExpiredListener = fn;
}

const REFRESHED_AT = 'parley.refreshedAt';
/** Another tab refreshed this recently: its new cookies are ours too, no need to refresh again. */
const SHARED_REFRESH_MS = 10_000;

function postRefresh(): Promise<boolean> {
  return fetch(`${BASE}/auth/refresh`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
    .then((r) => {
      if (r.ok) {
        try {
          localStorage.setItem(REFRESHED_AT, String(Date.now()));
        } catch {
          /* storage disabled */
        }
      }
      return r.ok;
    })
    .catch(() => false);
}

/**
 * Refresh tokens rotate and work once; presenting one twice ends the session. So refreshes are
 * serialized across tabs (Web Locks, where available) and a tab that finds a refresh by another
 * tab a moment ago just retries with the cookies that one got.
 */
function refreshAcrossTabs(startedAt: number): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return postRefresh();
  return locks.request('parley-refresh', async () => {
    let last = 0;
    try {
      last = Number(localStorage.getItem(REFRESHED_AT) ?? 0);
    } catch {
      /* storage disabled */
    }
    if (last >= startedAt - SHARED_REFRESH_MS && last <= Date.now()) return true;
    return postRefresh();
  }).then((ok) => ok); // the lock resolves with the callback's promise
}

let refreshing: Promise<boolean> | null = null;
/** One refresh at a time: concurrent 401s share the same attempt (in this tab and across tabs). */
export function refreshSession(): Promise<boolean> {
  refreshing ??= refreshAcrossTabs(Date.now()).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function toError(res: Response): Promise<ApiError> {
  let problem: Partial<Problem> = { status: res.status };
  try {
    const ct = res.headers.get('content-type') ?? '';
    if (ct.includes('json')) problem = { status: res.status, ...((await res.json()) as Partial<Problem>) };
  } catch {
    /* not JSON: keep the status */
  }
  const retry = res.headers.get('retry-after');
  if (problem.retryAfter === undefined && retry && /^\d+$/.test(retry)) problem.retryAfter = Number(retry);
  return new ApiError(res.status, problem.code ?? String(res.status), humanize(problem), problem);
}

export interface RequestOptions {
  /** Skip the refresh-and-retry on 401 (auth endpoints themselves). */
  noRefresh?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const doFetch = () =>
    fetch(`${BASE}${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
    });
  let res: Response;
  try {
    res = await doFetch();
    if (res.status === 401 && !opts.noRefresh) {
      if (await refreshSession()) res = await doFetch();
      if (res.status === 401) {
        sessionExpiredListener?.();
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', NETWORK_ERROR);
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  config: () => request<ServerConfig>('GET', '/config', undefined, { noRefresh: true }),
  me: () => request<User>('GET', '/auth/me'),
  login: (username: string, password: string) => request<AuthResult>('POST', '/auth/login', { username, password }, { noRefresh: true }),
  register: (username: string, password: string, displayName?: string) =>
    request<AuthResult>('POST', '/auth/register', displayName ? { username, password, displayName } : { username, password }, { noRefresh: true }),
  logout: () => request<void>('POST', '/auth/logout', {}, { noRefresh: true }),
  ticket: () => request<Ticket>('POST', '/realtime/ticket', {}),
  searchUsers: (q: string) => request<{ items: User[] }>('GET', `/users?q=${enc(q)}`),
  rooms: () => request<{ items: Room[] }>('GET', '/rooms'),
  publicRooms: (q: string) => request<{ items: Room[] }>('GET', `/rooms/public${q ? `?q=${enc(q)}` : ''}`),
  createRoom: (body: CreateRoomBody) => request<Room>('POST', '/rooms', body),
  createDirect: (userId: string) => request<Room>('POST', '/rooms/direct', { userId }),
  joinRoom: (roomId: string) => request<Room>('POST', `/rooms/${enc(roomId)}/join`, {}),
  leaveRoom: (roomId: string) => request<void>('POST', `/rooms/${enc(roomId)}/leave`, {}),
  members: (roomId: string) => request<{ items: Member[] }>('GET', `/rooms/${enc(roomId)}/members`),
  invite: (roomId: string, userId: string) => request<Member>('POST', `/rooms/${enc(roomId)}/members`, { userId }),
  markRead: (roomId: string, seq: number) => request<unknown>('PUT', `/rooms/${enc(roomId)}/read`, { seq }),
  messages: (roomId: string, q: { before?: number; after?: number; limit?: number; parentId?: string }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return request<MessagePage>('GET', `/rooms/${enc(roomId)}/messages${qs ? `?${qs}` : ''}`);
  },
  changes: (roomId: string, since: number) => request<Changes>('GET', `/rooms/${enc(roomId)}/changes?since=${since}`),
  send: (roomId: string, body: SendMessageBody) => request<Message>('POST', `/rooms/${enc(roomId)}/messages`, body),
  edit: (roomId: string, messageId: string, body: string) => request<Message>('PATCH', `/rooms/${enc(roomId)}/messages/${enc(messageId)}`, { body }),
  remove: (roomId: string, messageId: string) => request<Message | undefined>('DELETE', `/rooms/${enc(roomId)}/messages/${enc(messageId)}`),
  react: (roomId: string, messageId: string, emoji: string) =>
    request<Message | undefined>('PUT', `/rooms/${enc(roomId)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`),
  unreact: (roomId: string, messageId: string, emoji: string) =>
    request<Message | undefined>('DELETE', `/rooms/${enc(roomId)}/messages/${enc(messageId)}/reactions/${enc(emoji)}`),
};

/**
 * Uploads a file with progress (fetch has no upload progress; XMLHttpRequest does).
 * A 401 triggers one session refresh and one retry.
 */
export function uploadFile(roomId: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<Attachment> {
  const once = () =>
    new Promise<{ status: number; text: string; contentType: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${BASE}/rooms/${enc(roomId)}/uploads`);
      xhr.withCredentials = true;
      xhr.setRequestHeader('accept', 'application/json');
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, contentType: xhr.getResponseHeader('content-type') ?? '' });
      xhr.onerror = () => reject(new ApiError(0, 'network', NETWORK_ERROR));
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      const form = new FormData();
      form.append('file', file, file.name);
      xhr.send(form);
    });
  return (async () => {
    let r = await once();
    if (r.status === 401 && (await refreshSession())) r = await once();
    if (r.status >= 200 && r.status < 300) return JSON.parse(r.text) as Attachment;
    let problem: Partial<Problem> = { status: r.status };
    try {
      if (r.contentType.includes('json')) problem = { status: r.status, ...(JSON.parse(r.text) as Partial<Problem>) };
    } catch {
      /* keep status */
    }
    if (r.status === 413 && !problem.code) problem.code = 'payload-too-large';
    throw new ApiError(r.status, problem.code ?? String(r.status), humanize(problem), problem);
  })();
}
