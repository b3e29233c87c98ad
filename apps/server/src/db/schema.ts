import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables created by db/migrations. Column names are snake_case as in SQL. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  display_name: string;
  password_hash: string;
  created_at: Timestamp;
}
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  user_agent: string | null;
}
export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}
export interface RoomsTable {
  id: string;
  kind: 'public' | 'private' | 'dm';
  name: string;
  topic: string;
  dm_key: string | null;
  created_by: string | null;
  created_at: Timestamp;
  archived_at: Timestamp | null;
  last_seq: Generated<number>;
}
export interface RoomMembersTable {
  room_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: Timestamp;
  last_read_seq: Generated<number>;
}
export interface MessagesTable {
  id: string;
  room_id: string;
  seq: number;
  version_seq: number;
  author_id: string;
  body: string;
  parent_id: string | null;
  client_key: string | null;
  reply_count: Generated<number>;
  created_at: Timestamp;
  edited_at: Timestamp | null;
  deleted_at: Timestamp | null;
}
export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: Timestamp;
}
export interface UploadsTable {
  id: string;
  room_id: string;
  uploader_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  storage_key: string;
  message_id: string | null;
  created_at: Timestamp;
}
export interface BlobsTable {
  key: string;
  data: Uint8Array;
  created_at: Timestamp;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
  message_reactions: ReactionsTable;
  uploads: UploadsTable;
  blobs: BlobsTable;
}
