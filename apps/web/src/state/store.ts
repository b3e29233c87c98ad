import type { Attachment, Message, Room, ServerConfig, User } from '@parley/protocol';
import type { ConnectionState } from '../realtime/connection-machine';

/** A message typed here and not yet acknowledged by the server. */
export interface PendingMessage {
  clientKey: string;
  roomId: string;
  body: string;
  parentId: string | null;
  attachments: Attachment[];
  createdAt: string;
  status: 'pending' | 'failed';
  error?: string;
}

export interface RoomTimeline {
  byId: Record<string, Message>;
  /** The newest page has been loaded. */
  loaded: boolean;
  /** Older history exists beyond the oldest loaded message. */
  hasOlder: boolean;
  /** Oldest seq we have paged back to (cursor for `before`). */
  oldestCursor: number | null;
}

export interface ChatState {
  config: ServerConfig | null;
  me: User | null;
  rooms: Record<string, Room>;
  activeRoomId: string | null;
  threadRootId: string | null;
  timelines: Record<string, RoomTimeline>;
  /** Highest room seq applied without gaps: sent as lastSeq when resubscribing. */
  lastSeq: Record<string, number>;
  pending: Record<string, PendingMessage>;
  typing: Record<string, Record<string, { user: User; until: number }>>;
  online: Record<string, boolean>;
  connection: ConnectionState;
  /** A transient error shown to the user. */
  notice: string | null;
}

export const initialState: ChatState = {
  config: null,
  me: null,
  rooms: {},
  activeRoomId: null,
  threadRootId: null,
  timelines: {},
  lastSeq: {},
  pending: {},
  typing: {},
  online: {},
  connection: { status: 'idle' },
  notice: null,
};

export type Action =
  | { type: 'config'; config: ServerConfig }
  | { type: 'signedIn'; me: User }
  | { type: 'signedOut' }
  | { type: 'rooms.set'; rooms: Room[] }
  | { type: 'room.upsert'; room: Room }
  | { type: 'room.remove'; roomId: string }
  | { type: 'room.open'; roomId: string | null }
  | { type: 'thread.open'; rootId: string | null }
  | { type: 'messages.merge'; roomId: string; items: Message[]; live?: boolean }
  | { type: 'page.loaded'; roomId: string; items: Message[]; prevCursor: number | null; newest: boolean }
  | { type: 'seq.advance'; roomId: string; seq: number }
  | { type: 'read'; roomId: string; seq: number }
  | { type: 'pending.add'; pending: PendingMessage }
  | { type: 'pending.failed'; clientKey: string; error: string }
  | { type: 'pending.retry'; clientKey: string }
  | { type: 'pending.discard'; clientKey: string }
  | { type: 'typing'; roomId: string; user: User; until: number }
  | { type: 'typing.expire'; now: number }
  | { type: 'presence'; userId: string; online: boolean }
  | { type: 'connection'; state: ConnectionState }
  | { type: 'notice'; text: string | null };

function emptyTimeline(): RoomTimeline {
  return { byId: {}, loaded: false, hasOlder: true, oldestCursor: null };
}

/**
 * Newer state wins: a message replaces the stored one only when its versionSeq is not older.
 * A reply we have not seen before also counts on its thread's first message (the server bumps
 * the parent's replyCount and versionSeq to the reply's seq in the same commit), so the count is
 * right even before, or without, an update event for the parent.
 */
function mergeMessages(tl: RoomTimeline, items: Message[]): RoomTimeline {
  let byId = tl.byId;
  for (const m of items) {
    const cur = byId[m.id];
    if (cur && cur.versionSeq > m.versionSeq) continue;
    if (byId === tl.byId) byId = { ...byId };
    byId[m.id] = m;
    if (!cur && m.parentId) {
      const parent = byId[m.parentId];
      if (parent && parent.versionSeq < m.seq) byId[m.parentId] = { ...parent, replyCount: parent.replyCount + 1, versionSeq: m.seq };
    }
  }
  return byId === tl.byId ? tl : { ...tl, byId };
}

/** Drops pending entries the server has now confirmed (matched by clientKey). */
function settlePending(pending: Record<string, PendingMessage>, items: Message[]): Record<string, PendingMessage> {
  let out = pending;
  for (const m of items) {
    if (m.clientKey && out[m.clientKey]) {
      if (out === pending) out = { ...pending };
      delete out[m.clientKey];
    }
  }
  return out;
}

export function reducer(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'config':
      return { ...state, config: action.config };
    case 'signedIn':
      return { ...state, me: action.me };
    case 'signedOut':
      return { ...initialState, config: state.config, connection: { status: 'stopped' } };
    case 'rooms.set': {
      const rooms: Record<string, Room> = {};
      const lastSeq = { ...state.lastSeq };
      for (const r of action.rooms) {
        rooms[r.id] = r;
        if (lastSeq[r.id] === undefined) lastSeq[r.id] = r.headSeq;
      }
      return { ...state, rooms, lastSeq };
    }
    case 'room.upsert': {
      const lastSeq = state.lastSeq[action.room.id] === undefined ? { ...state.lastSeq, [action.room.id]: action.room.headSeq } : state.lastSeq;
      return { ...state, rooms: { ...state.rooms, [action.room.id]: action.room }, lastSeq };
    }
    case 'room.remove': {
      const rooms = { ...state.rooms };
      delete rooms[action.roomId];
      const active = state.activeRoomId === action.roomId ? null : state.activeRoomId;
      return { ...state, rooms, activeRoomId: active, threadRootId: active ? state.threadRootId : null };
    }
    case 'room.open':
      return { ...state, activeRoomId: action.roomId, threadRootId: null };
    case 'thread.open':
      return { ...state, threadRootId: action.rootId };
    case 'messages.merge': {
      if (action.items.length === 0) return state;
      const tl = state.timelines[action.roomId] ?? emptyTimeline();
      const merged = mergeMessages(tl, action.items);
      let rooms = state.rooms;
      const room = rooms[action.roomId];
      if (action.live && room) {
        // Unread counting for rooms not on screen: new top-level or reply messages from others.
        const fresh = action.items.filter((m) => !tl.byId[m.id] && m.author.id !== state.me?.id && !m.deletedAt);
        const head = Math.max(room.headSeq, ...action.items.map((m) => m.versionSeq));
        const unread = state.activeRoomId === action.roomId ? room.unread : room.unread + fresh.length;
        if (head !== room.headSeq || unread !== room.unread) rooms = { ...rooms, [action.roomId]: { ...room, headSeq: head, unread } };
      }
      return {
        ...state,
        rooms,
        timelines: merged === tl && state.timelines[action.roomId] ? state.timelines : { ...state.timelines, [action.roomId]: merged },
        pending: settlePending(state.pending, action.items),
      };
    }
    case 'page.loaded': {
      const tl = state.timelines[action.roomId] ?? emptyTimeline();
      const merged = mergeMessages(tl, action.items);
      const oldest = action.items.length ? Math.min(...action.items.map((m) => m.seq)) : tl.oldestCursor;
      const oldestCursor = tl.oldestCursor === null ? oldest : oldest === null ? tl.oldestCursor : Math.min(tl.oldestCursor, oldest);
      return {
        ...state,
        timelines: {
          ...state.timelines,
          [action.roomId]: {
            ...merged,
            loaded: tl.loaded || action.newest,
            hasOlder: action.prevCursor !== null,
            oldestCursor,
          },
        },
        pending: settlePending(state.pending, action.items),
      };
    }
    case 'seq.advance': {
      const cur = state.lastSeq[action.roomId] ?? 0;
      if (action.seq <= cur) return state;
      return { ...state, lastSeq: { ...state.lastSeq, [action.roomId]: action.seq } };
    }
    case 'read': {
      const room = state.rooms[action.roomId];
      if (!room) return state;
      if (room.lastReadSeq !== null && room.lastReadSeq >= action.seq && room.unread === 0) return state;
      return {
        ...state,
        rooms: { ...state.rooms, [action.roomId]: { ...room, lastReadSeq: Math.max(room.lastReadSeq ?? 0, action.seq), unread: 0 } },
      };
    }
    case 'pending.add':
      return { ...state, pending: { ...state.pending, [action.pending.clientKey]: action.pending } };
    case 'pending.failed': {
      const p = state.pending[action.clientKey];
      if (!p) return state;
      return { ...state, pending: { ...state.pending, [action.clientKey]: { ...p, status: 'failed', error: action.error } } };
    }
    case 'pending.retry': {
      const p = state.pending[action.clientKey];
      if (!p) return state;
      return { ...state, pending: { ...state.pending, [action.clientKey]: { ...p, status: 'pending', error: undefined } } };
    }
    case 'pending.discard': {
      if (!state.pending[action.clientKey]) return state;
      const pending = { ...state.pending };
      delete pending[action.clientKey];
      return { ...state, pending };
    }
    case 'typing': {
      if (action.user.id === state.me?.id) return state;
      const room = { ...(state.typing[action.roomId] ?? {}), [action.user.id]: { user: action.user, until: action.until } };
      return { ...state, typing: { ...state.typing, [action.roomId]: room } };
    }
    case 'typing.expire': {
      let changed = false;
      const typing: ChatState['typing'] = {};
      for (const [roomId, users] of Object.entries(state.typing)) {
        const kept: Record<string, { user: User; until: number }> = {};
        for (const [uid, t] of Object.entries(users)) {
          if (t.until > action.now) kept[uid] = t;
          else changed = true;
        }
        typing[roomId] = kept;
      }
      return changed ? { ...state, typing } : state;
    }
    case 'presence':
      if (!!state.online[action.userId] === action.online) return state;
      return { ...state, online: { ...state.online, [action.userId]: action.online } };
    case 'connection':
      return { ...state, connection: action.state };
    case 'notice':
      return { ...state, notice: action.text };
  }
}

/** Top-level messages of a room in order (thread replies live in the thread panel). */
export function timelineMessages(tl: RoomTimeline | undefined, parentId: string | null = null): Message[] {
  if (!tl) return [];
  return Object.values(tl.byId)
    .filter((m) => m.parentId === parentId)
    .sort((a, b) => a.seq - b.seq);
}

export interface Store {
  getState(): ChatState;
  dispatch(action: Action): void;
  subscribe(fn: () => void): () => void;
}

export function createStore(initial: ChatState = initialState): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next !== state) {
        state = next;
        for (const l of listeners) l();
      }
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
