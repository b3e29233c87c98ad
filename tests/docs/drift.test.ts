/**
 * The documentation cannot drift from the code. For each kind of identifier, a page that documents
 * one the code does not have fails, and one the code has that no page documents fails.
 * What "documents" means for each kind is defined on the extractor in ./lib.ts and in ./README.md.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_ENV, NON_CONFIG_ENV, NON_METRIC_NAMES } from './allow-list.ts';
import * as L from './lib.ts';

const pages = L.markdownPages().map((p) => ({ path: p, md: readFileSync(p, 'utf8') }));

/** name → pages mentioning it */
function collect(f: (page: { path: string; md: string }) => Iterable<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of pages) for (const n of f(p)) out.set(n, [...(out.get(n) ?? []), L.rel(p.path)]);
  return out;
}
const fmt = (m: Map<string, string[]>, names: string[]) => names.map((n) => `${n} (${(m.get(n) ?? []).join(', ')})`);

describe('environment variables (CONFIG_VARS in apps/server/src/config/schema.ts, + _FILE for secrets)', () => {
  let env: Set<string>;
  beforeAll(async () => {
    env = await L.truthEnv();
  });

  it('pages name no variable the server does not read (except the allow-list)', () => {
    const claims = collect((p) => L.documentedEnv(p.md).claims);
    const unknown = [...claims.keys()].filter((n) => !env.has(n) && !(n in NON_CONFIG_ENV) && !(n in EXTERNAL_ENV));
    expect(fmt(claims, unknown)).toEqual([]);
  });

  it('every variable the server reads is documented', () => {
    const all = collect((p) => L.documentedEnv(p.md).all);
    expect([...env].filter((n) => !all.has(n))).toEqual([]);
  });

  it('the allow-list is neither stale nor made up: each entry is on a page and in the repository outside docs', () => {
    const claims = collect((p) => L.documentedEnv(p.md).claims);
    const names = Object.keys(NON_CONFIG_ENV);
    expect(names.filter((n) => env.has(n))).toEqual([]); // a config variable needs no allow-listing
    expect(names.filter((n) => !claims.has(n))).toEqual([]);
    const used = L.namesUsedOutsideDocs(names);
    expect(names.filter((n) => !used.has(n))).toEqual([]);
    const external = Object.keys(EXTERNAL_ENV);
    expect(external.filter((n) => env.has(n) || !claims.has(n))).toEqual([]);
  });
});

describe('metrics (apps/server/src/observability/metrics.ts)', () => {
  const metrics = L.truthMetrics();

  it('finds the metric definitions', () => {
    expect(metrics.size).toBeGreaterThan(10);
    expect(metrics.has('parley_ws_connections')).toBe(true);
  });

  it('pages name no parley_/http_request metric the server does not export', () => {
    const found = collect((p) => L.documentedMetrics(p.md, metrics));
    const unknown = [...found.keys()].filter((n) => !metrics.has(n) && !(n in NON_METRIC_NAMES));
    expect(fmt(found, unknown)).toEqual([]);
  });

  it('every metric is documented', () => {
    const found = collect((p) => L.documentedMetrics(p.md, metrics));
    expect([...metrics].filter((n) => !found.has(n))).toEqual([]);
  });

  it('the non-metric allow-list is on a page and in the code', () => {
    const found = collect((p) => L.documentedMetrics(p.md, metrics));
    const names = Object.keys(NON_METRIC_NAMES);
    expect(names.filter((n) => !found.has(n))).toEqual([]);
    const used = L.namesUsedOutsideDocs(names);
    expect(names.filter((n) => !used.has(n))).toEqual([]);
  });
});

describe('alerts (deploy/monitoring/rules/*.yaml)', () => {
  const alerts = L.truthAlerts();

  it('finds the alerts', () => expect(alerts.size).toBeGreaterThan(5));

  it('pages name no alert that does not exist, and every runbook is for a real alert', () => {
    const found = collect((p) => L.documentedAlerts(p.path, p.md));
    expect(fmt(found, [...found.keys()].filter((n) => !alerts.has(n)))).toEqual([]);
  });

  it('every alert has a runbook page and is named on the operator pages', () => {
    const runbooks = new Set(pages.map((p) => /\/docs\/runbooks\/(Parley\w+)\.md$/.exec(p.path)?.[1]).filter(Boolean));
    expect([...alerts].filter((a) => !runbooks.has(a))).toEqual([]);
    const elsewhere = collect((p) => (p.path.includes('/docs/runbooks/Parley') ? [] : L.documentedAlerts(p.path, p.md)));
    expect([...alerts].filter((a) => !elsewhere.has(a))).toEqual([]);
  });
});

describe('API routes (paths of docs/api/openapi.yaml)', () => {
  const routes = L.truthRoutes();

  it('pages name no route the server does not have (a base path such as /api/v1 is allowed)', () => {
    const found = collect((p) => L.documentedRoutes(p.md));
    const unknown = [...found.keys()].filter(
      (d) => !routes.some((s) => L.routeExists(d, s)) && !routes.some((s) => s.startsWith(`${d}/`)),
    );
    expect(fmt(found, unknown)).toEqual([]);
  });

  it('every route is documented on a page', () => {
    const found = [...collect((p) => L.documentedRoutes(p.md)).keys()];
    expect(routes.filter((s) => !found.some((d) => L.routeCovers(d, s)))).toEqual([]);
  });

  it('the endpoint table of docs/api/reference.md lists exactly the operations of the specification', () => {
    const spec = L.truthOperations();
    const md = readFileSync(`${L.DOCS}/api/reference.md`, 'utf8');
    const table = [...md.matchAll(/^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(table.sort()).toEqual(spec.sort());
  });
});

describe('WebSocket frames (ClientFrames/ServerFrames in packages/protocol/src/ws.ts) on docs/api/websocket.md', () => {
  let frames: Set<string>;
  const md = readFileSync(`${L.DOCS}/api/websocket.md`, 'utf8');
  beforeAll(async () => {
    const f = await L.truthFrames();
    frames = new Set([...f.client, ...f.server]);
  });

  it('every frame type is in backticks on the WebSocket guide', () => {
    const { documented } = L.documentedFrames(md, frames);
    expect([...frames].filter((f) => !documented.has(f))).toEqual([]);
  });

  it('the guide names no frame type the protocol does not have', () => {
    const { claims } = L.documentedFrames(md, frames);
    expect([...claims].filter((c) => !frames.has(c))).toEqual([]);
  });
});

describe('the extractors', () => {
  it('recognise each kind and ignore look-alikes', () => {
    const md = [
      'Set `DATABASE_URL=postgres://x` and `PORT`; `GET` is a method.',
      '```sh\nNOT_COUNTED=1\ncurl $BASE/api/v1/rooms/$ROOM/messages?limit=5\n```',
      'Rate: `rate(parley_ws_frames_sent_total[5m])`, `parley:http_requests:rate5m`, `http_request_duration_seconds_bucket`.',
      'Alert `ParleyServerDown`, see [runbook](../runbooks/ParleyDatabaseDown.md). Frame `message.created`, field `ack.result`.',
    ].join('\n\n');
    expect(L.documentedEnv(md)).toEqual({ all: new Set(['DATABASE_URL', 'PORT', 'GET']), claims: new Set(['DATABASE_URL']) });
    expect(L.documentedRoutes(md)).toEqual(new Set(['/api/v1/rooms/$ROOM/messages']));
    expect(L.routeExists('/api/v1/rooms/$ROOM/messages', '/api/v1/rooms/{roomId}/messages')).toBe(true);
    expect(L.routeCovers('/api/v1/rooms/public', '/api/v1/rooms/{roomId}')).toBe(false);
    expect(L.documentedMetrics(md, new Set(['http_request_duration_seconds']))).toEqual(
      new Set(['parley_ws_frames_sent_total', 'http_request_duration_seconds']),
    );
    expect(L.documentedAlerts('/x/docs/y.md', md)).toEqual(new Set(['ParleyServerDown', 'ParleyDatabaseDown']));
    expect(L.documentedFrames(md, new Set(['ack'])).claims).toEqual(new Set(['message.created']));
  });
});
