import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { StatsSnapshot, StatsUpdatedPayload } from '@flowcast/common/contracts';
import { GroupMembersProbe } from '@flowcast/common/kafka';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Broadcaster } from '../realtime/broadcaster.js';
import { STATUS_VIEW, type StatusView } from '../status/status-view.js';

/**
 * Platform statistics: message counters from the status view, the worker group's live
 * members from Kafka, connected clients summed over replicas. `stats-updated` goes out at
 * most once per interval, and only when a figure changed.
 */
@Injectable()
export class StatsService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #probe: GroupMembersProbe;
  #timer: NodeJS.Timeout | undefined;
  #lastEmitted: string | undefined;
  #activeConsumers = 0;
  #latest: StatsUpdatedPayload | undefined;

  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly broadcaster: Broadcaster,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#probe = new GroupMembersProbe(config.kafka);
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

  /** The figures now, for `GET /api/stats` (the worker count is the one of the last interval). */
  async current(): Promise<StatsUpdatedPayload> {
    return { ...(await this.#snapshot({ refreshConsumers: this.#latest === undefined })), timestamp: new Date().toISOString() };
  }

  async #tick(): Promise<void> {
    try {
      const snapshot = await this.#snapshot({ refreshConsumers: true });
      const fingerprint = JSON.stringify(snapshot);
      this.#latest = { ...snapshot, timestamp: new Date().toISOString() };
      if (fingerprint === this.#lastEmitted) return;
      this.#lastEmitted = fingerprint;
      this.broadcaster.emitStats(this.#latest);
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot compute statistics this time');
    }
  }

  async #snapshot({ refreshConsumers }: { refreshConsumers: boolean }): Promise<StatsSnapshot> {
    const [counters, connectedClients] = await Promise.all([
      this.view.counters(),
      this.view.reportClients(this.config.service.instanceId, this.broadcaster.localClients, 3 * this.config.statsIntervalMs),
      refreshConsumers ? this.#refreshActiveConsumers() : undefined,
    ]);
    return { ...counters, activeConsumers: this.#activeConsumers, connectedClients };
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
