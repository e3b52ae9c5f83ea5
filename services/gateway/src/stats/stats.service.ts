import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { StatsSnapshot, StatsUpdatedPayload } from '@flowcast/common/contracts';
import { GroupCoordinator } from '@flowcast/common/kafka';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Broadcaster } from '../realtime/broadcaster.js';
import { STATUS_VIEW, type StatusView, type StatusCounters } from '../status/status-view.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { PrometheusClient, statsQueries, type StatsQueries } from './prometheus-client.js';
import { RecentWindow, type Bucket } from './recent-window.js';

type LiveFigures = Omit<StatsSnapshot, keyof StatusCounters>;

/**
 * Platform statistics, sent as `stats-updated` at most once per interval and only when a
 * figure changed.
 *
 * The message counts since the start (total, processed, failed, processing) always come from
 * the status view: it counts each logId once whatever redeliveries bring, and it outlives
 * processes. A sum of counters over replicas would drop whenever a replica stops (a scale-down)
 * and count a redelivered message twice.
 *
 * The live figures come from Prometheus when `PROMETHEUS_URL` is set, with PromQL over every
 * replica of every service (`source: prometheus`): finished messages per second, p95 end-to-end
 * latency, the worker group's lag and members, connected clients. Without Prometheus, or while it
 * does not answer, they are this gateway's own (`source: local`): throughput from the status
 * view's counts, p95 over the events this replica broadcast, members from the Kafka group
 * coordinator, clients summed over replicas through the status view; the lag is then unknown.
 */
@Injectable()
export class StatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #probe: GroupCoordinator;
  readonly #prometheus: { client: PrometheusClient; queries: StatsQueries } | undefined;
  readonly #window: RecentWindow;
  #timer: NodeJS.Timeout | undefined;
  #lastEmitted: string | undefined;
  #activeConsumers = 0;
  #prometheusDown = false;
  #latest: StatsUpdatedPayload | undefined;

  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly broadcaster: Broadcaster,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#probe = new GroupCoordinator(config.kafka, 'group-probe');
    this.#window = new RecentWindow(config.statsWindowSeconds * 1000);
    const { prometheus } = config;
    this.#prometheus =
      prometheus === undefined
        ? undefined
        : {
            client: new PrometheusClient(prometheus.url, prometheus.timeoutMs),
            queries: statsQueries(prometheus.selector, config.workerGroupId, config.statsWindowSeconds),
          };
  }

  onApplicationBootstrap(): void {
    this.broadcaster.greetWithStats(() => this.#latest);
    this.#timer = setInterval(() => void this.#tick(), this.config.statsIntervalMs);
    this.#timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.#timer);
    await this.#probe.close();
  }

  /** The figures now, for `GET /api/stats`. */
  async current(): Promise<StatsUpdatedPayload> {
    return { ...(await this.#snapshot()), timestamp: new Date().toISOString() };
  }

  async #tick(): Promise<void> {
    try {
      const snapshot = await this.#snapshot(true);
      const fingerprint = JSON.stringify(snapshot);
      this.#latest = { ...snapshot, timestamp: new Date().toISOString() };
      if (fingerprint === this.#lastEmitted) return;
      this.#lastEmitted = fingerprint;
      this.broadcaster.emitStats(this.#latest);
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot compute statistics this time');
    }
  }

  /** `sample`: this call is the interval's, and moves the local window on. */
  async #snapshot(sample = false): Promise<StatsSnapshot> {
    const [counters, connectedClients] = await Promise.all([
      this.view.counters(),
      this.view.reportClients(this.config.service.instanceId, this.broadcaster.localClients, 3 * this.config.statsIntervalMs),
    ]);
    if (sample) this.#window.record(Date.now(), counters.processedMessages + counters.failedMessages, await this.#latencyBuckets());
    const live = (await this.#fromPrometheus()) ?? (await this.#local(connectedClients, sample || this.#latest === undefined));
    return { ...counters, ...live };
  }

  async #fromPrometheus(): Promise<LiveFigures | undefined> {
    if (this.#prometheus === undefined) return undefined;
    const { client, queries } = this.#prometheus;
    try {
      const [throughput, p95, lag, consumers, clients] = await Promise.all([
        client.value(queries.throughputPerSecond),
        client.value(queries.p95LatencyMs),
        client.value(queries.consumerLag),
        client.value(queries.activeConsumers),
        client.value(queries.connectedClients),
      ]);
      if (this.#prometheusDown) this.logger.info('Prometheus answers again: statistics over every replica');
      this.#prometheusDown = false;
      return {
        activeConsumers: Math.round(consumers ?? 0),
        connectedClients: Math.round(clients ?? 0),
        throughputPerSecond: round(throughput ?? 0, 2),
        p95LatencyMs: p95 === null ? null : round(p95, 1),
        consumerLag: Math.round(lag ?? 0),
        source: 'prometheus',
      };
    } catch (error) {
      this.metrics.prometheusFailed();
      if (!this.#prometheusDown) this.logger.warn({ err: error }, 'Prometheus does not answer: sending this gateway\'s own statistics until it does');
      this.#prometheusDown = true;
      return undefined;
    }
  }

  async #local(connectedClients: number, refreshConsumers: boolean): Promise<LiveFigures> {
    if (refreshConsumers) await this.#refreshActiveConsumers();
    const p95 = this.#window.p95();
    return {
      activeConsumers: this.#activeConsumers,
      connectedClients,
      throughputPerSecond: round(this.#window.throughputPerSecond(), 2),
      p95LatencyMs: p95 === null ? null : round(p95 * 1000, 1),
      consumerLag: null,
      source: 'local',
    };
  }

  /** This replica's end-to-end latency histogram, summed over its labels. */
  async #latencyBuckets(): Promise<Bucket[]> {
    const counts = new Map<number, number>();
    for (const sample of (await this.metrics.endToEnd.get()).values) {
      if (sample.metricName !== 'flowcast_gateway_end_to_end_latency_seconds_bucket') continue;
      const bound = (sample.labels as Record<string, string | number | undefined>)['le'];
      const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
      counts.set(le, (counts.get(le) ?? 0) + sample.value);
    }
    return [...counts].map(([le, count]) => ({ le, count }));
  }

  async #refreshActiveConsumers(): Promise<void> {
    try {
      this.#activeConsumers = await this.#probe.countMembers(this.config.workerGroupId);
    } catch (error) {
      // Keep the last known figure through a broker hiccup.
      this.logger.debug({ err: error }, 'cannot describe the worker group');
    }
  }
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
