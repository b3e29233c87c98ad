/**
 * Latency histogram with fixed 0.1 ms buckets up to 60 s (values above land in the last
 * bucket; the exact maximum is kept separately). Percentiles use the nearest-rank method:
 * pXX is the smallest recorded value v such that at least XX % of samples are <= v, reported
 * as the upper edge of its bucket (so it never under-reports by more than 0.1 ms).
 */
export class Histogram {
  static RESOLUTION_MS = 0.1;
  static MAX_MS = 60_000;

  constructor() {
    this.buckets = new Uint32Array(Math.ceil(Histogram.MAX_MS / Histogram.RESOLUTION_MS) + 1);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.min = Infinity;
  }

  record(ms) {
    const v = ms < 0 ? 0 : ms;
    let i = Math.ceil(v / Histogram.RESOLUTION_MS - 1e-9);
    if (i >= this.buckets.length) i = this.buckets.length - 1;
    this.buckets[i]++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  merge(other) {
    for (let i = 0; i < this.buckets.length; i++) this.buckets[i] += other.buckets[i];
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
    this.min = Math.min(this.min, other.min);
    return this;
  }

  /** Nearest-rank percentile in ms (q in 0..100); null without samples. */
  percentile(q) {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil((q / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(round(i * Histogram.RESOLUTION_MS), round(this.max));
    }
    return round(this.max);
  }

  summary() {
    return {
      count: this.count,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.count ? round(this.max) : null,
      mean: this.count ? round(this.sum / this.count) : null,
    };
  }
}

const round = (v) => Math.round(v * 100) / 100;

/** Exact nearest-rank percentile of a plain array (used by tests and for small samples). */
export function percentileOf(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((q / 100) * sorted.length)) - 1];
}

export function median(values) {
  return percentileOf(values, 50);
}
