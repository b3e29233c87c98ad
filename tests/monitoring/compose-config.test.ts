import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools';
import { monitoringDir, repoRoot } from './metric-names';

const promFile = join(monitoringDir, 'prometheus/prometheus.yml');
const prom = parse(readFileSync(promFile, 'utf8'));

describe('Prometheus and Grafana config for the compose monitoring profile', () => {
  it.skipIf(skipWithout('promtool'))('passes promtool check config', () => {
    const r = spawnSync('promtool', ['check', 'config', promFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('scrapes both server replicas on the metrics port as job parley-server', () => {
    const job = prom.scrape_configs.find((s: { job_name: string }) => s.job_name === 'parley-server');
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs.flatMap((s: { targets: string[] }) => s.targets).sort()).toEqual(['server-1:9464', 'server-2:9464']);
  });

  it('loads the rule files from /etc/prometheus/rules/*.yaml', () => {
    expect(prom.rule_files).toEqual(['/etc/prometheus/rules/*.yaml']);
  });

  it('provisions a Prometheus data source and the dashboards folder', () => {
    const ds = parse(readFileSync(join(monitoringDir, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8'));
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })]);
    const dash = parse(readFileSync(join(monitoringDir, 'grafana/provisioning/dashboards/dashboards.yaml'), 'utf8'));
    expect(dash.providers[0]).toEqual(expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) }));
  });

  // The compose file belongs to the containers area; check that it mounts these files where
  // this config expects them (skipped until the compose file exists).
  const composeFile = join(repoRoot, 'deploy/compose/compose.yaml');
  it.skipIf(!existsSync(composeFile))('matches the mounts of deploy/compose/compose.yaml', () => {
    const compose = parse(readFileSync(composeFile, 'utf8'));
    const pv: string[] = compose.services.prometheus.volumes;
    expect(pv).toContain('../monitoring/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(pv).toContain('../monitoring/rules:/etc/prometheus/rules:ro');
    const gv: string[] = compose.services.grafana.volumes;
    expect(gv).toContain('../monitoring/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(gv).toContain('../monitoring/dashboards:/var/lib/grafana/dashboards:ro');
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['server-1', 'server-2']));
  });
});
