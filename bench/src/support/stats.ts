/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Serialisable form of a LatencyHistogram, sent between processes. */
export interface HistogramData {
  buckets: Array<[index: number, count: number]>;
  count: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Relative width of a bucket: percentiles are exact to within 1 %. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Values below this (ms) share the first bucket. */
const FLOOR_MS = 0.01;

/**
 * Latencies in milliseconds, in logarithmic buckets: constant memory whatever the number of
 * samples (fan-out records millions), mergeable across processes, percentiles within 1 %.
 * The maximum is exact.
 */
export class LatencyHistogram {
  readonly #counts = new Map<number, number>();
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  record(ms: number): void {
    const value = Math.max(ms, 0);
    const index = value <= FLOOR_MS ? 0 : Math.ceil(Math.log(value / FLOOR_MS) / LOG_GROWTH);
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + 1);
    this.count += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(data: HistogramData): void {
    for (const [index, count] of data.buckets) this.#counts.set(index, (this.#counts.get(index) ?? 0) + count);
    this.count += data.count;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }

  /** The value below which `fraction` of the samples lie (upper edge of its bucket, capped at the max). */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.count));
    let seen = 0;
    for (const index of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(index)!;
      if (seen >= rank) return Math.min(index === 0 ? FLOOR_MS : FLOOR_MS * GROWTH ** index, this.max);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return { count: this.count, p50: this.percentile(0.5), p95: this.percentile(0.95), p99: this.percentile(0.99), max: this.count === 0 ? Number.NaN : this.max };
  }

  toJSON(): HistogramData {
    return { buckets: [...this.#counts.entries()], count: this.count, min: this.count === 0 ? 0 : this.min, max: this.max };
  }
}
