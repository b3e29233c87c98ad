import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The committed benchmark run and docs/operations/performance.md must agree: the headline table
 * of the "Results" section quotes the numbers of the run it names, not numbers typed from memory.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const doc = readFileSync(join(ROOT, 'docs/operations/performance.md'), 'utf8');
const heading = /^## Results \(run of [^\n]*`bench\/results\/([\w.-]+)\.\*`\)$/m.exec(doc);
const fmt = (n: number) => n.toLocaleString('en-US');

describe('committed benchmark results and performance.md', () => {
  it('the results section names a committed run with its JSON, summary and chart', () => {
    expect(heading, 'a "## Results (run of …, `bench/results/<name>.*`)" heading').not.toBeNull();
    for (const ext of ['json', 'md', 'svg']) expect(existsSync(join(ROOT, `bench/results/${heading![1]}.${ext}`)), ext).toBe(true);
  });

  it('quotes that run’s numbers in the headline table', () => {
    const start = heading!.index;
    const next = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, next < 0 ? undefined : next);
    const run = JSON.parse(readFileSync(join(ROOT, `bench/results/${heading![1]}.json`), 'utf8'));
    const a = run.scenarios.a;
    const row = (label: string) => section.split('\n').find((line) => line.startsWith(`| ${label}`)) ?? '';

    const sustained = row('(a) max msgs/s');
    expect(sustained).toContain(`**${fmt(a.targets.parley.maxSustainedMsgsPerSec)}**`);
    expect(sustained).toContain(fmt(a.targets.ws.maxSustainedMsgsPerSec));
    expect(sustained).toContain(fmt(a.targets.socketio.maxSustainedMsgsPerSec));
    expect(sustained).toContain(`${a.ratioToWs} × ws`);
    expect(sustained).toContain(`${a.ratioToSocketIo} × Socket.IO`);

    const half = a.targets.parley.halfRate;
    expect(row('(a) p99 deliver at half')).toContain(`${half.deliver.p99} ms`);
    expect(row('(a) lost')).toContain(`${fmt(a.targets.parley.persisted.rows)} rows for ${fmt(a.targets.parley.persisted.acked)} acks`);
    expect(row('(b) RSS per idle')).toContain(`${run.scenarios.b.rssPerConnectionKiB} KiB`);
    expect(row('(d) history')).toContain(`${fmt(run.scenarios.d.history.rps)} req/s`);
    expect(row('(e) cold start')).toContain(`${fmt(run.scenarios.e.medianReadyMs)} ms`);
  });
});
