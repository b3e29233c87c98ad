import { describe, expect, it } from 'vitest';
import { initialState, reducer, timelineMessages } from './store';
import { alice, bob, msg, ROOM } from '../test/fixtures';
import type { Room } from '@parley/protocol';

const room: Room = { id: ROOM, kind: 'public', name: 'general', topic: '', createdAt: '', archived: false, headSeq: 10, memberCount: 2, role: 'member', lastReadSeq: 10, unread: 0 };

describe('chat store', () => {
  it('keeps the newest version of a message and ignores stale ones', () => {
    let s = reducer(initialState, { type: 'messages.merge', roomId: ROOM, items: [msg({ seq: 1, versionSeq: 5, body: 'edited' })] });
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [msg({ seq: 1, versionSeq: 1, body: 'original' })] });
    expect(timelineMessages(s.timelines[ROOM]).map((m) => m.body)).toEqual(['edited']);
  });

  it('orders by seq and keeps thread replies out of the main timeline', () => {
    const root = msg({ seq: 2 });
    const s = reducer(initialState, { type: 'messages.merge', roomId: ROOM, items: [msg({ seq: 3, parentId: root.id }), root, msg({ seq: 1 })] });
    expect(timelineMessages(s.timelines[ROOM]).map((m) => m.seq)).toEqual([1, 2]);
    expect(timelineMessages(s.timelines[ROOM], root.id).map((m) => m.seq)).toEqual([3]);
  });

  it('counts unread live messages from others in rooms not on screen', () => {
    let s = reducer(initialState, { type: 'signedIn', me: alice });
    s = reducer(s, { type: 'rooms.set', rooms: [room] });
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [msg({ seq: 11, author: bob }), msg({ seq: 12, author: alice })], live: true });
    expect(s.rooms[ROOM]!.unread).toBe(1);
    expect(s.rooms[ROOM]!.headSeq).toBe(12);
    // The same event again (sync after reconnect) does not count twice.
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [msg({ seq: 11, author: bob })], live: true });
    expect(s.rooms[ROOM]!.unread).toBe(1);
    s = reducer(s, { type: 'read', roomId: ROOM, seq: 12 });
    expect(s.rooms[ROOM]).toMatchObject({ unread: 0, lastReadSeq: 12 });
  });

  it('tracks the last contiguous seq for resuming', () => {
    let s = reducer(initialState, { type: 'rooms.set', rooms: [room] });
    expect(s.lastSeq[ROOM]).toBe(10);
    s = reducer(s, { type: 'seq.advance', roomId: ROOM, seq: 14 });
    s = reducer(s, { type: 'seq.advance', roomId: ROOM, seq: 12 });
    expect(s.lastSeq[ROOM]).toBe(14);
  });

  it('pages older history and remembers where it ends', () => {
    let s = reducer(initialState, { type: 'page.loaded', roomId: ROOM, items: [msg({ seq: 60 }), msg({ seq: 61 })], prevCursor: 60, newest: true });
    expect(s.timelines[ROOM]).toMatchObject({ loaded: true, hasOlder: true, oldestCursor: 60 });
    s = reducer(s, { type: 'page.loaded', roomId: ROOM, items: [msg({ seq: 1 })], prevCursor: null, newest: false });
    expect(s.timelines[ROOM]).toMatchObject({ hasOlder: false, oldestCursor: 1 });
    expect(timelineMessages(s.timelines[ROOM]).map((m) => m.seq)).toEqual([1, 60, 61]);
  });

  it('counts a new reply on its thread once, whatever order the events come in', () => {
    const root = msg({ seq: 1 });
    const reply = msg({ seq: 2, parentId: root.id });
    let s = reducer(initialState, { type: 'messages.merge', roomId: ROOM, items: [root] });
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [reply], live: true });
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [reply], live: true });
    expect(s.timelines[ROOM]!.byId[root.id]).toMatchObject({ replyCount: 1, versionSeq: 2 });
    // The server's own state of the parent (same versionSeq) agrees and replaces it.
    s = reducer(s, { type: 'messages.merge', roomId: ROOM, items: [{ ...root, replyCount: 1, versionSeq: 2 }] });
    expect(s.timelines[ROOM]!.byId[root.id]!.replyCount).toBe(1);
    // A parent fetched after the reply already counts it: no double count.
    let t = reducer(initialState, { type: 'messages.merge', roomId: ROOM, items: [{ ...root, replyCount: 1, versionSeq: 2 }] });
    t = reducer(t, { type: 'messages.merge', roomId: ROOM, items: [reply] });
    expect(t.timelines[ROOM]!.byId[root.id]!.replyCount).toBe(1);
  });
});
