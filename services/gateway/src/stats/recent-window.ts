/** A cumulative histogram's buckets: how many observations were at most `le` (the last one is +Inf). */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The q-quantile of the observations in cumulative `buckets`, interpolated linearly inside the
 * bucket where it falls, as Prometheus' histogram_quantile does; null without observations.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [index, bucket] of sorted.entries()) {
    if (bucket.count >= rank) {
      // In the +Inf bucket, the best estimate is the highest finite bound.
      if (bucket.le === Number.POSITIVE_INFINITY) return index === 0 ? null : sorted[index - 1]!.le;
      const inBucket = bucket.count - lowerCount;
      return inBucket <= 0 ? bucket.le : lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return sorted.at(-1)!.le;
}

interface Sample {
  at: number;
  finished: number;
  buckets: readonly Bucket[];
}

/**
 * This gateway's recent figures, from samples of cumulative counts: messages finished per
 * second and the 95th percentile of end-to-end latency over the last `windowMs`.
 */
export class RecentWindow {
  readonly #samples: Sample[] = [];

  constructor(private readonly windowMs: number) {}

  record(at: number, finished: number, buckets: readonly Bucket[]): void {
    this.#samples.push({ at, finished, buckets });
    // Keep one sample at or before the window's start, to measure from it.
    while (this.#samples.length > 2 && this.#samples[1]!.at <= at - this.windowMs) this.#samples.shift();
  }

  throughputPerSecond(): number {
    const [first, last] = this.#ends();
    if (first === undefined || last === undefined || last.at <= first.at) return 0;
    return Math.max(0, last.finished - first.finished) / ((last.at - first.at) / 1000);
  }

  p95(): number | null {
    const [first, last] = this.#ends();
    if (last === undefined) return null;
    const before = new Map(first === last ? [] : (first?.buckets ?? []).map((bucket) => [bucket.le, bucket.count]));
    return histogramQuantile(0.95, last.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (before.get(bucket.le) ?? 0) })));
  }

  #ends(): [Sample | undefined, Sample | undefined] {
    return [this.#samples[0], this.#samples.at(-1)];
  }
}
