import { sql, type Kysely } from 'kysely';

/*
 * Runs unchanged on PGlite (Postgres 17/18) and PostgreSQL 15+. One statement per call:
 * PGlite's extended protocol does not take several statements at once.
 * Expand/contract rule: a migration only adds (tables, nullable columns, indexes); dropping
 * or renaming waits for a later release once no running version reads the old shape.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE users (
      id uuid PRIMARY KEY,
      username text NOT NULL,
      username_lower text NOT NULL UNIQUE,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE TABLE sessions (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      user_agent text
    )`,
    sql`CREATE INDEX sessions_user_idx ON sessions (user_id)`,
    sql`CREATE TABLE refresh_tokens (
      token_hash text PRIMARY KEY,
      session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`,
    sql`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`,
    sql`CREATE TABLE rooms (
      id uuid PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('public', 'private', 'dm')),
      name text NOT NULL,
      topic text NOT NULL DEFAULT '',
      dm_key text UNIQUE,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz,
      last_seq bigint NOT NULL DEFAULT 0
    )`,
    sql`CREATE INDEX rooms_public_idx ON rooms (lower(name)) WHERE kind = 'public' AND archived_at IS NULL`,
    sql`CREATE TABLE room_members (
      room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_at timestamptz NOT NULL DEFAULT now(),
      last_read_seq bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (room_id, user_id)
    )`,
    sql`CREATE INDEX room_members_user_idx ON room_members (user_id)`,
    sql`CREATE TABLE messages (
      id uuid PRIMARY KEY,
      room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      version_seq bigint NOT NULL,
      author_id uuid NOT NULL REFERENCES users(id),
      body text NOT NULL,
      parent_id uuid REFERENCES messages(id),
      client_key text,
      reply_count integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      edited_at timestamptz,
      deleted_at timestamptz,
      UNIQUE (room_id, seq)
    )`,
    sql`CREATE UNIQUE INDEX messages_idempotency_idx ON messages (room_id, author_id, client_key) WHERE client_key IS NOT NULL`,
    sql`CREATE INDEX messages_version_idx ON messages (room_id, version_seq)`,
    sql`CREATE INDEX messages_thread_idx ON messages (parent_id, seq) WHERE parent_id IS NOT NULL`,
    sql`CREATE TABLE message_reactions (
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      emoji text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, user_id, emoji)
    )`,
    sql`CREATE TABLE blobs (
      key text PRIMARY KEY,
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE TABLE uploads (
      id uuid PRIMARY KEY,
      room_id uuid NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
      uploader_id uuid NOT NULL REFERENCES users(id),
      filename text NOT NULL,
      content_type text NOT NULL,
      size bigint NOT NULL,
      sha256 text NOT NULL,
      storage_key text NOT NULL,
      message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    sql`CREATE INDEX uploads_message_idx ON uploads (message_id) WHERE message_id IS NOT NULL`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Parley migrations are forward-only; restore a backup to go back.');
}
