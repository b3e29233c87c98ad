import client from 'prom-client';

/*
 * Every metric Parley exports, defined in one place. Labels are bounded: route templates,
 * methods, status codes, frame types, close codes and fixed enums; never user or room ids.
 * Dashboards and alert rules (deploy/monitoring) may only use names defined here or the
 * default process/Node.js metrics; a test scrapes a live server to check that.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const metrics = {
  httpRequests: new client.Counter({ name: 'http_requests_total', help: 'HTTP requests by route template, method and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
  httpDuration: new client.Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency by route template, method and status', labelNames: ['method', 'route', 'status'], buckets: latencyBuckets, registers: [registry] }),

  wsConnections: new client.Gauge({ name: 'parley_ws_connections', help: 'Open WebSocket connections', registers: [registry] }),
  wsOpened: new client.Counter({ name: 'parley_ws_connections_opened_total', help: 'WebSocket connections accepted', registers: [registry] }),
  wsClosed: new client.Counter({ name: 'parley_ws_connections_closed_total', help: 'WebSocket connections closed, by close code', labelNames: ['code'], registers: [registry] }),
  wsSubscriptions: new client.Gauge({ name: 'parley_ws_subscriptions', help: 'Room subscriptions held by local WebSocket connections', registers: [registry] }),
  wsFramesIn: new client.Counter({ name: 'parley_ws_frames_received_total', help: 'WebSocket frames received, by type', labelNames: ['type'], registers: [registry] }),
  wsFramesOut: new client.Counter({ name: 'parley_ws_frames_sent_total', help: 'WebSocket frames sent, by type', labelNames: ['type'], registers: [registry] }),
  wsFramesRejected: new client.Counter({ name: 'parley_ws_frames_rejected_total', help: 'WebSocket frames rejected, by reason', labelNames: ['reason'], registers: [registry] }),
  wsDeliveryLatency: new client.Histogram({ name: 'parley_ws_delivery_latency_seconds', help: 'Time from a message commit to its frame being written to a recipient socket', buckets: latencyBuckets, registers: [registry] }),
  wsSlowConsumers: new client.Counter({ name: 'parley_ws_slow_consumer_disconnects_total', help: 'Connections closed because their send buffer passed the limit', registers: [registry] }),

  messagesCreated: new client.Counter({ name: 'parley_messages_created_total', help: 'Messages committed, by room kind', labelNames: ['room_kind'], registers: [registry] }),
  messageSendFailures: new client.Counter({ name: 'parley_message_send_failures_total', help: 'Message sends that failed, by reason (server-side failures only: database, internal)', labelNames: ['reason'], registers: [registry] }),
  messageBatchSize: new client.Histogram({ name: 'parley_message_commit_batch_size', help: 'Messages committed together by one group-commit statement (1 when the server is not busy)', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] }),
  uploads: new client.Counter({ name: 'parley_uploads_total', help: 'Files uploaded', registers: [registry] }),
  uploadBytes: new client.Counter({ name: 'parley_upload_bytes_total', help: 'Bytes uploaded', registers: [registry] }),
  logins: new client.Counter({ name: 'parley_logins_total', help: 'Login attempts by result', labelNames: ['result'], registers: [registry] }),
  registrations: new client.Counter({ name: 'parley_registrations_total', help: 'Accounts registered', registers: [registry] }),
  activeUsers: new client.Gauge({ name: 'parley_active_users', help: 'Distinct users seen on this process in the window (approximate, per process)', labelNames: ['window'], registers: [registry] }),

  dbQueryDuration: new client.Histogram({ name: 'parley_db_query_duration_seconds', help: 'Database query latency by query name', labelNames: ['query'], buckets: latencyBuckets, registers: [registry] }),
  dbPoolConnections: new client.Gauge({ name: 'parley_db_pool_connections', help: 'Database pool connections by state (total, idle, waiting)', labelNames: ['state'], registers: [registry] }),
  dbPoolMax: new client.Gauge({ name: 'parley_db_pool_max', help: 'Configured maximum database pool size', registers: [registry] }),
  dbUp: new client.Gauge({ name: 'parley_db_up', help: '1 when the last database health check succeeded', registers: [registry] }),

  redisConnected: new client.Gauge({ name: 'parley_redis_connected', help: '1 when the Redis connections are ready (absent metric value 1 in embedded mode means not configured)', labelNames: ['client'], registers: [registry] }),
  redisReconnects: new client.Counter({ name: 'parley_redis_reconnects_total', help: 'Redis reconnect attempts', labelNames: ['client'], registers: [registry] }),
  redisPublishDuration: new client.Histogram({ name: 'parley_redis_publish_duration_seconds', help: 'Latency of Redis PUBLISH for fan-out', buckets: latencyBuckets, registers: [registry] }),
  fanoutPublishFailures: new client.Counter({ name: 'parley_fanout_publish_failures_total', help: 'Fan-out publishes that failed (the event is in the database; clients recover it by gap fetch)', registers: [registry] }),
  cacheRequests: new client.Counter({ name: 'parley_cache_requests_total', help: 'Cache lookups by cache and result', labelNames: ['cache', 'result'], registers: [registry] }),

  rateLimited: new client.Counter({ name: 'parley_rate_limit_rejections_total', help: 'Requests rejected by a rate limit, by scope', labelNames: ['scope'], registers: [registry] }),
  buildInfo: new client.Gauge({ name: 'parley_build_info', help: 'Build information; value is always 1', labelNames: ['version', 'commit', 'node'], registers: [registry] }),
  draining: new client.Gauge({ name: 'parley_draining', help: '1 while the process is shutting down', registers: [registry] }),
};

/*
 * Counters whose labels come from a small fixed set start at zero, so every series exists
 * from the first scrape: rate() and ratio alerts (e.g. send failures / sends) then work
 * before the first failure, and "absent" never has to stand in for "zero" (Prometheus
 * practice: initialise known label values). Labels that depend on traffic (routes, frame
 * types, close codes, query names, caches) appear with their first observation.
 */
const BOUNDED_LABELS: Array<[client.Counter<string>, Record<string, string>[]]> = [
  [metrics.logins, [{ result: 'success' }, { result: 'failure' }]],
  [metrics.messageSendFailures, [{ reason: 'database' }, { reason: 'internal' }]],
  [metrics.messagesCreated, [{ room_kind: 'public' }, { room_kind: 'private' }, { room_kind: 'dm' }]],
  [metrics.rateLimited, [{ scope: 'auth' }, { scope: 'send' }, { scope: 'upload' }]],
  [metrics.wsFramesRejected, [{ reason: 'binary' }, { reason: 'invalid' }]],
  [metrics.redisReconnects, [{ client: 'command' }, { client: 'subscriber' }]],
];
for (const [counter, labelSets] of BOUNDED_LABELS) for (const labels of labelSets) counter.inc(labels, 0);

/** Time an async operation into a histogram with a fixed label. */
export async function timed<T>(h: client.Histogram<string>, labels: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const end = h.startTimer(labels);
  try {
    return await fn();
  } finally {
    end();
  }
}
