import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { skipWithout } from '../support/tools';
import { alertRules, monitoringDir } from './metric-names';

const configFile = join(monitoringDir, 'alertmanager/alertmanager.yml');
const config = parse(readFileSync(configFile, 'utf8'));

function routes(labels: string[]): string {
  const r = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${configFile}`, ...labels], { encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return r.stdout.trim();
}

describe.skipIf(skipWithout('amtool'))('Alertmanager config (amtool)', () => {
  it('passes amtool check-config, templates included', () => {
    const r = spawnSync('amtool', ['check-config', configFile], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 templates/);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it('pages for critical alerts and also posts them to Slack', () => {
    expect(routes(['alertname=ParleyHighErrorRate', 'severity=critical', 'namespace=parley'])).toBe('pagerduty,slack-critical');
  });

  it('sends warnings to Slack only', () => {
    expect(routes(['alertname=ParleyPodNotReady', 'severity=warning', 'namespace=parley'])).toBe('slack-warnings');
  });

  it('sends info alerts to the webhook and unlabelled alerts to the default receiver', () => {
    expect(routes(['alertname=Something', 'severity=info'])).toBe('webhook');
    expect(routes(['alertname=Something'])).toBe('slack-warnings');
  });

  it('rejects a broken config (the check is real)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'parley-am-')), 'broken.yml');
    writeFileSync(file, 'route:\n  receiver: nobody\nreceivers:\n  - name: somebody\n');
    const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/undefined receiver "nobody"/);
  });
});

describe('Alertmanager config (content)', () => {
  it('routes every severity used by the rules', () => {
    const severities = new Set(alertRules().map((a) => a.labels!.severity));
    const routed = new Set((config.route.routes as Array<{ matchers: string[] }>).flatMap((r) => r.matchers.map((m) => /severity="(\w+)"/.exec(m)?.[1])));
    for (const s of severities) expect(routed, s).toContain(s);
  });

  it('groups by alert name and namespace', () => {
    expect(config.route.group_by).toEqual(['alertname', 'namespace']);
  });

  it('reads every credential from a file, never inline', () => {
    const text = readFileSync(configFile, 'utf8');
    expect(text).not.toMatch(/^\s*(api_url|slack_api_url|routing_key|service_key|password|bearer_token|credentials):/m);
    expect(config.global.slack_api_url_file).toMatch(/^\/etc\/alertmanager\/secrets\//);
    const receivers = config.receivers as Array<Record<string, Array<Record<string, unknown>>>>;
    const pd = receivers.find((r) => r.name === ('pagerduty' as never))!.pagerduty_configs[0];
    expect(pd.routing_key_file).toMatch(/^\/etc\/alertmanager\/secrets\//);
    const wh = receivers.find((r) => r.name === ('webhook' as never))!.webhook_configs[0] as { http_config: { authorization: { credentials_file: string } } };
    expect(wh.http_config.authorization.credentials_file).toMatch(/^\/etc\/alertmanager\/secrets\//);
  });

  it('inhibits only with alert names that exist', () => {
    const names = alertRules().map((a) => a.alert!);
    for (const rule of config.inhibit_rules as Array<{ source_matchers: string[]; target_matchers: string[] }>) {
      for (const m of [...rule.source_matchers, ...rule.target_matchers]) {
        const eq = /^alertname="(\w+)"$/.exec(m);
        const re = /^alertname=~"(.+)"$/.exec(m);
        if (eq) expect(names, m).toContain(eq[1]);
        if (re) {
          for (const alt of re[1].split('|')) {
            const rx = new RegExp(`^(?:${alt})$`);
            expect(names.some((n) => rx.test(n)), `${alt} in ${m}`).toBe(true);
          }
        }
      }
    }
  });
});
