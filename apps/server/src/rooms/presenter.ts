import type { Member, Room, User } from '@parley/protocol';
import { iso } from '../users/presenter.js';
import type { RoomWithMembership } from './repository.js';

export function presentRoom(row: RoomWithMembership, unread: number, peers?: User[]): Room {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    topic: row.topic,
    createdAt: iso(row.created_at),
    archived: row.archived_at !== null,
    headSeq: Number(row.last_seq),
    memberCount: Number(row.member_count),
    role: row.role ?? null,
    lastReadSeq: row.last_read_seq === null || row.last_read_seq === undefined ? null : Number(row.last_read_seq),
    unread,
    ...(peers ? { peers } : {}),
  };
}

export function presentMember(row: { id: string; username: string; display_name: string; created_at: Date; role: Member['role']; joined_at: Date; last_read_seq: number }, online: boolean): Member {
  return {
    user: { id: row.id, username: row.username, displayName: row.display_name, createdAt: iso(row.created_at) },
    role: row.role,
    joinedAt: iso(row.joined_at),
    lastReadSeq: Number(row.last_read_seq),
    online,
  };
}
