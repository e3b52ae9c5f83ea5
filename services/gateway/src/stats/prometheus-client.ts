import { z } from 'zod';

/** The answer of `GET /api/v1/query`, as far as a one-number query needs it. */
const queryResponseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ value: z.tuple([z.number(), z.string()]) })) }),
      z.object({ resultType: z.literal('scalar'), result: z.tuple([z.number(), z.string()]) }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** Prometheus' HTTP query API, for queries that aggregate to one number. */
export class PrometheusClient {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  /** The query's value now; null when it yields no sample or NaN (no data in the window). */
  async value(query: string): Promise<number | null> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query }).toString()}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
      headers: { accept: 'application/json' },
    });
    const parsed = queryResponseSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new Error(`Prometheus answered ${response.status} with an unexpected body`);
    const body = parsed.data;
    if (body.status === 'error') throw new Error(`Prometheus refused ${query}: ${body.errorType}: ${body.error}`);
    const sample = body.data.resultType === 'scalar' ? body.data.result : body.data.result[0]?.value;
    if (sample === undefined) return null;
    const value = Number(sample[1]);
    return Number.isFinite(value) ? value : null;
  }
}

/** Adds label matchers to a metric selector. */
function selector(metric: string, ...matchers: string[]): string {
  return `${metric}{${matchers.filter((matcher) => matcher.length > 0).join(',')}}`;
}

/**
 * The PromQL of the live figures of `stats-updated`, over every replica that Prometheus scrapes
 * (narrowed by `labels`, e.g. `namespace="flowcast"`). Lag and members are the worker group's.
 */
export function statsQueries(labels: string, workerGroup: string, windowSeconds: number) {
  const group = `group=${JSON.stringify(workerGroup)}`;
  const range = `[${windowSeconds}s]`;
  return {
    throughputPerSecond: `sum(rate(${selector('flowcast_consumer_messages_processed_total', labels)}${range}))`,
    p95LatencyMs: `histogram_quantile(0.95, sum by (le) (rate(${selector('flowcast_gateway_end_to_end_latency_seconds_bucket', labels)}${range}))) * 1000`,
    // During a rebalance two members may report one partition for a moment: count it once.
    consumerLag: `sum(max by (topic, partition) (${selector('flowcast_kafka_consumer_lag', labels, group)}))`,
    activeConsumers: `sum(${selector('flowcast_kafka_consumer_active', labels, group)})`,
    connectedClients: `sum(${selector('flowcast_gateway_connected_clients', labels)})`,
  } as const;
}
export type StatsQueries = ReturnType<typeof statsQueries>;
