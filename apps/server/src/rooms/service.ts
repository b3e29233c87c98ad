import { randomUUID } from 'node:crypto';
import type { Member, Room, RoomKind, RoomRole, User } from '@parley/protocol';
import type { Infra } from '../context.js';
import { cached } from '../infra/cache.js';
import { AppError, forbidden, notFound } from '../http/problem.js';
import type { EventPublisher } from '../realtime/events.js';
import type { UsersService } from '../users/service.js';
import { can, hidesExistence, type RoomAction } from './policy.js';
import { presentMember, presentRoom } from './presenter.js';
import { RoomsRepository, type RoomWithMembership } from './repository.js';

const MEMBERSHIP_TTL_MS = 60_000;
const ROOM_TTL_MS = 60_000;
const UNREAD_TTL_MS = 10 * 60_000;

export interface RoomAccess {
  roomId: string;
  kind: RoomKind;
  archived: boolean;
  role: RoomRole | null;
}

/**
 * Rooms and membership. Membership and room facts are cached (shared through Redis when
 * configured) and every change deletes the affected keys before it is acknowledged, so a
 * revoked membership takes effect immediately on every replica.
 */
export class RoomsService {
  readonly repo: RoomsRepository;

  constructor(
    private readonly infra: Infra,
    private readonly users: UsersService,
    private readonly events: EventPublisher,
  ) {
    this.repo = new RoomsRepository(infra.database.db);
  }

  // ---- access checks (hot path: every message read and write) ----------------------------

  private async roomFacts(roomId: string): Promise<{ kind: RoomKind; archived: boolean } | null> {
    return cached(this.infra.cache, 'room', `room:${roomId}`, ROOM_TTL_MS, async () => {
      const row = await this.repo.byId(roomId);
      return row ? { kind: row.kind, archived: row.archived_at !== null } : null;
    });
  }

  async roleOf(roomId: string, userId: string): Promise<RoomRole | null> {
    const value = await cached(this.infra.cache, 'membership', `member:${roomId}:${userId}`, MEMBERSHIP_TTL_MS, async () => {
      const row = await this.repo.role(roomId, userId);
      return row?.role ?? 'none';
    });
    return value === 'none' ? null : (value as RoomRole);
  }

  /** Loads the caller's access to a room and checks one action; non-members of private rooms get 404. */
  async authorize(roomId: string, userId: string, action: RoomAction): Promise<RoomAccess> {
    // Two independent cache reads: one round trip instead of two.
    const [facts, role] = await Promise.all([this.roomFacts(roomId), this.roleOf(roomId, userId)]);
    if (!facts) throw notFound('No such room');
    if (!can(facts.kind, role, action)) {
      if (hidesExistence(facts.kind, role)) throw notFound('No such room');
      if (role === null) throw forbidden('Join the room first');
      throw forbidden(`Your role in this room does not allow ${action.replace('-', ' ')}`);
    }
    return { roomId, kind: facts.kind, archived: facts.archived, role };
  }

  private async invalidateMembership(roomId: string, userId: string): Promise<void> {
    await this.infra.cache.del(`member:${roomId}:${userId}`);
  }

  // ---- unread counts ---------------------------------------------------------------------

  /**
   * Unread count of a member. Every change to a room's messages (new, edited, deleted, reacted)
   * takes the room's next seq, so (lastReadSeq, headSeq) identifies the answer exactly: the cache
   * key needs no invalidation and a send costs no cache write.
   */
  async unread(roomId: string, userId: string, lastReadSeq: number, headSeq: number): Promise<number> {
    if (lastReadSeq >= headSeq) return 0;
    return cached(this.infra.cache, 'unread', `unread:${roomId}:${userId}:${lastReadSeq}:${headSeq}`, UNREAD_TTL_MS, () => this.repo.unread(roomId, userId, lastReadSeq));
  }

  private async present(row: RoomWithMembership, userId: string): Promise<Room> {
    const unread = row.role ? await this.unread(row.id, userId, Number(row.last_read_seq ?? 0), Number(row.last_seq)) : 0;
    let peers: User[] | undefined;
    if (row.kind === 'dm') {
      const ids = (await this.repo.memberIds(row.id)).filter((id) => id !== userId);
      peers = [...(await this.users.profiles(ids)).values()];
    }
    return presentRoom(row, unread, peers);
  }

  async view(roomId: string, userId: string): Promise<Room> {
    await this.authorize(roomId, userId, 'view');
    const row = await this.repo.forUser(roomId, userId);
    if (!row) throw notFound('No such room');
    return this.present(row, userId);
  }

  async mine(userId: string): Promise<Room[]> {
    const rows = await this.repo.mine(userId);
    return Promise.all(rows.map((row) => this.present(row, userId)));
  }

  async publicRooms(userId: string, query: string | undefined, limit = 50): Promise<Room[]> {
    const rows = await this.repo.publicRooms(userId, query, limit);
    return Promise.all(rows.map((row) => this.present(row, userId)));
  }

  // ---- lifecycle -------------------------------------------------------------------------

  async create(userId: string, input: { kind: 'public' | 'private'; name: string; topic?: string }): Promise<Room> {
    const id = randomUUID();
    await this.repo.create({ id, kind: input.kind, name: input.name.trim(), topic: input.topic?.trim() ?? '', dmKey: null, createdBy: userId }, [{ userId, role: 'owner' }]);
    const room = await this.view(id, userId);
    await this.events.toUser(userId, { type: 'room', action: 'added', room });
    return room;
  }

  /** The direct-message room between two users, created on first use (one per pair). */
  async direct(userId: string, otherId: string): Promise<{ room: Room; created: boolean }> {
    if (otherId === userId) throw new AppError('bad-request', 'A direct message needs another user');
    const other = await this.users.profile(otherId);
    const me = await this.users.profile(userId);
    const dmKey = [userId, otherId].sort().join(':');
    let created = false;
    if (!(await this.repo.byDmKey(dmKey))) {
      try {
        await this.repo.create({ id: randomUUID(), kind: 'dm', name: `${me.username}, ${other.username}`, topic: '', dmKey, createdBy: userId }, [
          { userId, role: 'member' },
          { userId: otherId, role: 'member' },
        ]);
        created = true;
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err; // created concurrently: use that one
      }
    }
    const row = await this.repo.byDmKey(dmKey);
    if (!row) throw new AppError('internal');
    const room = await this.view(row.id, userId);
    if (created) {
      await this.events.toUser(userId, { type: 'room', action: 'added', room });
      await this.events.toUser(otherId, { type: 'room', action: 'added', room: await this.view(row.id, otherId) });
    }
    return { room, created };
  }

  async update(roomId: string, userId: string, changes: { name?: string; topic?: string }): Promise<Room> {
    const access = await this.authorize(roomId, userId, 'update');
    if (access.archived) throw new AppError('room-archived', 'An archived room cannot be changed');
    await this.repo.update(roomId, { ...(changes.name !== undefined ? { name: changes.name.trim() } : {}), ...(changes.topic !== undefined ? { topic: changes.topic.trim() } : {}) });
    return this.announceUpdate(roomId, userId);
  }

  async archive(roomId: string, userId: string): Promise<Room> {
    await this.authorize(roomId, userId, 'archive');
    await this.repo.update(roomId, { archived_at: new Date() });
    await this.infra.cache.del(`room:${roomId}`);
    return this.announceUpdate(roomId, userId);
  }

  private async announceUpdate(roomId: string, userId: string): Promise<Room> {
    await this.infra.cache.del(`room:${roomId}`);
    const room = await this.view(roomId, userId);
    // Per-user fields (role, unread, lastReadSeq) in this broadcast are the actor's; clients merge name/topic/archived.
    await this.events.toRoom(roomId, { type: 'room', action: 'updated', room });
    return room;
  }

  async join(roomId: string, userId: string): Promise<Room> {
    const access = await this.authorize(roomId, userId, 'join');
    if (access.role) return this.view(roomId, userId); // already a member: joining is idempotent
    if (access.archived) throw new AppError('room-archived', 'An archived room cannot be joined');
    await this.repo.addMember(roomId, userId, 'member');
    await this.invalidateMembership(roomId, userId);
    return this.announceJoin(roomId, userId);
  }

  private async announceJoin(roomId: string, userId: string): Promise<Room> {
    const room = await this.view(roomId, userId);
    await this.events.toRoom(roomId, { type: 'member', roomId, user: await this.users.profile(userId), action: 'joined', role: 'member' });
    await this.events.toUser(userId, { type: 'room', action: 'added', room });
    return room;
  }

  async invite(roomId: string, userId: string, inviteeId: string): Promise<Member> {
    const access = await this.authorize(roomId, userId, 'invite');
    if (access.archived) throw new AppError('room-archived', 'An archived room cannot take new members');
    await this.users.profile(inviteeId); // 404 for an unknown user
    if (!(await this.repo.addMember(roomId, inviteeId, 'member'))) throw new AppError('conflict', 'That user is already a member');
    await this.invalidateMembership(roomId, inviteeId);
    await this.announceJoin(roomId, inviteeId);
    return (await this.members(roomId, userId)).find((m) => m.user.id === inviteeId)!;
  }

  async leave(roomId: string, userId: string): Promise<void> {
    const access = await this.authorize(roomId, userId, 'leave');
    await this.removeAndAnnounce(roomId, userId, 'left');
    if (access.role === 'owner') {
      const next = await this.repo.successor(roomId);
      if (next) {
        await this.repo.setRole(roomId, next.user_id, 'owner');
        await this.invalidateMembership(roomId, next.user_id);
        await this.events.toRoom(roomId, { type: 'member', roomId, user: await this.users.profile(next.user_id), action: 'role', role: 'owner' });
      }
    }
  }

  async kick(roomId: string, userId: string, targetId: string): Promise<void> {
    if (targetId === userId) return this.leave(roomId, userId);
    await this.authorize(roomId, userId, 'kick-member');
    const target = await this.roleOf(roomId, targetId);
    if (!target) throw notFound('That user is not a member');
    if (target === 'owner') throw forbidden('The owner cannot be removed');
    if (target === 'admin') await this.authorize(roomId, userId, 'kick-admin');
    await this.removeAndAnnounce(roomId, targetId, 'removed');
  }

  private async removeAndAnnounce(roomId: string, userId: string, action: 'left' | 'removed'): Promise<void> {
    await this.repo.removeMember(roomId, userId);
    // Invalidate before answering: from here on every replica refuses this user's reads.
    await this.invalidateMembership(roomId, userId);
    const user = await this.users.profile(userId);
    await this.events.toRoom(roomId, { type: 'member', roomId, user, action, role: null });
    const row = await this.repo.forUser(roomId, userId);
    if (row) await this.events.toUser(userId, { type: 'room', action: 'removed', room: presentRoom(row, 0) });
  }

  async setRole(roomId: string, userId: string, targetId: string, role: 'admin' | 'member'): Promise<Member> {
    await this.authorize(roomId, userId, 'set-role');
    const current = await this.roleOf(roomId, targetId);
    if (!current) throw notFound('That user is not a member');
    if (current === 'owner') throw forbidden("The owner's role cannot be changed");
    await this.repo.setRole(roomId, targetId, role);
    await this.invalidateMembership(roomId, targetId);
    await this.events.toRoom(roomId, { type: 'member', roomId, user: await this.users.profile(targetId), action: 'role', role });
    return (await this.members(roomId, userId)).find((m) => m.user.id === targetId)!;
  }

  async members(roomId: string, userId: string): Promise<Member[]> {
    await this.authorize(roomId, userId, 'read');
    const rows = await this.repo.members(roomId);
    const online = await this.infra.presence.onlineAmong(rows.map((r) => r.id));
    return rows.map((row) => presentMember(row, online.has(row.id)));
  }

  async markRead(roomId: string, userId: string, seq: number): Promise<{ roomId: string; lastReadSeq: number; unread: number }> {
    await this.authorize(roomId, userId, 'read');
    const lastReadSeq = (await this.repo.markRead(roomId, userId, seq)) ?? 0;
    const facts = await this.repo.byId(roomId);
    const unread = await this.unread(roomId, userId, lastReadSeq, Number(facts?.last_seq ?? 0));
    await this.events.toRoom(roomId, { type: 'read', roomId, userId, seq: lastReadSeq });
    return { roomId, lastReadSeq, unread };
  }
}
