import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Where upload bytes live. The default keeps them in PostgreSQL (the `blobs` table) so any
 * replica can serve any file and a database backup is a complete backup. An object-store
 * implementation only needs these three operations.
 */
export interface BlobStorage {
  /** Stores bytes under a key, inside the caller's transaction when the storage is the database. */
  put(key: string, data: Uint8Array, tx?: Transaction<DB>): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  delete(key: string): Promise<void>;
}

export class DatabaseBlobStorage implements BlobStorage {
  constructor(private readonly db: Kysely<DB>) {}

  async put(key: string, data: Uint8Array, tx?: Transaction<DB>): Promise<void> {
    await (tx ?? this.db).insertInto('blobs').values({ key, data }).execute();
  }

  async get(key: string): Promise<Uint8Array | null> {
    const row = await this.db.selectFrom('blobs').select('data').where('key', '=', key).executeTakeFirst();
    return row ? row.data : null;
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('blobs').where('key', '=', key).execute();
  }
}
