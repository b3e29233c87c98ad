import type { RoomKind, RoomRole } from '@parley/protocol';

/**
 * Who may do what in a room: the one table every route and WebSocket handler consults.
 * `null` role = not a member. Non-members of private rooms and DMs get 404 (the room's
 * existence is not revealed); everything else denied is 403.
 */
export type RoomAction =
  | 'view'
  | 'join'
  | 'read'
  | 'post'
  | 'react'
  | 'edit-own'
  | 'delete-own'
  | 'delete-any'
  | 'invite'
  | 'kick-member'
  | 'kick-admin'
  | 'set-role'
  | 'update'
  | 'archive'
  | 'leave';

const MEMBER: RoomAction[] = ['view', 'read', 'post', 'react', 'edit-own', 'delete-own', 'leave'];
const ADMIN: RoomAction[] = [...MEMBER, 'delete-any', 'invite', 'kick-member', 'update', 'archive'];
const OWNER: RoomAction[] = [...ADMIN, 'kick-admin', 'set-role'];

const BY_ROLE: Record<RoomRole, ReadonlySet<RoomAction>> = {
  member: new Set(MEMBER),
  admin: new Set(ADMIN),
  owner: new Set(OWNER),
};

export function can(kind: RoomKind, role: RoomRole | null, action: RoomAction): boolean {
  if (role === null) return kind === 'public' && (action === 'view' || action === 'join');
  if (kind === 'dm') return ['view', 'read', 'post', 'react', 'edit-own', 'delete-own'].includes(action);
  if (kind === 'public' && action === 'invite') return true; // anyone in a public channel may bring others in
  return BY_ROLE[role].has(action);
}

/** Whether a refusal should look like "no such room" (true) or "not allowed" (false). */
export const hidesExistence = (kind: RoomKind, role: RoomRole | null): boolean => role === null && kind !== 'public';
