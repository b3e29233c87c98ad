/*
 * Shared helpers for the monitoring tests: which metric names Parley defines, which ones the
 * rules and dashboards reference, and every PromQL expression they contain.
 *
 * `referencedMetricNames()` is the contract for the live-scrape test: the names (as they
 * appear in a scrape, e.g. `http_request_duration_seconds_bucket`) that rules and dashboards
 * use, minus recording-rule outputs and the external metrics listed in
 * deploy/monitoring/external-metrics.yaml.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const monitoringDir = join(repoRoot, 'deploy/monitoring');
export const rulesDir = join(monitoringDir, 'rules');
export const dashboardsDir = join(monitoringDir, 'dashboards');
export const metricsSource = join(repoRoot, 'apps/server/src/observability/metrics.ts');

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** Metrics defined in apps/server/src/observability/metrics.ts: base name -> type. */
export function definedMetrics(): Map<string, MetricType> {
  const src = readFileSync(metricsSource, 'utf8');
  const out = new Map<string, MetricType>();
  const re = /new\s+client\.(Counter|Gauge|Histogram|Summary)\s*\(\s*\{\s*name:\s*'([^']+)'/g;
  for (const m of src.matchAll(re)) out.set(m[2], m[1].toLowerCase() as MetricType);
  // Guard against a definition style the regex does not understand (e.g. double quotes).
  const nameCount = [...src.matchAll(/\bname:\s*['"`]/g)].length;
  if (nameCount !== out.size) throw new Error(`metrics.ts has ${nameCount} name: entries but only ${out.size} were parsed`);
  return out;
}

/** Series names a metric of this type exposes in the text format. */
export function seriesNames(name: string, type: MetricType): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

/** Every series name Parley's own metrics expose (histograms expanded). */
export function definedSeriesNames(): Set<string> {
  const out = new Set<string>();
  for (const [name, type] of definedMetrics()) for (const s of seriesNames(name, type)) out.add(s);
  return out;
}

/** Series names of prom-client's default metrics, from the installed prom-client itself. */
export async function defaultSeriesNames(): Promise<Set<string>> {
  const client = (await import('prom-client')).default;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const out = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    const type = String(m.type) as MetricType;
    for (const s of seriesNames(m.name, type)) out.add(s);
  }
  return out;
}

export type ExternalMetric = { name: string; source: string; docs?: string };

/** deploy/monitoring/external-metrics.yaml */
export function externalMetrics(): ExternalMetric[] {
  const doc = parse(readFileSync(join(monitoringDir, 'external-metrics.yaml'), 'utf8')) as { metrics: ExternalMetric[] };
  return doc.metrics;
}

export type Rule = { file: string; group: string; alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/** Every rule in deploy/monitoring/rules/*.yaml. */
export function rules(): Rule[] {
  const out: Rule[] = [];
  for (const file of readdirSync(rulesDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const doc = parse(readFileSync(join(rulesDir, file), 'utf8')) as { groups: Array<{ name: string; rules: Array<Omit<Rule, 'file' | 'group'>> }> };
    for (const g of doc.groups) for (const r of g.rules) out.push({ ...r, expr: String(r.expr), file, group: g.name });
  }
  return out;
}

export const alertRules = (): Rule[] => rules().filter((r) => r.alert);
export const recordingRuleNames = (): Set<string> => new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));

type Panel = { id?: number; type: string; title?: string; datasource?: unknown; gridPos?: { x: number; y: number; w: number; h: number }; targets?: Array<{ expr?: string; refId?: string; datasource?: unknown }>; panels?: Panel[] };
export type DashboardJson = { uid: string; title: string; panels: Panel[]; templating?: { list?: Array<{ name: string; type: string; query?: unknown; definition?: string }> } };

/** Generated dashboards: file name -> parsed JSON. */
export function dashboards(): Map<string, DashboardJson> {
  const out = new Map<string, DashboardJson>();
  for (const f of readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).sort()) {
    out.set(f, JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as DashboardJson);
  }
  return out;
}

/** Panels of a dashboard, including panels nested in collapsed rows. */
export function allPanels(d: DashboardJson): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/**
 * Replace Grafana's template variables with values that keep the expression valid PromQL:
 * interval variables become durations, label variables a match-everything regex.
 */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range|\$\{__rate_interval\}|\$\{__interval\}|\$\{__range\}/g, '5m')
    .replace(/\$\{?[A-Za-z_]\w*\}?/g, '.*');
}

export type Expression = { where: string; expr: string };

/** Every PromQL expression of the rules. */
export function ruleExpressions(): Expression[] {
  return rules().map((r) => ({ where: `${r.file}: ${r.alert ?? r.record}`, expr: r.expr }));
}

/** Every PromQL expression of the dashboards (panel targets and label_values() variables), variables substituted. */
export function dashboardExpressions(): Expression[] {
  const out: Expression[] = [];
  for (const [file, d] of dashboards()) {
    for (const p of allPanels(d)) {
      for (const t of p.targets ?? []) {
        if (t.expr) out.push({ where: `${file}: panel ${p.id} "${p.title}" ${t.refId}`, expr: substituteGrafanaVariables(t.expr) });
      }
    }
    for (const v of d.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query ?? '';
      const m = /^label_values\((.*),\s*\w+\)$/.exec(q.trim());
      if (!m) throw new Error(`${file}: variable ${v.name} is not a label_values() query: ${q}`);
      out.push({ where: `${file}: variable ${v.name}`, expr: substituteGrafanaVariables(m[1]) });
    }
  }
  return out;
}

/**
 * Metric names in a PromQL expression (vector selectors' names), via the Prometheus
 * project's own Lezer grammar. Throws on a syntax error.
 */
export function metricNamesIn(expr: string): Set<string> {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const errors: number[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(expr.slice(node.from, node.to));
      // {__name__="metric"} form
      if (node.name === 'UnquotedLabelMatcher' || node.name === 'QuotedLabelMatcher') {
        const text = expr.slice(node.from, node.to);
        const m = /^__name__\s*=\s*"([^"]+)"$/.exec(text);
        if (m) names.add(m[1]);
      }
    },
  });
  if (errors.length) throw new Error(`PromQL syntax error at offset ${errors[0]} in: ${expr}`);
  return names;
}

/** Every metric name referenced by rules and dashboards (recording-rule outputs included). */
export function allReferencedNames(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of [...ruleExpressions(), ...dashboardExpressions()]) {
    for (const n of metricNamesIn(e.expr)) out.set(n, [...(out.get(n) ?? []), e.where]);
  }
  return out;
}

/**
 * Names referenced by rules and dashboards that a Parley server must export: everything
 * referenced, minus recording-rule outputs and external metrics.
 */
export function referencedMetricNames(): Set<string> {
  const recorded = recordingRuleNames();
  const external = new Set(externalMetrics().map((m) => m.name));
  return new Set([...allReferencedNames().keys()].filter((n) => !recorded.has(n) && !external.has(n)));
}
