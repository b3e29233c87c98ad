import type { User } from '@parley/protocol';
import type { UserRow } from './repository.js';

export const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();

/** The public view of a user: never the password hash. */
export const presentUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  createdAt: iso(row.created_at),
});
