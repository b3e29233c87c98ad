import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { drift, renderAll, ruleFiles } from '../../deploy/monitoring/scripts/generate';
import { dashboards, repoRoot } from './metric-names';

describe('generated monitoring files', () => {
  it('are up to date with their sources (run npm run monitoring:generate)', () => {
    expect(drift()).toEqual([]);
  });

  it('cover the dashboards, the PrometheusRule and the dashboard ConfigMaps', () => {
    expect([...renderAll().keys()].sort()).toEqual([
      'deploy/k8s/components/monitoring/grafana-dashboards.yaml',
      'deploy/k8s/components/monitoring/prometheusrule.yaml',
      'deploy/monitoring/dashboards/parley-database-redis.json',
      'deploy/monitoring/dashboards/parley-nodejs-runtime.json',
      'deploy/monitoring/dashboards/parley-overview.json',
      'deploy/monitoring/dashboards/parley-realtime.json',
      'deploy/monitoring/logging/loki.yaml',
    ]);
  });

  it('PrometheusRule carries exactly the groups of deploy/monitoring/rules', () => {
    const pr = parse(readFileSync(join(repoRoot, 'deploy/k8s/components/monitoring/prometheusrule.yaml'), 'utf8'));
    expect(pr.kind).toBe('PrometheusRule');
    expect(pr.spec.groups).toEqual(ruleFiles().flatMap((r) => r.groups));
  });

  it('dashboard ConfigMaps carry exactly the dashboard JSON files, labelled for the Grafana sidecar', () => {
    const docs = parseAllDocuments(readFileSync(join(repoRoot, 'deploy/k8s/components/monitoring/grafana-dashboards.yaml'), 'utf8')).map((d) => d.toJS());
    const files = dashboards();
    expect(docs).toHaveLength(files.size);
    for (const cm of docs) {
      expect(cm.kind).toBe('ConfigMap');
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      const [[file, json]] = Object.entries(cm.data as Record<string, string>);
      expect(JSON.parse(json)).toEqual(files.get(file));
    }
  });
});
