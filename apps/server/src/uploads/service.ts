import { createHash, randomUUID } from 'node:crypto';
import type { Attachment } from '@parley/protocol';
import type { Infra } from '../context.js';
import { notFound } from '../http/problem.js';
import { presentAttachment } from '../messages/presenter.js';
import { metrics } from '../observability/metrics.js';
import type { RoomsService } from '../rooms/service.js';
import { AppError } from '../http/problem.js';
import { safeFilename, sniffContentType } from './sniff.js';
import type { BlobStorage } from './storage.js';

export class UploadsService {
  constructor(
    private readonly infra: Infra,
    private readonly rooms: RoomsService,
    private readonly storage: BlobStorage,
  ) {}

  /** Stores a file for a room: blob and metadata in one transaction, so a failure leaves nothing half-written. */
  async create(userId: string, roomId: string, filename: string | undefined, data: Uint8Array): Promise<Attachment> {
    const access = await this.rooms.authorize(roomId, userId, 'post');
    if (access.archived) throw new AppError('room-archived', 'This room is archived');
    if (data.length === 0) throw new AppError('validation', 'The file is empty', { errors: [{ path: '/file', message: 'must not be empty' }] });
    const contentType = await sniffContentType(data);
    const id = randomUUID();
    const key = `uploads/${id}`;
    const sha256 = createHash('sha256').update(data).digest('hex');
    const row = await this.infra.database.db.transaction().execute(async (tx) => {
      await this.storage.put(key, data, tx);
      return tx
        .insertInto('uploads')
        .values({ id, room_id: roomId, uploader_id: userId, filename: safeFilename(filename), content_type: contentType, size: data.length, sha256, storage_key: key })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    metrics.uploads.inc();
    metrics.uploadBytes.inc(data.length);
    return presentAttachment(row);
  }

  /** The file, only for members of its room; others get 404 whatever the reason. */
  async read(userId: string, uploadId: string): Promise<{ meta: Attachment; sha256: string; data: Uint8Array }> {
    const row = await this.infra.database.db.selectFrom('uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
    if (!row) throw notFound('No such file');
    const role = await this.rooms.roleOf(row.room_id, userId);
    if (!role) throw notFound('No such file');
    const data = await this.storage.get(row.storage_key);
    if (!data) throw notFound('No such file');
    return { meta: presentAttachment(row), sha256: row.sha256, data };
  }
}
