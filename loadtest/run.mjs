#!/usr/bin/env node
/*
 * The local load runner (k6 is not available on this machine; loadtest/k6/ has the scripts for
 * staging). Targets a running Parley — one process, two processes behind Redis (give two URLs),
 * or the compose stack through nginx — and reports send→ack and send→deliver latency
 * (p50/p95/p99/max per recipient), throughput, errors, losses and duplicates.
 *
 *   node loadtest/run.mjs --url http://127.0.0.1:3000 [--url http://127.0.0.1:3001] \
 *        [--clients 1000] [--rooms 50] [--rates 250,500,1000] [--step-seconds 5] \
 *        [--setup api|sql] [--database-url postgres://…] [--token-secret …] [--out result.json]
 *
 * Setup: `api` registers users and rooms through the API (works against anything; needs
 * RATE_LIMIT_AUTH_PER_MIN raised on the target, ~60 ms of server CPU per user for argon2);
 * `sql` seeds the database directly and mints tokens (needs the database URL and TOKEN_SECRET).
 * The target must allow the send rate: set RATE_LIMIT_SEND_PER_10S well above
 * 10 × rate / clients (default 50 per user per 10 s).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closeClients, connectClients, runSteps } from './lib/chat-load.mjs';
import { seedParley, seedViaApi } from './lib/seed.mjs';

const { values: o } = parseArgs({
  options: {
    url: { type: 'string', multiple: true, default: ['http://127.0.0.1:3000'] },
    clients: { type: 'string', default: '1000' },
    rooms: { type: 'string', default: '50' },
    rates: { type: 'string', default: '250,500,1000,2000' },
    'step-seconds': { type: 'string', default: '5' },
    'slo-ms': { type: 'string', default: '100' },
    setup: { type: 'string', default: 'api' },
    'database-url': { type: 'string' },
    'token-secret': { type: 'string', default: process.env.TOKEN_SECRET },
    out: { type: 'string' },
  },
});
const clientsN = Number(o.clients);
const roomsN = Number(o.rooms);
const log = (...a) => console.log(`[loadtest ${new Date().toISOString().slice(11, 19)}]`, ...a);

const seeded =
  o.setup === 'sql'
    ? await seedParley({ databaseUrl: o['database-url'], tokenSecret: o['token-secret'], users: clientsN, rooms: roomsN })
    : await seedViaApi({ baseUrl: o.url[0], users: clientsN, rooms: roomsN });
log(`set up ${clientsN} users in ${roomsN} rooms (${o.setup})`);
const specs = seeded.users.map((u, i) => ({ url: o.url[i % o.url.length], server: o.url.length > 1 ? i % o.url.length : undefined, token: u.token, userId: u.id, roomId: u.roomId }));
const { clients, failures, errors } = await connectClients('parley', specs, { concurrency: 50 });
log(`${clients.length} connected, ${failures} failed${failures ? `: ${errors.join('; ')}` : ''}`);
const result = await runSteps('parley', clients, {
  rates: o.rates.split(',').map(Number),
  durationMs: Number(o['step-seconds']) * 1000,
  sloMs: Number(o['slo-ms']),
  log,
});
await closeClients(clients);
result.connectFailures = failures;
log(`max sustained at p99 ≤ ${o['slo-ms']} ms: ${result.maxSustainedMsgsPerSec} msgs/s (${result.maxSustainedDeliveriesPerSec} deliveries/s); saturation ${result.saturationMsgsPerSec} msgs/s; lost ${result.totals.lostDeliveries}, duplicates ${result.totals.duplicateDeliveries}, errors ${result.totals.errors}`);
if (o.out) writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), targets: o.url, ...result }, null, 2) + '\n');
process.exit(result.totals.lostDeliveries || result.totals.duplicateDeliveries ? 1 : 0);
