/*
 * Parley's Grafana dashboards as code (@grafana/grafana-foundation-sdk builders).
 *
 * Every query uses only metrics from apps/server/src/observability/metrics.ts, prom-client's
 * default metrics, the recording rules in deploy/monitoring/rules, or a name listed in
 * deploy/monitoring/external-metrics.yaml (tests/monitoring checks it).
 *
 * Layout is computed here, not by the SDK: DashboardBuilder's automatic placement lets a
 * panel run past column 24 when a row does not fill up exactly, so every panel gets an
 * explicit gridPos and id from `layout()`.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as HeatmapBuilder } from '@grafana/grafana-foundation-sdk/heatmap';

const DS = { type: 'prometheus', uid: '${datasource}' };

/** Label selector shared by every Parley query; the variables default to "All". */
const S = 'job="parley-server", namespace=~"$namespace", instance=~"$instance"';
/** Selector for recording rules (aggregated by job and namespace). */
const R = 'job="parley-server", namespace=~"$namespace"';

type Target = { expr: string; legend?: string; instant?: boolean; format?: 'time_series' | 'table' | 'heatmap' };
type AnyPanel = TimeseriesBuilder | StatBuilder | TableBuilder | HeatmapBuilder;
type Placed = { panel: AnyPanel; w: number; h: number };

function targets(panel: AnyPanel, list: Target[]): void {
  list.forEach((t, i) => {
    const q = new DataqueryBuilder()
      .datasource(DS)
      .refId(String.fromCharCode(65 + i))
      .expr(t.expr)
      .legendFormat(t.legend ?? '__auto');
    if (t.instant) q.instant();
    if (t.format) q.format(t.format as PromQueryFormat);
    panel.withTarget(q);
  });
}

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom)
    .calcs([]);
}

/** A time series panel. */
function ts(title: string, description: string, unit: string, list: Target[], opts: { stack?: boolean; min?: number } = {}): TimeseriesBuilder {
  const p = new TimeseriesBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .legend(legend())
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(opts.stack ? 30 : 10);
  if (opts.min !== undefined) p.min(opts.min);
  if (opts.stack) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  targets(p, list);
  return p;
}

function thresholds(steps: Array<[number | null, string]>): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

/** A single-number panel. */
function stat(title: string, description: string, unit: string, t: Target, steps: Array<[number | null, string]> = [[null, 'green']]): StatBuilder {
  const p = new StatBuilder()
    .title(title)
    .description(description)
    .datasource(DS)
    .unit(unit)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholds(steps));
  targets(p, [t]);
  return p;
}

function table(title: string, description: string, list: Target[]): TableBuilder {
  const p = new TableBuilder().title(title).description(description).datasource(DS);
  targets(p, list);
  return p;
}

function heatmap(title: string, description: string, expr: string): HeatmapBuilder {
  const p = new HeatmapBuilder().title(title).description(description).datasource(DS);
  targets(p, [{ expr, legend: '{{le}}', format: 'heatmap' }]);
  return p;
}

const q = (quantile: number, metric: string, by = 'le', sel = S) =>
  `histogram_quantile(${quantile}, sum by (${by}) (rate(${metric}_bucket{${sel}}[$__rate_interval])))`;

/**
 * Place rows of panels on the 24-column grid: panels flow left to right and wrap before a
 * panel that would cross column 24. Panel ids are assigned in layout order, starting at 1.
 */
function layout(builder: DashboardBuilder, rows: Array<{ title: string; panels: Placed[] }>): DashboardBuilder {
  let id = 1;
  let y = 0;
  for (const row of rows) {
    builder.withRow(new RowBuilder(row.title).id(id++).gridPos({ x: 0, y, w: 24, h: 1 }));
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const { panel, w, h } of row.panels) {
      if (w < 1 || w > 24) throw new Error(`panel width ${w} does not fit the grid`);
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panel.id(id++).gridPos({ x, y, w, h });
      builder.withPanel(panel);
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return builder;
}

function base(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['parley'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(DS)
        .query({ query: 'label_values(parley_build_info{job="parley-server"}, namespace)', refId: 'namespace' })
        .definition('label_values(parley_build_info{job="parley-server"}, namespace)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
        .multi(true),
    )
    .withVariable(
      new QueryVariableBuilder('instance')
        .label('Instance')
        .datasource(DS)
        .query({ query: 'label_values(parley_build_info{job="parley-server", namespace=~"$namespace"}, instance)', refId: 'instance' })
        .definition('label_values(parley_build_info{job="parley-server", namespace=~"$namespace"}, instance)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' })
        .multi(true),
    );
}

function overview(): Dashboard {
  const reqRate = `sum(rate(http_requests_total{${S}}[$__rate_interval]))`;
  return layout(base('parley-overview', 'Parley / Overview', 'Requests, errors and latency (RED), WebSocket and business metrics of Parley.'), [
    {
      title: 'Service level',
      panels: [
        { w: 4, h: 4, panel: stat('Requests / s', 'HTTP requests per second, all routes.', 'reqps', { expr: reqRate }) },
        { w: 4, h: 4, panel: stat('5xx ratio (5m)', 'Share of HTTP responses with a 5xx status. Alert threshold: 5 %.', 'percentunit', { expr: `sum(rate(http_requests_total{${S}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${S}}[5m]))` }, [[null, 'green'], [0.01, 'orange'], [0.05, 'red']]) },
        { w: 4, h: 4, panel: stat('p95 latency', 'HTTP request latency, 95th percentile.', 's', { expr: q(0.95, 'http_request_duration_seconds') }, [[null, 'green'], [0.25, 'orange'], [0.5, 'red']]) },
        { w: 4, h: 4, panel: stat('Latency SLO, 30 days', 'Share of eligible API requests under 500 ms over 30 days (target 99 %), from the hourly recording rule.', 'percentunit', { expr: `1 - avg_over_time(parley:slo_http_latency:error_ratio_rate1h{${R}}[30d])` }, [[null, 'red'], [0.99, 'green']]) },
        { w: 4, h: 4, panel: stat('WebSocket connections', 'Open WebSocket connections, all instances.', 'short', { expr: `sum(parley_ws_connections{${S}})` }) },
        { w: 4, h: 4, panel: stat('Messages / min', 'Messages committed per minute.', 'short', { expr: `sum(rate(parley_messages_created_total{${S}}[$__rate_interval])) * 60` }) },
      ],
    },
    {
      title: 'Requests (RED)',
      panels: [
        { w: 12, h: 8, panel: ts('Requests by status', 'HTTP requests per second by status code.', 'reqps', [{ expr: `sum by (status) (rate(http_requests_total{${S}}[$__rate_interval]))`, legend: '{{status}}' }], { stack: true, min: 0 }) },
        { w: 12, h: 8, panel: ts('5xx errors by route', 'Server errors per second by route template and status.', 'reqps', [{ expr: `sum by (route, status) (rate(http_requests_total{${S}, status=~"5.."}[$__rate_interval]))`, legend: '{{status}} {{route}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Latency', 'HTTP request latency quantiles, all routes.', 's', [
          { expr: q(0.5, 'http_request_duration_seconds'), legend: 'p50' },
          { expr: q(0.95, 'http_request_duration_seconds'), legend: 'p95' },
          { expr: q(0.99, 'http_request_duration_seconds'), legend: 'p99' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('p95 latency by route (top 10)', 'The ten slowest route templates by 95th percentile latency.', 's', [{ expr: `topk(10, ${q(0.95, 'http_request_duration_seconds', 'route, le')})`, legend: '{{route}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Latency SLO burn rate', 'Share of slow (> 500 ms) eligible requests divided by the 1 % budget. 1 = burning exactly the budget; the page fires above 14.4 (1h) / 6 (6h).', 'short', [
          { expr: `parley:slo_http_latency:error_ratio_rate5m{${R}} / 0.01`, legend: '5m' },
          { expr: `parley:slo_http_latency:error_ratio_rate1h{${R}} / 0.01`, legend: '1h' },
          { expr: `parley:slo_http_latency:error_ratio_rate6h{${R}} / 0.01`, legend: '6h' },
          { expr: `parley:slo_http_latency:error_ratio_rate1d{${R}} / 0.01`, legend: '1d' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Requests by instance', 'Load balance across server instances.', 'reqps', [{ expr: `sum by (instance) (rate(http_requests_total{${S}}[$__rate_interval]))`, legend: '{{instance}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'WebSocket',
      panels: [
        { w: 8, h: 8, panel: ts('Connections', 'Open WebSocket connections per instance.', 'short', [{ expr: `sum by (instance) (parley_ws_connections{${S}})`, legend: '{{instance}}' }], { stack: true, min: 0 }) },
        { w: 8, h: 8, panel: ts('Connects and disconnects', 'Connections opened, and closed by close code, per second.', 'short', [
          { expr: `sum(rate(parley_ws_connections_opened_total{${S}}[$__rate_interval]))`, legend: 'opened' },
          { expr: `sum by (code) (rate(parley_ws_connections_closed_total{${S}}[$__rate_interval]))`, legend: 'closed {{code}}' },
        ], { min: 0 }) },
        { w: 8, h: 8, panel: ts('Delivery latency', 'Time from a message commit to its frame being written to a recipient socket.', 's', [
          { expr: q(0.5, 'parley_ws_delivery_latency_seconds'), legend: 'p50' },
          { expr: q(0.99, 'parley_ws_delivery_latency_seconds'), legend: 'p99' },
        ], { min: 0 }) },
      ],
    },
    {
      title: 'Business',
      panels: [
        { w: 8, h: 8, panel: ts('Messages by room kind', 'Messages committed per second by room kind.', 'short', [{ expr: `sum by (room_kind) (rate(parley_messages_created_total{${S}}[$__rate_interval]))`, legend: '{{room_kind}}' }], { stack: true, min: 0 }) },
        { w: 8, h: 8, panel: ts('Logins and registrations', 'Login attempts by result and new accounts, per minute.', 'short', [
          { expr: `sum by (result) (rate(parley_logins_total{${S}}[$__rate_interval])) * 60`, legend: 'login {{result}}' },
          { expr: `sum(rate(parley_registrations_total{${S}}[$__rate_interval])) * 60`, legend: 'registrations' },
        ], { min: 0 }) },
        { w: 8, h: 8, panel: ts('Active users (per instance)', 'Distinct users seen by each process in the window (approximate; a user on two instances counts twice in a sum).', 'short', [{ expr: `max by (instance, window) (parley_active_users{${S}})`, legend: '{{window}} {{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Uploads', 'Files and bytes uploaded per second.', 'short', [
          { expr: `sum(rate(parley_uploads_total{${S}}[$__rate_interval]))`, legend: 'files/s' },
          { expr: `sum(rate(parley_upload_bytes_total{${S}}[$__rate_interval]))`, legend: 'bytes/s' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Rate-limit rejections', 'Requests rejected by a rate limit, by scope.', 'short', [{ expr: `sum by (scope) (rate(parley_rate_limit_rejections_total{${S}}[$__rate_interval]))`, legend: '{{scope}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'Build',
      panels: [
        { w: 24, h: 5, panel: table('Running versions', 'parley_build_info of every instance.', [{ expr: `parley_build_info{${S}}`, instant: true, format: 'table' }]) },
      ],
    },
  ]).build();
}

function realtime(): Dashboard {
  return layout(base('parley-realtime', 'Parley / Realtime', 'WebSocket connections, frames, delivery latency and fan-out.'), [
    {
      title: 'Connections',
      panels: [
        { w: 6, h: 4, panel: stat('Connections', 'Open WebSocket connections.', 'short', { expr: `sum(parley_ws_connections{${S}})` }) },
        { w: 6, h: 4, panel: stat('Subscriptions', 'Room subscriptions held by connections.', 'short', { expr: `sum(parley_ws_subscriptions{${S}})` }) },
        { w: 6, h: 4, panel: stat('Delivery p99', 'Commit-to-socket latency, 99th percentile (alert above 1 s).', 's', { expr: q(0.99, 'parley_ws_delivery_latency_seconds') }, [[null, 'green'], [0.5, 'orange'], [1, 'red']]) },
        { w: 6, h: 4, panel: stat('Slow-consumer disconnects / h', 'Connections closed because their send buffer passed WS_MAX_BUFFERED_BYTES.', 'short', { expr: `sum(increase(parley_ws_slow_consumer_disconnects_total{${S}}[1h]))` }, [[null, 'green'], [10, 'orange']]) },
        { w: 12, h: 8, panel: ts('Connections per instance', 'Open WebSocket connections per instance.', 'short', [{ expr: `sum by (instance) (parley_ws_connections{${S}})`, legend: '{{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Subscriptions per instance', 'Room subscriptions per instance.', 'short', [{ expr: `sum by (instance) (parley_ws_subscriptions{${S}})`, legend: '{{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Closes by code', 'WebSocket closes per second by close code (1012 = server restart, 4008 = slow consumer).', 'short', [{ expr: `sum by (code) (rate(parley_ws_connections_closed_total{${S}}[$__rate_interval]))`, legend: '{{code}}' }], { stack: true, min: 0 }) },
        { w: 12, h: 8, panel: ts('Slow-consumer disconnects', 'Disconnects per second because of full send buffers.', 'short', [{ expr: `sum by (instance) (rate(parley_ws_slow_consumer_disconnects_total{${S}}[$__rate_interval]))`, legend: '{{instance}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'Frames',
      panels: [
        { w: 8, h: 8, panel: ts('Frames received by type', 'Client frames per second by type.', 'short', [{ expr: `sum by (type) (rate(parley_ws_frames_received_total{${S}}[$__rate_interval]))`, legend: '{{type}}' }], { stack: true, min: 0 }) },
        { w: 8, h: 8, panel: ts('Frames sent by type', 'Server frames per second by type.', 'short', [{ expr: `sum by (type) (rate(parley_ws_frames_sent_total{${S}}[$__rate_interval]))`, legend: '{{type}}' }], { stack: true, min: 0 }) },
        { w: 8, h: 8, panel: ts('Frames rejected by reason', 'Client frames rejected (invalid, too large, rate-limited) per second.', 'short', [{ expr: `sum by (reason) (rate(parley_ws_frames_rejected_total{${S}}[$__rate_interval]))`, legend: '{{reason}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'Delivery and fan-out',
      panels: [
        { w: 12, h: 8, panel: ts('Delivery latency', 'Commit-to-socket latency quantiles.', 's', [
          { expr: q(0.5, 'parley_ws_delivery_latency_seconds'), legend: 'p50' },
          { expr: q(0.9, 'parley_ws_delivery_latency_seconds'), legend: 'p90' },
          { expr: q(0.99, 'parley_ws_delivery_latency_seconds'), legend: 'p99' },
          { expr: `parley:ws_delivery_latency_seconds:p99_rate5m{${R}}`, legend: 'p99 (5m, recorded) {{namespace}}' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: heatmap('Delivery latency distribution', 'Deliveries per latency bucket.', `sum by (le) (increase(parley_ws_delivery_latency_seconds_bucket{${S}}[$__rate_interval]))`) },
        { w: 12, h: 8, panel: ts('Redis publish latency', 'Latency of Redis PUBLISH for cross-replica fan-out.', 's', [
          { expr: q(0.5, 'parley_redis_publish_duration_seconds'), legend: 'p50' },
          { expr: q(0.99, 'parley_redis_publish_duration_seconds'), legend: 'p99' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Fan-out publish failures', 'Failed publishes per second (events stay in the database; clients recover by gap fetch).', 'short', [{ expr: `sum by (instance) (rate(parley_fanout_publish_failures_total{${S}}[$__rate_interval]))`, legend: '{{instance}}' }], { min: 0 }) },
      ],
    },
  ]).build();
}

function databaseRedis(): Dashboard {
  return layout(base('parley-database-redis', 'Parley / Database & Redis', 'PostgreSQL pool and queries, Redis connectivity, pub/sub and caches as seen by Parley.'), [
    {
      title: 'PostgreSQL',
      panels: [
        { w: 6, h: 4, panel: stat('Database up', 'Instances whose last database health check succeeded.', 'short', { expr: `sum(parley_db_up{${S}})` }) },
        { w: 6, h: 4, panel: stat('Pool usage', 'Connections in use across instances / configured maximum.', 'percentunit', { expr: `sum(parley_db_pool_connections{${S}, state="total"}) / sum(parley_db_pool_max{${S}})` }, [[null, 'green'], [0.75, 'orange'], [0.9, 'red']]) },
        { w: 6, h: 4, panel: stat('Waiting for a connection', 'Queries queued for a pool connection, all instances.', 'short', { expr: `sum(parley_db_pool_connections{${S}, state="waiting"})` }, [[null, 'green'], [1, 'orange'], [10, 'red']]) },
        { w: 6, h: 4, panel: stat('Query p95', 'Database query latency, 95th percentile.', 's', { expr: q(0.95, 'parley_db_query_duration_seconds') }, [[null, 'green'], [0.1, 'orange'], [0.5, 'red']]) },
        { w: 12, h: 8, panel: ts('Pool connections by state', 'Pool connections per instance and state, with the configured maximum.', 'short', [
          { expr: `sum by (instance, state) (parley_db_pool_connections{${S}})`, legend: '{{state}} {{instance}}' },
          { expr: `max by (instance) (parley_db_pool_max{${S}})`, legend: 'max {{instance}}' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Pool utilisation', 'Connections in use / maximum, per instance (alert at 90 % with waiters).', 'percentunit', [{ expr: `parley_db_pool_connections{${S}, state="total"} / ignoring(state) parley_db_pool_max{${S}}`, legend: '{{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Queries by name', 'Database queries per second by query name.', 'short', [{ expr: `sum by (query) (rate(parley_db_query_duration_seconds_count{${S}}[$__rate_interval]))`, legend: '{{query}}' }], { stack: true, min: 0 }) },
        { w: 12, h: 8, panel: ts('Query p95 by name (top 10)', 'Slowest queries by 95th percentile latency.', 's', [{ expr: `topk(10, ${q(0.95, 'parley_db_query_duration_seconds', 'query, le')})`, legend: '{{query}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'Redis',
      panels: [
        { w: 8, h: 8, panel: ts('Redis connected', '1 when the Redis connection is ready, per instance and client.', 'short', [{ expr: `min by (instance, client) (parley_redis_connected{${S}})`, legend: '{{client}} {{instance}}' }], { min: 0 }) },
        { w: 8, h: 8, panel: ts('Redis reconnects', 'Reconnect attempts per second.', 'short', [{ expr: `sum by (instance, client) (rate(parley_redis_reconnects_total{${S}}[$__rate_interval]))`, legend: '{{client}} {{instance}}' }], { min: 0 }) },
        { w: 8, h: 8, panel: ts('Publish latency', 'Latency of Redis PUBLISH.', 's', [
          { expr: q(0.5, 'parley_redis_publish_duration_seconds'), legend: 'p50' },
          { expr: q(0.99, 'parley_redis_publish_duration_seconds'), legend: 'p99' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Cache hit ratio', 'Cache hits / lookups per cache.', 'percentunit', [{ expr: `sum by (cache) (rate(parley_cache_requests_total{${S}, result="hit"}[$__rate_interval])) / sum by (cache) (rate(parley_cache_requests_total{${S}}[$__rate_interval]))`, legend: '{{cache}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Cache lookups', 'Cache lookups per second by cache and result.', 'short', [{ expr: `sum by (cache, result) (rate(parley_cache_requests_total{${S}}[$__rate_interval]))`, legend: '{{cache}} {{result}}' }], { stack: true, min: 0 }) },
      ],
    },
  ]).build();
}

function runtime(): Dashboard {
  return layout(base('parley-nodejs-runtime', 'Parley / Node.js runtime', 'Process and V8 metrics (prom-client defaults) of every server instance.'), [
    {
      title: 'Process',
      panels: [
        { w: 6, h: 4, panel: stat('Instances up', 'Server instances Prometheus can scrape.', 'short', { expr: 'sum(up{job="parley-server", namespace=~"$namespace"})' }) },
        { w: 6, h: 4, panel: stat('Uptime (youngest)', 'Time since the most recent process start.', 's', { expr: `time() - max(process_start_time_seconds{${S}})` }) },
        { w: 6, h: 4, panel: stat('Event-loop lag p99 (max)', 'Worst p99 event-loop lag across instances (alert above 500 ms).', 's', { expr: `max(nodejs_eventloop_lag_p99_seconds{${S}})` }, [[null, 'green'], [0.1, 'orange'], [0.5, 'red']]) },
        { w: 6, h: 4, panel: stat('Draining', 'Instances shutting down right now.', 'short', { expr: `sum(parley_draining{${S}})` }, [[null, 'green'], [1, 'orange']]) },
        { w: 12, h: 8, panel: ts('CPU', 'CPU seconds used per second, per instance (1 = one core).', 'short', [{ expr: `sum by (instance) (rate(process_cpu_seconds_total{${S}}[$__rate_interval]))`, legend: '{{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Resident memory', 'Process RSS per instance.', 'bytes', [{ expr: `process_resident_memory_bytes{${S}}`, legend: '{{instance}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Open file descriptors', 'Open file descriptors (each WebSocket is one) against the limit.', 'short', [
          { expr: `process_open_fds{${S}}`, legend: 'open {{instance}}' },
          { expr: `process_max_fds{${S}}`, legend: 'max {{instance}}' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Active handles and requests', 'libuv handles (sockets, timers) and requests per instance.', 'short', [
          { expr: `nodejs_active_handles_total{${S}}`, legend: 'handles {{instance}}' },
          { expr: `nodejs_active_requests_total{${S}}`, legend: 'requests {{instance}}' },
        ], { min: 0 }) },
      ],
    },
    {
      title: 'Event loop and GC',
      panels: [
        { w: 12, h: 8, panel: ts('Event-loop lag', 'Event-loop delay percentiles per instance.', 's', [
          { expr: `nodejs_eventloop_lag_p50_seconds{${S}}`, legend: 'p50 {{instance}}' },
          { expr: `nodejs_eventloop_lag_p99_seconds{${S}}`, legend: 'p99 {{instance}}' },
          { expr: `nodejs_eventloop_lag_max_seconds{${S}}`, legend: 'max {{instance}}' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('GC time by kind', 'Seconds per second spent in garbage collection, by GC kind.', 'percentunit', [{ expr: `sum by (kind) (rate(nodejs_gc_duration_seconds_sum{${S}}[$__rate_interval]))`, legend: '{{kind}}' }], { stack: true, min: 0 }) },
        { w: 12, h: 8, panel: ts('GC runs by kind', 'Garbage collections per second by kind.', 'short', [{ expr: `sum by (kind) (rate(nodejs_gc_duration_seconds_count{${S}}[$__rate_interval]))`, legend: '{{kind}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('GC pause p99', 'Garbage-collection pause, 99th percentile.', 's', [{ expr: q(0.99, 'nodejs_gc_duration_seconds', 'kind, le'), legend: '{{kind}}' }], { min: 0 }) },
      ],
    },
    {
      title: 'Memory',
      panels: [
        { w: 12, h: 8, panel: ts('Heap', 'V8 heap used and total per instance, and external (Buffer) memory.', 'bytes', [
          { expr: `nodejs_heap_size_used_bytes{${S}}`, legend: 'used {{instance}}' },
          { expr: `nodejs_heap_size_total_bytes{${S}}`, legend: 'total {{instance}}' },
          { expr: `nodejs_external_memory_bytes{${S}}`, legend: 'external {{instance}}' },
        ], { min: 0 }) },
        { w: 12, h: 8, panel: ts('Heap spaces', 'Used size of each V8 heap space, all instances.', 'bytes', [{ expr: `sum by (space) (nodejs_heap_space_size_used_bytes{${S}})`, legend: '{{space}}' }], { stack: true, min: 0 }) },
        { w: 24, h: 5, panel: table('Node.js versions', 'nodejs_version_info of every instance.', [{ expr: `nodejs_version_info{${S}}`, instant: true, format: 'table' }]) },
      ],
    },
    {
      // Kubernetes only (cAdvisor and kube-state-metrics); empty under Docker Compose.
      title: 'Kubernetes containers',
      panels: [
        { w: 12, h: 8, panel: ts('Memory vs. limit', 'Working set of each server container relative to its memory limit (alert at 90 %).', 'percentunit', [{ expr: `max by (pod) (container_memory_working_set_bytes{namespace=~"$namespace", container="server"}) / max by (pod) (kube_pod_container_resource_limits{namespace=~"$namespace", container="server", resource="memory"})`, legend: '{{pod}}' }], { min: 0 }) },
        { w: 12, h: 8, panel: ts('CPU vs. request', 'CPU used by each server container relative to its CPU request (no CPU limit is set).', 'percentunit', [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=~"$namespace", container="server"}[$__rate_interval])) / sum by (pod) (kube_pod_container_resource_requests{namespace=~"$namespace", container="server", resource="cpu"})`, legend: '{{pod}}' }], { min: 0 }) },
      ],
    },
  ]).build();
}

/** All dashboards by file name (written to deploy/monitoring/dashboards/). */
export function buildDashboards(): Record<string, Dashboard> {
  return {
    'parley-overview.json': overview(),
    'parley-realtime.json': realtime(),
    'parley-database-redis.json': databaseRedis(),
    'parley-nodejs-runtime.json': runtime(),
  };
}
