import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module without type declarations
import { Histogram, percentileOf, median } from '../../loadtest/lib/stats.mjs';
// @ts-expect-error plain ESM module without type declarations
import { renderChart, renderSummary } from '../../bench/report.mjs';

describe('load runner latency math', () => {
  it('nearest-rank percentiles of a plain array', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentileOf(values, 50)).toBe(50);
    expect(percentileOf(values, 99)).toBe(99);
    expect(percentileOf(values, 100)).toBe(100);
    expect(percentileOf([7], 99)).toBe(7);
    expect(percentileOf([], 50)).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
  });

  it('histogram percentiles agree with exact percentiles within one 0.1 ms bucket', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values = Array.from({ length: 20_000 }, () => Math.round(-Math.log(1 - rand()) * 20 * 1000) / 1000); // exponential, mean 20 ms
    const h = new Histogram();
    for (const v of values) h.record(v);
    for (const q of [50, 95, 99]) {
      const exact = percentileOf(values, q) as number;
      const approx = h.percentile(q) as number;
      expect(approx).toBeGreaterThanOrEqual(exact - 1e-9); // reported at the bucket's upper edge: never under
      expect(approx - exact).toBeLessThanOrEqual(0.1 + 1e-9);
    }
    const s = h.summary();
    expect(s.count).toBe(values.length);
    expect(s.max).toBe(Math.round(Math.max(...values) * 100) / 100);
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 1);
  });

  it('handles empty, negative, exact-bucket and out-of-range samples', () => {
    const h = new Histogram();
    expect(h.summary()).toMatchObject({ count: 0, p50: null, p99: null, max: null });
    h.record(-3); // clock skew: counted as 0
    h.record(0.3);
    h.record(120_000); // beyond the histogram range: last bucket, exact max kept
    expect(h.percentile(1)).toBe(0);
    expect(h.percentile(50)).toBe(0.3);
    expect(h.percentile(100)).toBe(60_000);
    expect(h.summary().max).toBe(120_000);
  });

  it('merges histograms', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 50; i++) a.record(i);
    for (let i = 51; i <= 100; i++) b.record(i);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.percentile(99)).toBe(99);
    expect(a.summary().max).toBe(100);
  });
});

describe('bench report', () => {
  it('renders the summary table and a chart from a result object', () => {
    const step = (rate: number, p99: number, pass: boolean) => ({
      targetRate: rate, sentPerSec: rate, deliveredMsgsPerSec: rate, deliveriesPerSec: rate * 20, ack: { p99: p99 / 2 }, deliver: { p50: 1, p95: p99 / 2, p99, max: p99 * 2 },
      generatorCpuPct: 50, pass, failReasons: pass ? [] : [`p99 deliver ${p99} ms > 100 ms`], lostDeliveries: 0, duplicateDeliveries: 0,
    });
    const target = (best: number) => ({ steps: [step(best, 20, true), step(best * 2, 300, false)], maxSustainedMsgsPerSec: best, maxSustainedDeliveriesPerSec: best * 20, saturationMsgsPerSec: best * 2, saturationDeliverP99: 300, bestStep: step(best, 20, true), totals: { lostDeliveries: 0, duplicateDeliveries: 0, errors: 0, acked: 10 } });
    const result = {
      date: '2026-11-26T12:00:00.000Z',
      machine: { cpus: 2, cpuModel: 'test', memGiB: 24, node: 'v20', loadAvgAtStart: [1, 1, 1] },
      config: { clients: 1000, rooms: 50 },
      scenarios: { a: { title: '(a)', targets: { ws: target(1000), parley: target(800) }, ratioToWs: 0.8 } },
    };
    const md = renderSummary(result);
    expect(md).toContain('| parley | 800 | 16000 |');
    expect(md).toContain('Parley / bare ws: **0.8×**');
    const svg = renderChart(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('100 ms SLO');
  });
});
