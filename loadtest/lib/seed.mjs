import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { SignJWT } from 'jose';

/**
 * Bulk-creates users, sessions, rooms and memberships directly in a migrated Parley database
 * and mints access tokens with the server's TOKEN_SECRET (same claims as apps/server/src/auth/tokens.ts).
 * Registering 1,000 users through the API costs ~60 ms of argon2 each; this takes about a second.
 * Users are spread round-robin over rooms: user i is a member of room i % rooms.
 * The password hash is not a valid argon2 hash: these users cannot log in with a password.
 */
export async function seedParley({ databaseUrl, tokenSecret, users, rooms, ttlS = 6 * 3600, prefix = `lt${process.pid}` }) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const userIds = Array.from({ length: users }, () => randomUUID());
    const sessionIds = Array.from({ length: users }, () => randomUUID());
    const roomIds = Array.from({ length: rooms }, () => randomUUID());
    const names = userIds.map((_, i) => `${prefix}u${i}`);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO users (id, username, username_lower, display_name, password_hash)
       SELECT id, name, lower(name), name, 'seeded-no-password' FROM unnest($1::uuid[], $2::text[]) AS t(id, name)`,
      [userIds, names],
    );
    await client.query(
      `INSERT INTO sessions (id, user_id, expires_at, user_agent)
       SELECT sid, uid, now() + interval '1 day', 'parley-loadtest' FROM unnest($1::uuid[], $2::uuid[]) AS t(sid, uid)`,
      [sessionIds, userIds],
    );
    await client.query(
      `INSERT INTO rooms (id, kind, name, created_by)
       SELECT id, 'public', $2 || '-room-' || ord, $3 FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`,
      [roomIds, prefix, userIds[0]],
    );
    const memberRoom = userIds.map((_, i) => roomIds[i % rooms]);
    const roles = userIds.map((_, i) => (i < rooms ? 'owner' : 'member'));
    await client.query(
      `INSERT INTO room_members (room_id, user_id, role) SELECT r, u, role FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(r, u, role)`,
      [memberRoom, userIds, roles],
    );
    await client.query('COMMIT');
    const key = new TextEncoder().encode(tokenSecret);
    const tokens = await Promise.all(
      userIds.map((userId, i) =>
        new SignJWT({ sid: sessionIds[i] })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(userId)
          .setIssuer('parley')
          .setAudience('parley-api')
          .setIssuedAt()
          .setExpirationTime(`${ttlS}s`)
          .sign(key),
      ),
    );
    return { roomIds, users: userIds.map((id, i) => ({ id, token: tokens[i], roomId: memberRoom[i] })) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * The same shape through the public API (for a deployed environment or the compose stack,
 * where the database is out of reach): registers users, creates rooms, joins them.
 * Needs RATE_LIMIT_AUTH_PER_MIN raised on the target; slow (argon2 per user).
 */
export async function seedViaApi({ baseUrl, users, rooms, concurrency = 4, prefix = `lt${process.pid}x${Date.now() % 100000}` }) {
  const post = async (path, body, token) => {
    const res = await fetch(baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const out = new Array(users);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < users) {
        const i = next++;
        const auth = await post('/api/v1/auth/register', { username: `${prefix}u${i}`, password: 'load test password 123' });
        out[i] = { id: auth.user.id, token: auth.accessToken };
      }
    }),
  );
  const roomIds = [];
  for (let r = 0; r < rooms; r++) roomIds.push((await post('/api/v1/rooms', { kind: 'public', name: `${prefix}-room-${r}` }, out[r % users].token)).id);
  next = 0;
  await Promise.all(
    Array.from({ length: concurrency * 4 }, async () => {
      while (next < users) {
        const i = next++;
        out[i].roomId = roomIds[i % rooms];
        if (i >= rooms) await post(`/api/v1/rooms/${out[i].roomId}/join`, {}, out[i].token);
      }
    }),
  );
  return { roomIds, users: out };
}
