import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, RoomsTable } from '../db/schema.js';
import type { RoomRole } from '@parley/protocol';

export type RoomRow = Selectable<RoomsTable>;
export type RoomWithMembership = RoomRow & { role: RoomRole | null; last_read_seq: number | null; member_count: number };

export class RoomsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  byId(id: string): Promise<RoomRow | undefined> {
    return this.db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byDmKey(key: string): Promise<RoomRow | undefined> {
    return this.db.selectFrom('rooms').selectAll().where('dm_key', '=', key).executeTakeFirst();
  }

  private withMembership(userId: string) {
    return this.db
      .selectFrom('rooms')
      .leftJoin('room_members as me', (join) => join.onRef('me.room_id', '=', 'rooms.id').on('me.user_id', '=', userId))
      .selectAll('rooms')
      .select(['me.role', 'me.last_read_seq'])
      .select((eb) => eb.selectFrom('room_members as c').whereRef('c.room_id', '=', 'rooms.id').select(eb.fn.countAll<number>().as('n')).as('member_count'));
  }

  async forUser(roomId: string, userId: string): Promise<RoomWithMembership | undefined> {
    return (await this.withMembership(userId).where('rooms.id', '=', roomId).executeTakeFirst()) as RoomWithMembership | undefined;
  }

  async mine(userId: string): Promise<RoomWithMembership[]> {
    return (await this.withMembership(userId).where('me.user_id', '=', userId).orderBy('rooms.created_at').execute()) as RoomWithMembership[];
  }

  async publicRooms(userId: string, query: string | undefined, limit: number): Promise<RoomWithMembership[]> {
    let q = this.withMembership(userId).where('rooms.kind', '=', 'public').where('rooms.archived_at', 'is', null);
    if (query) q = q.where(sql`lower(rooms.name)`, 'like', `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    return (await q.orderBy(sql`lower(rooms.name)`).limit(limit).execute()) as RoomWithMembership[];
  }

  async create(room: { id: string; kind: RoomRow['kind']; name: string; topic: string; dmKey: string | null; createdBy: string }, members: { userId: string; role: RoomRole }[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('rooms').values({ id: room.id, kind: room.kind, name: room.name, topic: room.topic, dm_key: room.dmKey, created_by: room.createdBy }).execute();
      await tx.insertInto('room_members').values(members.map((m) => ({ room_id: room.id, user_id: m.userId, role: m.role }))).execute();
    });
  }

  async update(id: string, changes: { name?: string; topic?: string; archived_at?: Date }): Promise<void> {
    await this.db.updateTable('rooms').set(changes).where('id', '=', id).execute();
  }

  role(roomId: string, userId: string): Promise<{ role: RoomRole } | undefined> {
    return this.db.selectFrom('room_members').select('role').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
  }

  /** Adds a member; false when already one. The member starts with everything before now read. */
  async addMember(roomId: string, userId: string, role: RoomRole): Promise<boolean> {
    const result = await this.db
      .insertInto('room_members')
      .values((eb) => ({ room_id: roomId, user_id: userId, role, last_read_seq: eb.selectFrom('rooms').select('last_seq').where('id', '=', roomId) }))
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    return result !== undefined;
  }

  async removeMember(roomId: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).returning('user_id').executeTakeFirst();
    return result !== undefined;
  }

  async setRole(roomId: string, userId: string, role: RoomRole): Promise<void> {
    await this.db.updateTable('room_members').set({ role }).where('room_id', '=', roomId).where('user_id', '=', userId).execute();
  }

  members(roomId: string) {
    return this.db
      .selectFrom('room_members')
      .innerJoin('users', 'users.id', 'room_members.user_id')
      .select(['users.id', 'users.username', 'users.display_name', 'users.created_at', 'room_members.role', 'room_members.joined_at', 'room_members.last_read_seq'])
      .where('room_members.room_id', '=', roomId)
      .orderBy('room_members.joined_at')
      .execute();
  }

  memberIds(roomId: string): Promise<string[]> {
    return this.db.selectFrom('room_members').select('user_id').where('room_id', '=', roomId).execute().then((rows) => rows.map((r) => r.user_id));
  }

  roomIdsOf(userId: string): Promise<string[]> {
    return this.db.selectFrom('room_members').select('room_id').where('user_id', '=', userId).execute().then((rows) => rows.map((r) => r.room_id));
  }

  /** Oldest remaining admin, else oldest member: the successor when an owner leaves. */
  successor(roomId: string) {
    return this.db
      .selectFrom('room_members')
      .select('user_id')
      .where('room_id', '=', roomId)
      .orderBy(sql`CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`)
      .orderBy('joined_at')
      .limit(1)
      .executeTakeFirst();
  }

  /** Moves a read marker forward only, never past the head. */
  async markRead(roomId: string, userId: string, seq: number): Promise<number | undefined> {
    const row = await this.db
      .updateTable('room_members')
      .set(() => ({
        last_read_seq: sql<number>`LEAST(GREATEST(room_members.last_read_seq, ${seq}), (SELECT last_seq FROM rooms WHERE id = ${roomId}))`,
      }))
      .where('room_id', '=', roomId)
      .where('user_id', '=', userId)
      .returning('last_read_seq')
      .executeTakeFirst();
    return row?.last_read_seq;
  }

  async unread(roomId: string, userId: string, afterSeq: number): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('room_id', '=', roomId)
      .where('seq', '>', afterSeq)
      .where('parent_id', 'is', null)
      .where('deleted_at', 'is', null)
      .where('author_id', '<>', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
