// k6 load test for a deployed Parley (staging gate in .github/workflows/deploy-environment.yml via
// scripts/ci/k6-gate.sh). Production-like mix: WebSocket chat sessions (subscribe, send at a human
// rate, receive everyone's messages) plus REST reads (rooms, history pages, me, config).
// k6 exits 99 when a threshold fails, which fails the deploy.
//
// Environment: BASE_URL (required), K6_VUS (50), K6_DURATION (3m), SMOKE_USERNAME/SMOKE_PASSWORD
// (an existing account; without them one is registered), SEND_INTERVAL_S (15: per-VU seconds between
// messages — keep VUS / SEND_INTERVAL_S under the per-user send limit of 5/s, since all VUs share
// one account), ROOM_NAME (k6-loadtest), threshold overrides P95_MS, P99_MS, DELIVER_P95_MS, DELIVER_P99_MS.
import http from 'k6/http';
import ws from 'k6/ws';
import { check, fail, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE = (__ENV.BASE_URL || '').replace(/\/$/, '');
const VUS = Number(__ENV.K6_VUS || 50);
const DURATION = __ENV.K6_DURATION || '3m';
const SEND_INTERVAL_S = Number(__ENV.SEND_INTERVAL_S || 15);
const ROOM_NAME = __ENV.ROOM_NAME || 'k6-loadtest';
const num = (name, dflt) => Number(__ENV[name] || dflt);

const deliveryLatency = new Trend('chat_delivery_latency', true);
const ackLatency = new Trend('chat_ack_latency', true);
const sendErrors = new Rate('chat_send_errors');
const delivered = new Counter('chat_messages_delivered');
const duplicates = new Counter('chat_duplicate_deliveries');
const sessionOk = new Rate('chat_session_ok');

export const options = {
  scenarios: {
    chat: { executor: 'constant-vus', exec: 'chat', vus: VUS, duration: DURATION, gracefulStop: '20s' },
    api: { executor: 'constant-arrival-rate', exec: 'api', rate: Math.max(1, Math.floor(VUS / 5)), timeUnit: '1s', duration: DURATION, preAllocatedVUs: Math.max(2, Math.floor(VUS / 5)), maxVUs: VUS },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{kind:api}': [`p(95)<${num('P95_MS', 300)}`, `p(99)<${num('P99_MS', 800)}`],
    chat_delivery_latency: [`p(95)<${num('DELIVER_P95_MS', 250)}`, `p(99)<${num('DELIVER_P99_MS', 500)}`],
    chat_ack_latency: [`p(99)<${num('P99_MS', 800)}`],
    chat_send_errors: ['rate<0.01'],
    chat_duplicate_deliveries: ['count<1'],
    chat_session_ok: ['rate>0.99'],
    checks: ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
};

const json = () => ({ headers: { 'content-type': 'application/json' }, tags: { kind: 'setup' } });

export function setup() {
  if (!BASE) fail('BASE_URL is required');
  let auth;
  if (__ENV.SMOKE_USERNAME) {
    const res = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ username: __ENV.SMOKE_USERNAME, password: __ENV.SMOKE_PASSWORD }), json());
    if (res.status !== 200) fail(`login failed: ${res.status}`);
    auth = res.json();
  } else {
    const username = `k6${Date.now()}`;
    const res = http.post(`${BASE}/api/v1/auth/register`, JSON.stringify({ username, password: `k6-${Math.random()}-password` }), json());
    if (res.status !== 201) fail(`register failed: ${res.status}`);
    auth = res.json();
  }
  const headers = { authorization: `Bearer ${auth.accessToken}`, 'content-type': 'application/json' };
  const params = { headers, tags: { kind: 'setup' } };
  let room = (http.get(`${BASE}/api/v1/rooms/public?q=${ROOM_NAME}`, params).json('items') || []).find((r) => r.name === ROOM_NAME);
  if (!room) room = http.post(`${BASE}/api/v1/rooms`, JSON.stringify({ kind: 'public', name: ROOM_NAME, topic: 'k6 load test' }), params).json();
  http.post(`${BASE}/api/v1/rooms/${room.id}/join`, '{}', params);
  // The access token outlives the test (ACCESS_TOKEN_TTL_S default 15 min ≫ K6_DURATION default).
  return { token: auth.accessToken, roomId: room.id };
}

export function api(data) {
  const params = { headers: { authorization: `Bearer ${data.token}` }, tags: { kind: 'api' } };
  const responses = http.batch([
    ['GET', `${BASE}/api/v1/rooms`, null, params],
    ['GET', `${BASE}/api/v1/rooms/${data.roomId}/messages?limit=50`, null, params],
    ['GET', `${BASE}/api/v1/auth/me`, null, params],
    ['GET', `${BASE}/api/v1/config`, null, { tags: { kind: 'api' } }],
  ]);
  check(responses, {
    'rooms 200': (r) => r[0].status === 200,
    'history 200': (r) => r[1].status === 200 && Array.isArray(r[1].json('items')),
    'me 200': (r) => r[2].status === 200,
    'config 200': (r) => r[3].status === 200,
  });
}

export function chat(data) {
  const ticketRes = http.post(`${BASE}/api/v1/realtime/ticket`, '{}', { headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json' }, tags: { kind: 'api' } });
  if (!check(ticketRes, { 'ticket 200': (r) => r.status === 200 })) {
    sessionOk.add(false);
    sleep(1);
    return;
  }
  const wsUrl = `${BASE.replace(/^http/, 'ws')}/ws`;
  const pending = {}; // frame id → send time
  const seen = {};
  let ready = false;
  let n = 0;
  const res = ws.connect(wsUrl, { tags: { kind: 'ws' } }, (socket) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', ticket: ticketRes.json('ticket') })));
    socket.on('message', (raw) => {
      const f = JSON.parse(raw);
      if (f.type === 'ready') socket.send(JSON.stringify({ type: 'subscribe', id: 'sub', rooms: [{ roomId: data.roomId }] }));
      else if (f.type === 'ack' && f.id === 'sub') ready = true;
      else if (f.type === 'ack' && pending[f.id]) {
        ackLatency.add(Date.now() - pending[f.id]);
        sendErrors.add(false);
        delete pending[f.id];
      } else if (f.type === 'error' && f.id && pending[f.id]) {
        sendErrors.add(true);
        delete pending[f.id];
      } else if (f.type === 'message.created' && f.roomId === data.roomId) {
        const m = /^k6 (\d+) /.exec(f.message.body || '');
        if (seen[f.message.id]) duplicates.add(1);
        seen[f.message.id] = true;
        delivered.add(1);
        // Bodies carry the sender's clock; k6 runs every VU on one machine, so the clocks agree.
        if (m) deliveryLatency.add(Math.max(0, Date.now() - Number(m[1])));
      }
    });
    // Stagger the senders so the room sees a steady rate, not bursts.
    socket.setTimeout(() => {
      socket.setInterval(() => {
        if (!ready) return;
        const id = `m${__VU}-${++n}`;
        pending[id] = Date.now();
        socket.send(JSON.stringify({ type: 'message.send', id, roomId: data.roomId, clientKey: `k6-${__VU}-${__ITER}-${n}-${Date.now()}`, body: `k6 ${Date.now()} from VU ${__VU}` }));
      }, SEND_INTERVAL_S * 1000);
    }, Math.random() * SEND_INTERVAL_S * 1000);
    socket.setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 25_000);
    // Sessions last a minute, then reconnect: exercises ticket + upgrade + subscribe under load.
    socket.setTimeout(() => socket.close(), 60_000);
  });
  sessionOk.add(check(res, { 'ws upgraded (101)': (r) => r && r.status === 101 }) && ready);
}
