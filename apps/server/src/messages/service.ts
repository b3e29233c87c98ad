import { randomUUID } from 'node:crypto';
import { LIMITS, type Changes, type Message, type MessagePage } from '@parley/protocol';
import type { Infra } from '../context.js';
import { AppError, forbidden, notFound } from '../http/problem.js';
import { metrics } from '../observability/metrics.js';
import type { EventPublisher } from '../realtime/events.js';
import type { RoomsService } from '../rooms/service.js';
import type { UsersService } from '../users/service.js';
import { presentAttachment, presentMessage, summariseReactions } from './presenter.js';
import { GroupCommit } from './group-commit.js';
import { ArchivedRoomError, AttachmentError, MessagesRepository, type MessageRow } from './repository.js';

export interface SendInput {
  body: string;
  clientKey: string;
  parentId?: string;
  attachmentIds?: string[];
}

/** Message bodies: trimmed of trailing whitespace; must keep visible content. */
function cleanBody(body: string): string {
  const cleaned = body.replace(/\s+$/u, '');
  if (cleaned.trim().length === 0) throw new AppError('validation', 'A message needs some text', { errors: [{ path: '/body', message: 'must not be blank' }] });
  if (cleaned.length > LIMITS.messageBodyMax) {
    throw new AppError('validation', `A message may have at most ${LIMITS.messageBodyMax} characters`, { errors: [{ path: '/body', message: `must NOT have more than ${LIMITS.messageBodyMax} characters` }] });
  }
  return cleaned;
}

export class MessagesService {
  readonly repo: MessagesRepository;
  private readonly groupCommit: GroupCommit;

  constructor(
    private readonly infra: Infra,
    private readonly rooms: RoomsService,
    private readonly users: UsersService,
    private readonly events: EventPublisher,
  ) {
    this.repo = new MessagesRepository(infra.database);
    this.groupCommit = new GroupCommit(this.repo);
  }

  /** Turns rows into DTOs with authors, reactions and attachments loaded in batches. */
  async present(rows: MessageRow[]): Promise<Message[]> {
    const ids = rows.map((r) => r.id);
    const [authors, reactions, attachments] = await Promise.all([
      this.users.profiles(rows.map((r) => r.author_id)),
      this.repo.reactions(ids),
      this.repo.attachments(ids),
    ]);
    return rows.map((row) =>
      presentMessage(
        row,
        authors.get(row.author_id)!,
        summariseReactions(reactions.filter((r) => r.message_id === row.id)),
        attachments.filter((a) => a.message_id === row.id).map(presentAttachment),
      ),
    );
  }

  private async presentOne(row: MessageRow): Promise<Message> {
    return (await this.present([row]))[0]!;
  }

  /**
   * Commits a message and only then returns it (the acknowledgement). A retry with the same
   * clientKey returns the original message with created=false and publishes nothing new.
   *
   * `admission` (the WebSocket gateway's rate-limit check) runs alongside the access check and the
   * author's profile lookup: one cache round trip before the insert instead of three in a row. It
   * decides first, so a limited sender is told so (and nothing is written) whatever else fails.
   */
  async send(userId: string, roomId: string, input: SendInput, admission?: Promise<void>): Promise<{ message: Message; created: boolean }> {
    const author = this.users.profile(userId);
    author.catch(() => undefined); // awaited only once the message is committed
    const [admitted, allowed] = await Promise.allSettled([admission, this.rooms.authorize(roomId, userId, 'post')]);
    if (admitted.status === 'rejected') throw admitted.reason;
    if (allowed.status === 'rejected') throw allowed.reason;
    const access = allowed.value;
    let row: MessageRow | undefined;
    let attachmentIds: string[];
    try {
      ({ row, attachmentIds } = await this.insertChecked(userId, roomId, access.archived, input));
    } catch (err) {
      // A retry is answered with the original even when its input would now be refused (room
      // archived since, attachments already claimed, …). The idempotency lookup runs only on this
      // failure path, so a first send costs one statement instead of a lookup plus the insert.
      const existing = await this.repo.byClientKey(roomId, userId, input.clientKey).catch(() => undefined);
      if (existing) return { message: await this.presentOne(existing), created: false };
      throw err;
    }
    if (!row) {
      // The idempotency key was used already (a retry, or a concurrent retry that won): return the original.
      const original = await this.repo.byClientKey(roomId, userId, input.clientKey);
      if (!original) throw new AppError('internal');
      return { message: await this.presentOne(original), created: false };
    }
    const committedAt = Date.now();
    metrics.messagesCreated.inc({ room_kind: access.kind });
    // A message just created has no reactions yet (a reaction is a later event with its own seq),
    // and has attachments only when it claimed some: a plain message skips those two queries.
    const message = attachmentIds.length ? await this.presentOne(row) : presentMessage(row, await author, [], []);
    await this.events.toRoom(roomId, { type: 'message.created', roomId, seq: message.seq, message }, committedAt);
    return { message, created: true };
  }

  /** Validates and inserts; `row` is undefined when the idempotency key was used already. */
  private async insertChecked(userId: string, roomId: string, archived: boolean, input: SendInput): Promise<{ row: MessageRow | undefined; attachmentIds: string[] }> {
    if (archived) throw new AppError('room-archived', 'This room is archived: nothing new can be posted');
    const body = cleanBody(input.body);
    if (input.parentId) {
      const parent = await this.repo.byId(roomId, input.parentId);
      if (!parent) throw notFound('The message you reply to does not exist in this room');
      if (parent.parent_id) throw new AppError('validation', 'Replies go to the thread’s first message, not to a reply', { errors: [{ path: '/parentId', message: 'must be a top-level message' }] });
    }
    const attachmentIds = [...new Set(input.attachmentIds ?? [])];
    try {
      const msg = { id: randomUUID(), roomId, authorId: userId, body, clientKey: input.clientKey };
      // Plain messages go through group commit; a reply or attachments need their own transaction.
      const row = input.parentId || attachmentIds.length ? await this.repo.insert({ ...msg, parentId: input.parentId ?? null, attachmentIds }) : await this.groupCommit.insert(msg);
      return { row, attachmentIds };
    } catch (err) {
      if (err instanceof ArchivedRoomError) throw new AppError('room-archived', 'This room is archived: nothing new can be posted');
      if (err instanceof AttachmentError) throw new AppError('validation', 'An attachment is unknown, not yours, from another room or already used', { errors: [{ path: '/attachmentIds', message: 'invalid attachment' }] });
      metrics.messageSendFailures.inc({ reason: 'database' });
      throw err;
    }
  }

  private async changeAndAnnounce(roomId: string, messageId: string, reason: 'edited' | 'deleted' | 'reaction', apply: Parameters<MessagesRepository['change']>[2]): Promise<Message> {
    let row: MessageRow | undefined;
    try {
      row = await this.repo.change(roomId, messageId, apply);
    } catch (err) {
      if (err instanceof ArchivedRoomError) throw new AppError('room-archived', 'This room is archived');
      throw err;
    }
    if (!row) {
      const current = await this.repo.byId(roomId, messageId);
      if (!current) throw notFound('No such message');
      return this.presentOne(current); // nothing to change (e.g. reaction already there)
    }
    const message = await this.presentOne(row);
    await this.events.toRoom(roomId, { type: 'message.updated', roomId, seq: message.versionSeq, reason, message });
    return message;
  }

  private async loadLive(roomId: string, messageId: string): Promise<MessageRow> {
    const row = await this.repo.byId(roomId, messageId);
    if (!row) throw notFound('No such message');
    if (row.deleted_at) throw new AppError('conflict', 'The message was deleted');
    return row;
  }

  async edit(userId: string, roomId: string, messageId: string, body: string): Promise<Message> {
    await this.rooms.authorize(roomId, userId, 'edit-own');
    const row = await this.loadLive(roomId, messageId);
    if (row.author_id !== userId) throw forbidden('Only the author can edit a message');
    const text = cleanBody(body);
    return this.changeAndAnnounce(roomId, messageId, 'edited', async (tx) => {
      const r = await tx.updateTable('messages').set({ body: text, edited_at: new Date() }).where('id', '=', messageId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
      return r !== undefined;
    });
  }

  async remove(userId: string, roomId: string, messageId: string): Promise<Message> {
    const access = await this.rooms.authorize(roomId, userId, 'delete-own');
    const row = await this.repo.byId(roomId, messageId);
    if (!row) throw notFound('No such message');
    if (row.deleted_at) return this.presentOne(row); // deleting twice is not an error
    if (row.author_id !== userId) await this.rooms.authorize(access.roomId, userId, 'delete-any');
    return this.changeAndAnnounce(roomId, messageId, 'deleted', async (tx) => {
      const r = await tx.updateTable('messages').set({ deleted_at: new Date(), body: '' }).where('id', '=', messageId).where('deleted_at', 'is', null).returning('id').executeTakeFirst();
      return r !== undefined;
    });
  }

  async react(userId: string, roomId: string, messageId: string, emoji: string, add: boolean): Promise<Message> {
    await this.rooms.authorize(roomId, userId, 'react');
    await this.loadLive(roomId, messageId);
    return this.changeAndAnnounce(roomId, messageId, 'reaction', async (tx) => {
      if (add) {
        const r = await tx.insertInto('message_reactions').values({ message_id: messageId, user_id: userId, emoji }).onConflict((oc) => oc.doNothing()).returning('emoji').executeTakeFirst();
        return r !== undefined;
      }
      const r = await tx.deleteFrom('message_reactions').where('message_id', '=', messageId).where('user_id', '=', userId).where('emoji', '=', emoji).returning('emoji').executeTakeFirst();
      return r !== undefined;
    });
  }

  async page(userId: string, roomId: string, query: { before?: number; after?: number; limit?: number; parentId?: string }): Promise<MessagePage> {
    await this.rooms.authorize(roomId, userId, 'read');
    if (query.before !== undefined && query.after !== undefined) throw new AppError('validation', 'Use either before or after, not both', { errors: [{ path: '/before', message: 'conflicts with after' }] });
    const headSeq = await this.headSeq(roomId);
    const limit = query.limit ?? LIMITS.pageDefault;
    const { rows, moreBefore, moreAfter } = await this.repo.page(roomId, { before: query.before, after: query.after, limit, parentId: query.parentId });
    const items = await this.present(rows);
    const first = items[0];
    const last = items[items.length - 1];
    return {
      items,
      prevCursor: first && moreBefore ? first.seq : query.after !== undefined && !first ? query.after + 1 : null,
      nextCursor: last && moreAfter ? last.seq : null,
      headSeq,
    };
  }

  private async headSeq(roomId: string): Promise<number> {
    const room = await this.rooms.repo.byId(roomId);
    if (!room) throw notFound('No such room');
    return Number(room.last_seq);
  }

  /**
   * Everything that happened in a room after `since`, as current message states. The head is
   * read first, so every seq up to coveredSeq is committed and included: nothing is skipped.
   */
  async changes(userId: string, roomId: string, since: number, limit = 500): Promise<Changes> {
    await this.rooms.authorize(roomId, userId, 'read');
    return this.changesUnchecked(roomId, since, limit);
  }

  async changesUnchecked(roomId: string, since: number, limit = 500): Promise<Changes> {
    const headSeq = await this.headSeq(roomId);
    if (since >= headSeq) return { roomId, items: [], coveredSeq: headSeq, headSeq, hasMore: false };
    const rows = await this.repo.changes(roomId, since, headSeq, limit + 1);
    const hasMore = rows.length > limit;
    const kept = rows.slice(0, limit);
    const items = await this.present(kept);
    const coveredSeq = hasMore ? Number(kept[kept.length - 1]!.version_seq) : headSeq;
    return { roomId, items, coveredSeq, headSeq, hasMore };
  }
}
