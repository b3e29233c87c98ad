import { type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { DB, MessagesTable } from '../db/schema.js';

export type MessageRow = Selectable<MessagesTable>;

/** A message without parent or attachments: the common case, which group commit batches. */
export interface PlainMessage {
  id: string;
  roomId: string;
  authorId: string;
  body: string;
  clientKey: string;
}

export class ArchivedRoomError extends Error {}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

/**
 * The columns of MessageRow, named: a prepared statement must not return `*`, or a migration that
 * adds a column (expand-only, while older servers still run) would make PostgreSQL refuse the
 * cached plan ("cached plan must not change result type") on every connection of those servers.
 */
const MESSAGE_COLUMNS = 'id, room_id, seq, version_seq, author_id, body, parent_id, client_key, reply_count, created_at, edited_at, deleted_at';

/** One plain message: the room's next seq is taken in the same statement (see insert()). */
const INSERT_ONE = `
  WITH s AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $2 AND archived_at IS NULL RETURNING last_seq)
  INSERT INTO messages (id, room_id, seq, version_seq, author_id, body, parent_id, client_key)
  SELECT $1, $2, s.last_seq, s.last_seq, $3, $4, NULL, $5 FROM s
  RETURNING ${MESSAGE_COLUMNS}`;

/** Many plain messages as one JSON parameter (see insertBatch()). */
const INSERT_BATCH = `
  WITH input AS (
    SELECT * FROM json_to_recordset($1::json) AS t(ord int, id uuid, room_id uuid, author_id uuid, body text, client_key text)
  ), fresh AS (
    SELECT i.*, row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord) AS rn
    FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = i.room_id AND m.author_id = i.author_id AND m.client_key = i.client_key)
  ), counts AS (
    SELECT room_id, count(*) AS n FROM fresh GROUP BY room_id
  ), locked AS (
    SELECT r.id FROM rooms r WHERE r.id IN (SELECT room_id FROM counts) AND r.archived_at IS NULL ORDER BY r.id FOR UPDATE
  ), bumped AS (
    UPDATE rooms r SET last_seq = r.last_seq + c.n FROM counts c, locked l
    WHERE r.id = c.room_id AND l.id = r.id
    RETURNING r.id, r.last_seq - c.n AS base
  )
  INSERT INTO messages (id, room_id, seq, version_seq, author_id, body, parent_id, client_key)
  SELECT f.id, f.room_id, b.base + f.rn, b.base + f.rn, f.author_id, f.body, NULL, f.client_key
  FROM fresh f JOIN bumped b ON b.id = f.room_id
  RETURNING ${MESSAGE_COLUMNS}`;

export class MessagesRepository {
  private readonly db: Kysely<DB>;
  constructor(private readonly database: Database) {
    this.db = database.db;
  }

  byId(roomId: string, id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId).where('id', '=', id).executeTakeFirst();
  }

  byClientKey(roomId: string, authorId: string, clientKey: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId).where('author_id', '=', authorId).where('client_key', '=', clientKey).executeTakeFirst();
  }

  /**
   * Commits a message with the room's next sequence number. The UPDATE of rooms.last_seq
   * takes the room row's lock until commit, so sequence numbers are gapless and committed in
   * order. A plain message is one statement (one round trip); a reply or one with attachments
   * also updates the parent / claims the uploads in the same transaction.
   * Returns undefined when the idempotency key was used already (the caller loads the original).
   */
  async insert(msg: { id: string; roomId: string; authorId: string; body: string; clientKey: string; parentId: string | null; attachmentIds: string[] }): Promise<MessageRow | undefined> {
    try {
      if (!msg.parentId && msg.attachmentIds.length === 0) {
        const rows = await this.database.prepared<MessageRow>('insert_message', INSERT_ONE, [msg.id, msg.roomId, msg.authorId, msg.body, msg.clientKey]);
        if (!rows[0]) throw new ArchivedRoomError();
        return rows[0];
      }
      return await this.db.transaction().execute(async (tx) => {
        const seq = await this.nextSeq(tx, msg.roomId);
        const row = await tx
          .insertInto('messages')
          .values({ id: msg.id, room_id: msg.roomId, seq, version_seq: seq, author_id: msg.authorId, body: msg.body, parent_id: msg.parentId, client_key: msg.clientKey })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (msg.parentId) {
          // The parent's new reply count is part of this event (same seq): resuming clients see it.
          await tx.updateTable('messages').set((eb) => ({ reply_count: eb('reply_count', '+', 1), version_seq: seq })).where('id', '=', msg.parentId).execute();
        }
        if (msg.attachmentIds.length) {
          const claimed = await tx
            .updateTable('uploads')
            .set({ message_id: msg.id })
            .where('id', 'in', msg.attachmentIds)
            .where('room_id', '=', msg.roomId)
            .where('uploader_id', '=', msg.authorId)
            .where('message_id', 'is', null)
            .returning('id')
            .execute();
          if (claimed.length !== msg.attachmentIds.length) throw new AttachmentError();
        }
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  /**
   * Commits many plain messages (no parent, no attachments) in one statement and one transaction:
   * the group commit of `group-commit.ts`. Per room it takes the row lock (rooms in id order, so two
   * batches never wait on each other in a cycle), raises last_seq by the number of new messages and
   * numbers them in input order, so sequences stay gapless. Messages whose idempotency key was used
   * already are skipped before any seq is taken; messages of an archived room are not inserted.
   * Returns the inserted rows; a message missing from them was a retry or hit an archived room.
   * Throws (inserting nothing) on a concurrent duplicate or any bad row: the caller retries one by one.
   */
  async insertBatch(msgs: PlainMessage[]): Promise<MessageRow[]> {
    const input = JSON.stringify(msgs.map((m, ord) => ({ ord, id: m.id, room_id: m.roomId, author_id: m.authorId, body: m.body, client_key: m.clientKey })));
    return this.database.prepared<MessageRow>('insert_message_batch', INSERT_BATCH, [input]);
  }

  private async nextSeq(tx: Transaction<DB>, roomId: string): Promise<number> {
    const row = await tx
      .updateTable('rooms')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', roomId)
      .where('archived_at', 'is', null)
      .returning('last_seq')
      .executeTakeFirst();
    if (!row) throw new ArchivedRoomError();
    return Number(row.last_seq);
  }

  /** Applies a change to a message as a new room event (next seq); undefined when the message is gone. */
  async change(roomId: string, id: string, apply: (tx: Transaction<DB>, seq: number) => Promise<boolean>): Promise<MessageRow | undefined> {
    return this.db
      .transaction()
      .execute(async (tx) => {
        const seq = await this.nextSeq(tx, roomId);
        if (!(await apply(tx, seq))) throw new NothingChanged();
        return tx.updateTable('messages').set({ version_seq: seq }).where('id', '=', id).where('room_id', '=', roomId).returningAll().executeTakeFirst();
      })
      .catch((err) => {
        if (err instanceof NothingChanged) return undefined;
        throw err;
      });
  }

  /** Keyset page on seq; always returned oldest first, with one extra row to tell if more exist. */
  async page(roomId: string, opts: { before?: number; after?: number; limit: number; parentId?: string }): Promise<{ rows: MessageRow[]; moreBefore: boolean; moreAfter: boolean }> {
    let q = this.db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
    q = opts.parentId ? q.where('parent_id', '=', opts.parentId) : q.where('parent_id', 'is', null);
    if (opts.after !== undefined) {
      const rows = await q.where('seq', '>', opts.after).orderBy('seq', 'asc').limit(opts.limit + 1).execute();
      const moreAfter = rows.length > opts.limit;
      return { rows: rows.slice(0, opts.limit), moreBefore: true, moreAfter };
    }
    if (opts.before !== undefined) q = q.where('seq', '<', opts.before);
    const rows = await q.orderBy('seq', 'desc').limit(opts.limit + 1).execute();
    const moreBefore = rows.length > opts.limit;
    return { rows: rows.slice(0, opts.limit).reverse(), moreBefore, moreAfter: opts.before !== undefined };
  }

  /** Messages created or changed after `since` (version_seq > since) up to `upTo`, oldest change first. */
  changes(roomId: string, since: number, upTo: number, limit: number): Promise<MessageRow[]> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('version_seq', '>', since)
      .where('version_seq', '<=', upTo)
      .orderBy('version_seq', 'asc')
      .limit(limit)
      .execute();
  }

  reactions(messageIds: string[]) {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('message_reactions').select(['message_id', 'user_id', 'emoji', 'created_at']).where('message_id', 'in', messageIds).orderBy('created_at').execute();
  }

  attachments(messageIds: string[]) {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('uploads').selectAll().where('message_id', 'in', messageIds).orderBy('created_at').execute();
  }
}

export class AttachmentError extends Error {}
class NothingChanged extends Error {}
