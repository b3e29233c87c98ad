// Baseline 1: a bare `ws` room broadcast server — no auth, no validation, no persistence.
// The physical ceiling of WebSocket fan-out on this machine. Protocol (JSON text frames):
//   → {"t":"join","room":R}            ← {"t":"joined"}
//   → {"t":"send","id":N,"room":R,"body":B}  ← {"t":"ack","id":N}, and every member of R ← {"t":"msg","room":R,"body":B}
// The broadcast frame is serialised once per message, like Parley's fan-out.
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 0);
const rooms = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  let room = null;
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.t === 'join') {
      room = f.room;
      let set = rooms.get(room);
      if (!set) rooms.set(room, (set = new Set()));
      set.add(ws);
      ws.send('{"t":"joined"}');
    } else if (f.t === 'send') {
      const frame = JSON.stringify({ t: 'msg', room: f.room, body: f.body });
      ws.send(`{"t":"ack","id":${Number(f.id)}}`);
      for (const peer of rooms.get(f.room) ?? []) peer.send(frame);
    }
  });
  ws.on('close', () => room && rooms.get(room)?.delete(ws));
});
wss.on('listening', () => console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${wss.address().port}` })));
process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
});
