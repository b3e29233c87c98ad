import { metrics } from '../observability/metrics.js';
import { ArchivedRoomError, type MessageRow, type MessagesRepository, type PlainMessage } from './repository.js';

/** Upper bound of messages per statement (a few hundred KB of JSON at the largest bodies). */
const MAX_BATCH = 256;

interface Pending {
  msg: PlainMessage;
  resolve: (row: MessageRow | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for plain messages, as databases do it for their log: one commit is in flight at a
 * time, and every message that arrives meanwhile waits and then goes in the next one, in one
 * statement and one transaction (`MessagesRepository.insertBatch`). A message that finds nothing in
 * flight is committed at once (after the current turn of the event loop, so the sends whose access
 * checks came back in the same Redis reply join it), alone with the one-statement insert: a quiet
 * server adds no delay, and under load the batch grows with the load by itself, no timer involved.
 * N commits, round trips and room-row updates become one of each; with one batch in flight per
 * process, batches never wait on each other's room locks (docs/operations/performance.md has the
 * before/after numbers and the variants that were measured and dropped).
 *
 * Results are exactly those of the one-by-one insert: the row when committed, undefined when the
 * idempotency key was used already, ArchivedRoomError. A batch that fails (a duplicate committed
 * concurrently by another replica, a row PostgreSQL refuses) is retried one message at a time, so
 * only the offending message fails.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private committing = false;

  constructor(private readonly repo: MessagesRepository) {}

  insert(msg: PlainMessage): Promise<MessageRow | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ msg, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.committing || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const { batch, rest } = takeBatch(this.queue);
    this.queue = rest;
    this.committing = true;
    try {
      await this.commit(batch);
    } catch (err) {
      // commit() settles every message itself; this only guards against a bug leaving one hanging.
      for (const p of batch) p.reject(err);
    } finally {
      this.committing = false;
      this.schedule();
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    metrics.messageBatchSize.observe(batch.length);
    if (batch.length === 1) return this.one(batch[0]!);
    let rows: MessageRow[];
    try {
      rows = await this.repo.insertBatch(batch.map((p) => p.msg));
    } catch {
      // One by one and in order, so sequence numbers follow arrival as they would have in the batch.
      for (const p of batch) await this.one(p);
      return;
    }
    const byId = new Map(rows.map((row) => [row.id, row]));
    await Promise.all(
      batch.map(async (p) => {
        const row = byId.get(p.msg.id);
        if (row) return p.resolve(row);
        // Not inserted: a retry of a committed message, or its room is archived (or gone).
        try {
          const existing = await this.repo.byClientKey(p.msg.roomId, p.msg.authorId, p.msg.clientKey);
          if (existing) p.resolve(undefined);
          else p.reject(new ArchivedRoomError());
        } catch (err) {
          p.reject(err);
        }
      }),
    );
  }

  private async one(p: Pending): Promise<void> {
    try {
      p.resolve(await this.repo.insert({ ...p.msg, parentId: null, attachmentIds: [] }));
    } catch (err) {
      p.reject(err);
    }
  }
}

/**
 * Splits the queue into the next batch (up to `max` messages, in order) and the rest. A second
 * message with the same idempotency key goes to a later batch: one statement must not insert a
 * key twice (it would fail as a whole); in its own batch the retry is answered like any retry.
 */
export function takeBatch<T extends { msg: PlainMessage }>(queue: T[], max = MAX_BATCH): { batch: T[]; rest: T[] } {
  const batch: T[] = [];
  const rest: T[] = [];
  const keys = new Set<string>();
  for (const p of queue) {
    const key = `${p.msg.roomId} ${p.msg.authorId} ${p.msg.clientKey}`;
    if (batch.length >= max || keys.has(key)) {
      rest.push(p);
      continue;
    }
    keys.add(key);
    batch.push(p);
  }
  return { batch, rest };
}
