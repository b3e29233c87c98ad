// Baseline 2: what most teams would build — Socket.IO 4 with @socket.io/redis-adapter doing the
// same room fan-out, with the same persistence as Parley: each message is committed to
// PostgreSQL with the room's next sequence number (same single-statement SQL as Parley's
// messages repository, same idempotency index) and acknowledged after commit, then emitted
// to the room. No authentication or validation (Parley does both), so this favours the baseline.
// Env: PORT, DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, DATABASE_POOL_MAX.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 10) });
const pub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.adapter(createAdapter(pub, sub, { key: `${process.env.REDIS_KEY_PREFIX ?? 'bench:'}socket.io` }));

const INSERT = `WITH s AS (UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $2 AND archived_at IS NULL RETURNING last_seq)
  INSERT INTO messages (id, room_id, seq, version_seq, author_id, body, parent_id, client_key)
  SELECT $1, $2, s.last_seq, s.last_seq, $3, $4, NULL, $5 FROM s RETURNING id, room_id, seq, author_id, body, client_key, created_at`;

io.on('connection', (socket) => {
  const userId = socket.handshake.auth?.userId;
  socket.on('join', (roomId, ack) => {
    socket.join(roomId);
    ack?.({ ok: true });
  });
  socket.on('send', async (input, ack) => {
    try {
      const { rows } = await pool.query({ name: 'insert-message', text: INSERT, values: [randomUUID(), input.roomId, userId, input.body, input.clientKey] });
      const r = rows[0];
      const message = { id: r.id, roomId: r.room_id, seq: Number(r.seq), authorId: r.author_id, body: r.body, clientKey: r.client_key, createdAt: r.created_at };
      ack?.({ message });
      io.to(input.roomId).emit('message', { roomId: input.roomId, seq: message.seq, message });
    } catch (err) {
      ack?.({ error: err.code ?? 'internal' });
    }
  });
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${http.address().port}` })));
process.on('SIGTERM', () => {
  io.close(() => undefined);
  void Promise.allSettled([pool.end(), pub.quit(), sub.quit()]).then(() => process.exit(0));
});
