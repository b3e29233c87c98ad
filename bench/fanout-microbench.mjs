// Microbenchmark behind the gateway change (performance.md): fan-out of one frame to 20 local
// WebSocket peers, sending the JSON string to each (ws UTF-8-encodes it per socket) versus one
// pre-encoded Buffer sent as a text frame. Prints process CPU per fanned-out frame.
//   node bench/fanout-microbench.mjs
import { WebSocketServer, WebSocket } from 'ws';
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise((r) => wss.on('listening', r));
const N = 20;
const socks = [];
wss.on('connection', (ws) => socks.push(ws));
const clients = await Promise.all(Array.from({ length: N }, () => new Promise((r) => { const c = new WebSocket(`ws://127.0.0.1:${wss.address().port}`); c.on('open', () => r(c)); })));
let got = 0; for (const c of clients) c.on('message', () => got++);
while (socks.length < N) await new Promise((r) => setTimeout(r, 10));
const msg = JSON.stringify({ type: 'message.created', roomId: 'b1f9d3c2-0000-4000-8000-000000000001', seq: 42, message: { id: 'x', body: 'hello world '.repeat(20), author: { id: 'u', username: 'alice', displayName: 'Alice' }, reactions: [], attachments: [], createdAt: new Date().toISOString() } });
async function run(mode, frames) {
  got = 0;
  const t0 = process.cpuUsage(); const w0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const data = mode === 'buffer' ? Buffer.from(msg) : msg;
    for (const s of socks) s.send(data, { binary: false });
    if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  const sendCpu = process.cpuUsage(t0);
  while (got < frames * N) await new Promise((r) => setTimeout(r, 5));
  return { mode, frames, frameBytes: Buffer.byteLength(msg), sendCpuUsPerFrame: ((sendCpu.user + sendCpu.system) / frames).toFixed(1), wallMs: Math.round(performance.now() - w0) };
}
for (const round of [1, 2, 3]) for (const mode of ['string', 'buffer']) console.log(JSON.stringify(await run(mode, 5000)));
process.exit(0);
