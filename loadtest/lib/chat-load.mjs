import WebSocket from 'ws';
import { Histogram } from './stats.mjs';

/*
 * The chat load generator. N WebSocket clients, each in one room, all subscribed; an open-loop
 * scheduler sends messages at a target rate (round-robin over senders); every message carries a
 * marker `~K<index>~` in its body so each recipient can match a delivery to its send time without
 * parsing JSON. Per message it keeps: send time, ack/error, and a bitmask of which room members
 * received it, so lost and duplicated deliveries are counted exactly.
 *
 * Targets ("protocols"):
 *   parley   — /ws, cookie auth with an access token, subscribe, message.send → ack + message.created
 *   ws       — the bare ws broadcast baseline (bench/servers/ws-broadcast.mjs)
 *   socketio — Socket.IO v4 spoken directly over ws (Engine.IO v4 framing), so the client cost is
 *              the same as for the others (bench/servers/socketio-redis.mjs)
 */

const PAD = 'x'.repeat(48);

function markerOf(text) {
  const at = text.indexOf('~K');
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + 2; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 126) return n; // '~'
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return -1;
}

/** Protocol adapters: how to open, join, send and recognise acks/deliveries. */
const PROTOCOLS = {
  parley: {
    url: (base) => base.replace(/^http/, 'ws') + '/ws',
    options: (c) => ({ headers: { cookie: `parley_access=${c.token}` } }),
    onOpen() {},
    handshake(c, text) {
      const f = JSON.parse(text);
      if (f.type === 'hello') {
        if (!f.authenticated) throw new Error('parley: upgrade was not authenticated (token rejected?)');
      } else if (f.type === 'ready') {
        c.ws.send(JSON.stringify({ type: 'subscribe', id: 'sub', rooms: [{ roomId: c.roomId }] }));
      } else if (f.type === 'ack' && f.id === 'sub') {
        if (f.result.denied.length) throw new Error(`parley: subscribe denied for ${c.roomId}`);
        return true;
      } else if (f.type === 'error') throw new Error(`parley: ${f.code} ${f.message}`);
      return false;
    },
    send(c, idx, runKey) {
      c.ws.send(`{"type":"message.send","id":"${idx}","roomId":"${c.roomId}","clientKey":"${runKey}-${idx}","body":"~K${idx}~ ${PAD}"}`);
    },
    /** → [kind, idx] with kind 1 delivery, 2 ack, 3 error, 0 other */
    classify(text) {
      if (text.startsWith('{"type":"message.created"')) return [1, markerOf(text)];
      if (text.startsWith('{"type":"ack","id":"')) return [2, parseInt(text.slice(20), 10)];
      if (text.startsWith('{"type":"error"')) {
        const f = JSON.parse(text);
        return [3, f.id === undefined ? -1 : parseInt(f.id, 10), f.code];
      }
      return [0, -1];
    },
  },
  ws: {
    url: (base) => base.replace(/^http/, 'ws') + '/',
    options: () => ({}),
    onOpen(c) {
      c.ws.send(JSON.stringify({ t: 'join', room: c.roomId }));
    },
    handshake(_c, text) {
      return JSON.parse(text).t === 'joined';
    },
    send(c, idx) {
      c.ws.send(`{"t":"send","id":${idx},"room":"${c.roomId}","body":"~K${idx}~ ${PAD}"}`);
    },
    classify(text) {
      if (text.startsWith('{"t":"msg"')) return [1, markerOf(text)];
      if (text.startsWith('{"t":"ack","id":')) return [2, parseInt(text.slice(16), 10)];
      return [0, -1];
    },
  },
  socketio: {
    url: (base) => base.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket',
    options: () => ({}),
    onOpen() {},
    handshake(c, text) {
      if (text[0] === '0') c.ws.send(`40${JSON.stringify({ userId: c.userId })}`);
      else if (text.startsWith('40')) c.ws.send(`421${JSON.stringify(['join', c.roomId])}`);
      else if (text.startsWith('431')) return true;
      else if (text.startsWith('44')) throw new Error(`socket.io: connect refused ${text}`);
      return false;
    },
    send(c, idx, runKey) {
      // Ack ids must be integers; 1 was used by join.
      c.ws.send(`42${idx + 10}["send",{"roomId":"${c.roomId}","clientKey":"${runKey}-${idx}","body":"~K${idx}~ ${PAD}"}]`);
    },
    classify(text, c) {
      if (text === '2') {
        c.ws.send('3'); // Engine.IO ping → pong
        return [0, -1];
      }
      if (text.startsWith('42["message"')) return [1, markerOf(text)];
      if (text.startsWith('43')) {
        const idx = parseInt(text.slice(2), 10) - 10;
        return text.includes('"error"') ? [3, idx, 'server-error'] : [2, idx];
      }
      return [0, -1];
    },
  },
};

/**
 * Opens the clients. `clients` items: { url, token?, userId?, roomId, server? } — `server` labels
 * which replica a client is on (for cross-replica latency).
 */
export async function connectClients(protocol, specs, { concurrency = 100, timeoutMs = 30_000, onProgress } = {}) {
  const proto = PROTOCOLS[protocol];
  if (!proto) throw new Error(`unknown protocol ${protocol}`);
  const clients = new Array(specs.length);
  let next = 0;
  let failures = 0;
  let done = 0;
  const errors = [];
  const openOne = (spec, i) =>
    new Promise((resolve, reject) => {
      const c = { ...spec, index: i, ready: false, slot: -1, closed: false, onText: null };
      const ws = new WebSocket(proto.url(spec.url), { perMessageDeflate: false, ...proto.options(c) });
      c.ws = ws;
      const timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
      ws.on('open', () => proto.onOpen(c));
      ws.on('message', (data) => {
        const text = data.toString();
        if (c.ready) return c.onText?.(c, text);
        try {
          if (text === '2' && protocol === 'socketio') return ws.send('3');
          if (proto.handshake(c, text)) {
            c.ready = true;
            clearTimeout(timer);
            resolve(c);
          }
        } catch (err) {
          clearTimeout(timer);
          reject(err);
        }
      });
      ws.on('close', () => {
        c.closed = true;
        clearTimeout(timer);
        if (!c.ready) reject(new Error('closed during handshake'));
      });
      ws.on('error', (err) => {
        clearTimeout(timer);
        if (!c.ready) reject(err);
      });
    });
  await Promise.all(
    Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
      while (next < specs.length) {
        const i = next++;
        try {
          clients[i] = await openOne(specs[i], i);
        } catch (err) {
          failures++;
          if (errors.length < 5) errors.push(err.message);
        }
        if (++done % 1000 === 0) onProgress?.(done);
      }
    }),
  );
  return { clients: clients.filter(Boolean), failures, errors };
}

export function closeClients(clients) {
  return Promise.all(
    clients.map(
      (c) =>
        new Promise((resolve) => {
          if (c.closed || c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', resolve);
          c.ws.terminate();
        }),
    ),
  );
}

/**
 * Runs send-rate steps over connected clients. Every client is a recipient of its room; senders
 * are all clients (round-robin). Each step: send at `rate` for `durationMs`, then stop and wait
 * up to `drainMs` for outstanding acks/deliveries. Stops after the first step that fails
 * (p99 deliver > sloMs, errors, losses, or the generator could not keep the rate).
 */
export async function runSteps(protocol, clients, { rates, durationMs = 6000, drainMs = 3000, maxDrainMs = 30_000, sloMs = 100, stopFactor = 10, stopOnFail = true, runKey = `k${Date.now()}`, serverCpuMs, log = () => {} }) {
  const proto = PROTOCOLS[protocol];
  // Room membership and per-recipient slots.
  const rooms = new Map();
  for (const [pos, c] of clients.entries()) {
    c.pos = pos;
    let list = rooms.get(c.roomId);
    if (!list) rooms.set(c.roomId, (list = []));
    c.slot = list.length;
    list.push(c);
  }
  const roomIndex = new Map([...rooms.keys()].map((r, i) => [r, i]));
  const roomSizes = [...rooms.values()].map((l) => l.length);
  const maxRoom = Math.max(...roomSizes);
  const words = Math.ceil(maxRoom / 32);
  const capacity = Math.ceil(rates.reduce((s, r) => s + (r * durationMs) / 1000, 0) * 1.05) + 1000;
  const sendT = new Float64Array(capacity);
  const msgRoom = new Int32Array(capacity);
  const msgSender = new Int32Array(capacity);
  const state = new Uint8Array(capacity); // 0 unsent, 1 sent, 2 acked, 3 error
  const got = new Uint16Array(capacity);
  const masks = new Uint32Array(capacity * words);
  let total = 0;

  let h = null; // current step's histograms
  let counters = null;
  const onText = (c, text) => {
    const [kind, idx, code] = proto.classify(text, c);
    if (kind === 0 || idx < 0 || idx >= total) return;
    const now = performance.now();
    if (kind === 1) {
      const w = idx * words + (c.slot >> 5);
      const bit = 1 << (c.slot & 31);
      if (masks[w] & bit) {
        counters.duplicates++;
        return;
      }
      masks[w] |= bit;
      got[idx]++;
      const ms = now - sendT[idx];
      h.deliver.record(ms);
      if (c.server !== undefined) (clients[msgSender[idx]].server === c.server ? h.same : h.cross).record(ms);
    } else if (kind === 2) {
      if (state[idx] !== 1) return void counters.duplicateAcks++;
      state[idx] = 2;
      h.ack.record(now - sendT[idx]);
    } else {
      if (state[idx] !== 1) return;
      state[idx] = 3;
      counters.errors++;
      counters.errorCodes[code] = (counters.errorCodes[code] ?? 0) + 1;
    }
  };
  for (const c of clients) c.onText = onText;

  const steps = [];
  let cursor = 0;
  for (const rate of rates) {
    h = { ack: new Histogram(), deliver: new Histogram(), same: new Histogram(), cross: new Histogram() };
    counters = { duplicates: 0, duplicateAcks: 0, errors: 0, errorCodes: {}, skippedClosed: 0 };
    const first = total;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const server0 = serverCpuMs?.();
    let sent = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - start;
        const due = Math.min(Math.floor((Math.min(elapsed, durationMs) * rate) / 1000), capacity - first);
        while (sent < due && total < capacity) {
          const c = clients[cursor++ % clients.length];
          if (c.closed) {
            counters.skippedClosed++;
            continue;
          }
          const idx = total++;
          sendT[idx] = performance.now();
          msgRoom[idx] = roomIndex.get(c.roomId);
          msgSender[idx] = c.pos;
          state[idx] = 1;
          proto.send(c, idx, runKey);
          sent++;
        }
        if (elapsed >= durationMs) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    const sendWall = performance.now() - start;
    const expectedFor = (i) => roomSizes[msgRoom[i]];
    const outstanding = () => {
      for (let i = first; i < total; i++) {
        if (state[i] === 1) return true;
        if (state[i] === 2 && got[i] < expectedFor(i)) return true;
      }
      return false;
    };
    // Drain: wait for outstanding acks/deliveries while they still make progress (at least drainMs
    // without progress, at most maxDrainMs), so a slow server is reported as slow, not as lossy.
    const drainStart = performance.now();
    let lastProgress = drainStart;
    let lastCount = -1;
    while (outstanding() && performance.now() - lastProgress < drainMs && performance.now() - drainStart < maxDrainMs) {
      await new Promise((r) => setTimeout(r, 20));
      const c = h.ack.count + h.deliver.count + counters.errors;
      if (c !== lastCount) {
        lastCount = c;
        lastProgress = performance.now();
      }
    }
    const drainedMs = performance.now() - drainStart;
    const cpu = process.cpuUsage(cpu0);
    const serverCpu = serverCpuMs ? serverCpuMs() - server0 : null;
    const wallMs = performance.now() - start;
    let acked = 0;
    let errored = 0;
    let unanswered = 0;
    let deliveries = 0;
    let expected = 0;
    let lost = 0;
    let fullyDelivered = 0;
    let deliveredUnacked = 0;
    for (let i = first; i < total; i++) {
      deliveries += got[i];
      if (state[i] === 2) {
        acked++;
        expected += expectedFor(i);
        lost += expectedFor(i) - got[i];
        if (got[i] === expectedFor(i)) fullyDelivered++;
      } else if (state[i] === 3) {
        errored++;
        if (got[i] > 0) deliveredUnacked++;
      } else {
        unanswered++;
        if (got[i] > 0) deliveredUnacked++;
      }
    }
    const seconds = durationMs / 1000;
    const step = {
      targetRate: rate,
      sent,
      sentPerSec: round(sent / seconds),
      acked,
      errors: errored,
      errorCodes: counters.errorCodes,
      unanswered,
      expectedDeliveries: expected,
      deliveries,
      lostDeliveries: lost,
      duplicateDeliveries: counters.duplicates,
      duplicateAcks: counters.duplicateAcks,
      deliveredButNotAcked: deliveredUnacked,
      deliveredMsgsPerSec: round(fullyDelivered / seconds),
      deliveriesPerSec: round(deliveries / seconds),
      ack: h.ack.summary(),
      deliver: h.deliver.summary(),
      ...(h.same.count || h.cross.count ? { deliverSameReplica: h.same.summary(), deliverCrossReplica: h.cross.summary() } : {}),
      drainMs: Math.round(drainedMs),
      generatorCpuPct: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
      // CPU the server process(es) spent in this step (send + drain), per acknowledged message and as a share of
      // one core: on a shared machine this is steadier than throughput (it does not depend on how much CPU the
      // scheduler granted), and 1000 / serverCpuMsPerMsg estimates the msgs/s one dedicated core sustains.
      ...(serverCpu === null ? {} : { serverCpuMs: Math.round(serverCpu), serverCpuPct: round((serverCpu / wallMs) * 100), serverCpuMsPerMsg: acked ? Math.round((serverCpu / acked) * 1000) / 1000 : null }),
      generatorKeptUp: sent >= 0.95 * rate * seconds && sendWall < durationMs + 250,
    };
    const reasons = [];
    if (step.deliver.p99 === null || step.deliver.p99 > sloMs) reasons.push(`p99 deliver ${step.deliver.p99} ms > ${sloMs} ms`);
    if (errored) reasons.push(`${errored} errors`);
    if (unanswered) reasons.push(`${unanswered} unanswered`);
    if (lost) reasons.push(`${lost} lost deliveries`);
    if (counters.duplicates) reasons.push(`${counters.duplicates} duplicates`);
    if (!step.generatorKeptUp) reasons.push('generator could not keep the rate');
    step.pass = reasons.length === 0;
    step.failReasons = reasons;
    // Saturation: everything acknowledged was delivered, nothing failed, and the delivered rate kept up with the offered rate.
    step.keptUp = errored === 0 && unanswered === 0 && lost === 0 && counters.duplicates === 0 && step.generatorKeptUp && step.deliveredMsgsPerSec >= 0.9 * rate;
    steps.push(step);
    log(`  rate ${rate}/s: sent ${step.sentPerSec}/s, delivered ${step.deliveredMsgsPerSec} msg/s (${step.deliveriesPerSec} deliveries/s), ack p99 ${step.ack.p99} ms, deliver p50/p99/max ${step.deliver.p50}/${step.deliver.p99}/${step.deliver.max} ms, errors ${errored}, lost ${lost}, dup ${counters.duplicates}${step.pass ? '' : ` — FAIL: ${reasons.join('; ')}`}`);
    // Continue past an SLO miss while the server keeps up (p99 within stopFactor × SLO), to find its saturation throughput too.
    if (stopOnFail && !step.pass && (!step.keptUp || (step.deliver.p99 ?? Infinity) > sloMs * stopFactor)) break;
  }
  for (const c of clients) c.onText = null;
  const passing = steps.filter((s) => s.pass);
  const best = passing.reduce((b, s) => (b && b.deliveredMsgsPerSec >= s.deliveredMsgsPerSec ? b : s), null);
  const ackedKeys = [];
  for (let i = 0; i < total; i++) if (state[i] === 2) ackedKeys.push(`${runKey}-${i}`);
  const kept = steps.filter((s) => s.keptUp);
  const sat = kept.reduce((b, s) => (b && b.deliveredMsgsPerSec >= s.deliveredMsgsPerSec ? b : s), null);
  const result = {
    saturationMsgsPerSec: sat ? sat.deliveredMsgsPerSec : 0,
    saturationDeliverP99: sat ? sat.deliver.p99 : null,
    clients: clients.length,
    rooms: rooms.size,
    steps,
    maxSustainedMsgsPerSec: best ? best.deliveredMsgsPerSec : 0,
    maxSustainedDeliveriesPerSec: best ? best.deliveriesPerSec : 0,
    bestStep: best,
    totals: {
      sent: total,
      lostDeliveries: steps.reduce((s, x) => s + x.lostDeliveries, 0),
      duplicateDeliveries: steps.reduce((s, x) => s + x.duplicateDeliveries, 0),
      errors: steps.reduce((s, x) => s + x.errors, 0),
      acked: steps.reduce((s, x) => s + x.acked, 0),
    },
  };
  // Not serialised with the results: the client keys of every acknowledged message, to check persistence.
  Object.defineProperty(result, 'ackedKeys', { value: ackedKeys, enumerable: false });
  return result;
}

const round = (v) => Math.round(v * 10) / 10;
