import type { Attachment, Message, ReactionSummary, User } from '@parley/protocol';
import type { Selectable } from 'kysely';
import type { UploadsTable } from '../db/schema.js';
import { iso } from '../users/presenter.js';
import type { MessageRow } from './repository.js';

export function presentAttachment(row: Selectable<UploadsTable>): Attachment {
  return {
    id: row.id,
    roomId: row.room_id,
    filename: row.filename,
    contentType: row.content_type,
    size: Number(row.size),
    url: `/api/v1/uploads/${row.id}`,
    createdAt: iso(row.created_at),
  };
}

export function summariseReactions(rows: { emoji: string; user_id: string }[]): ReactionSummary[] {
  const byEmoji = new Map<string, string[]>();
  for (const row of rows) {
    const users = byEmoji.get(row.emoji) ?? [];
    users.push(row.user_id);
    byEmoji.set(row.emoji, users);
  }
  return [...byEmoji].map(([emoji, userIds]) => ({ emoji, count: userIds.length, userIds }));
}

/** A deleted message keeps its place (id, seq, author, thread) as a tombstone without content. */
export function presentMessage(row: MessageRow, author: User, reactions: ReactionSummary[], attachments: Attachment[]): Message {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    versionSeq: Number(row.version_seq),
    author,
    body: deleted ? '' : row.body,
    parentId: row.parent_id,
    replyCount: Number(row.reply_count),
    reactions: deleted ? [] : reactions,
    attachments: deleted ? [] : attachments,
    clientKey: row.client_key,
    createdAt: iso(row.created_at),
    editedAt: row.edited_at ? iso(row.edited_at) : null,
    deletedAt: row.deleted_at ? iso(row.deleted_at) : null,
  };
}
