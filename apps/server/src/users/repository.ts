import type { Kysely, Selectable } from 'kysely';
import type { DB, UsersTable } from '../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export class UsersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  byId(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
  }

  byIds(ids: string[]): Promise<UserRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
  }

  insert(row: { id: string; username: string; displayName: string; passwordHash: string }): Promise<UserRow> {
    return this.db
      .insertInto('users')
      .values({ id: row.id, username: row.username, username_lower: row.username.toLowerCase(), display_name: row.displayName, password_hash: row.passwordHash })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async updatePassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  search(query: string, limit: number): Promise<UserRow[]> {
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username_lower', 'like', pattern), eb(eb.fn('lower', ['display_name']), 'like', pattern)]))
      .orderBy('username_lower')
      .limit(limit)
      .execute();
  }
}
