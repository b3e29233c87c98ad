import type { Message, User } from '@parley/protocol';

export const alice: User = { id: '00000000-0000-4000-8000-00000000000a', username: 'alice', displayName: 'Alice', createdAt: '2026-01-01T00:00:00.000Z' };
export const bob: User = { id: '00000000-0000-4000-8000-00000000000b', username: 'bob', displayName: 'Bob', createdAt: '2026-01-01T00:00:00.000Z' };
export const ROOM = '00000000-0000-4000-8000-0000000000r1'.replace('r1', '001');

let n = 0;
export function msg(over: Partial<Message> & { seq: number }): Message {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(over.seq).padStart(12, '0')}`,
    roomId: ROOM,
    versionSeq: over.seq,
    author: bob,
    body: `message ${n}`,
    parentId: null,
    replyCount: 0,
    reactions: [],
    attachments: [],
    clientKey: null,
    createdAt: '2026-03-02T10:00:00.000Z',
    editedAt: null,
    deletedAt: null,
    ...over,
  };
}
