import type { Kysely, Selectable } from 'kysely';
import type { DB, SessionsTable } from '../db/schema.js';

export type SessionRow = Selectable<SessionsTable>;

export class SessionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(session: { id: string; userId: string; expiresAt: Date; userAgent: string | null }, refreshHash: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('sessions').values({ id: session.id, user_id: session.userId, expires_at: session.expiresAt, user_agent: session.userAgent }).execute();
      await tx.insertInto('refresh_tokens').values({ token_hash: refreshHash, session_id: session.id, expires_at: session.expiresAt }).execute();
    });
  }

  byId(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  refreshToken(hash: string) {
    return this.db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .select(['refresh_tokens.session_id', 'refresh_tokens.used_at', 'refresh_tokens.expires_at', 'sessions.user_id', 'sessions.revoked_at'])
      .where('refresh_tokens.token_hash', '=', hash)
      .executeTakeFirst();
  }

  /**
   * Marks the presented token used and stores its successor, atomically. Returns false when the
   * token had already been used (a concurrent or replayed refresh): the caller revokes the family.
   */
  async rotate(oldHash: string, newHash: string, sessionId: string, expiresAt: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const used = await tx
        .updateTable('refresh_tokens')
        .set({ used_at: new Date() })
        .where('token_hash', '=', oldHash)
        .where('used_at', 'is', null)
        .returning('token_hash')
        .executeTakeFirst();
      if (!used) return false;
      await tx.insertInto('refresh_tokens').values({ token_hash: newHash, session_id: sessionId, expires_at: expiresAt }).execute();
      return true;
    });
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: new Date() }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
  }

  /** Revokes every session of a user except one; returns the revoked ids. */
  async revokeAllExcept(userId: string, keep: string | null): Promise<string[]> {
    let q = this.db.updateTable('sessions').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (keep) q = q.where('id', '<>', keep);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }
}
