import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRules, repoRoot } from './metric-names';

const doc = readFileSync(join(repoRoot, 'docs/operations/monitoring.md'), 'utf8');

describe('docs/operations/monitoring.md', () => {
  it('lists every alert with its severity', () => {
    for (const a of alertRules()) expect(doc, a.alert).toMatch(new RegExp(`\\| ${a.alert} \\| ${a.labels!.severity} \\|`));
  });

  it('states the log retention that the Loki config enforces', () => {
    const loki = parse(readFileSync(join(repoRoot, 'deploy/k8s/components/logging/loki-config.yaml'), 'utf8'));
    expect(loki.limits_config.retention_period).toBe('336h');
    expect(doc).toContain('retention_period: 336h');
    expect(doc).toMatch(/14 days/);
  });

  it('has a LogQL cheat-sheet whose stream selectors use only labels the pipeline sets', () => {
    const section = doc.slice(doc.indexOf('### LogQL cheat-sheet'));
    const block = /```logql\n([\s\S]*?)```/.exec(section)![1];
    const queries = block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const alloy = readFileSync(join(repoRoot, 'deploy/k8s/components/logging/config.alloy'), 'utf8');
    const labels = new Set([...alloy.matchAll(/target_label\s*=\s*"(\w+)"/g)].map((m) => m[1]));
    labels.add('level');
    for (const q of queries) {
      for (const sel of q.matchAll(/\{([^}]*)\}/g)) {
        if (sel[1].startsWith('{') || sel[1].startsWith('.')) continue; // line_format templates
        for (const m of sel[1].matchAll(/(\w+)\s*(=~|!=|!~|=)/g)) expect(labels, `${m[1]} in ${q}`).toContain(m[1]);
      }
    }
  });

  it('labels compose logs like Kubernetes logs, so the same queries work in both', () => {
    const labelsOf = (file: string) => new Set([...readFileSync(join(repoRoot, file), 'utf8').matchAll(/target_label\s*=\s*"(\w+)"/g)].map((m) => m[1]));
    const k8s = labelsOf('deploy/k8s/components/logging/config.alloy');
    const compose = labelsOf('deploy/monitoring/logging/config.alloy');
    for (const l of ['namespace', 'pod', 'container', 'app']) {
      expect(k8s, l).toContain(l);
      expect(compose, l).toContain(l);
    }
    for (const f of ['deploy/k8s/components/logging/config.alloy', 'deploy/monitoring/logging/config.alloy']) {
      expect(readFileSync(join(repoRoot, f), 'utf8')).toMatch(/stage\.labels \{\s*values = \{ level = "" \}/);
    }
  });

  it('explains why Alloy + Loki was picked', () => {
    expect(doc).toMatch(/Why this choice/);
    expect(doc).toMatch(/Promtail/);
  });
});
