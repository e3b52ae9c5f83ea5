import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { lifecycleEventSchema, type LifecycleEvent } from '@flowcast/common/contracts';
import { BatchConsumer, TopicProvisioner, decodeJson, type ConsumedMessage } from '@flowcast/common/kafka';
import { LOGGER, type Logger, type ReadinessCheck } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Broadcaster } from '../realtime/broadcaster.js';
import { STATUS_VIEW, type StatusView } from '../status/status-view.js';

/**
 * Consumes `message-events` as a member of the gateways' group: each batch is applied to the
 * status view first, then the events that were new are broadcast; duplicates from
 * redelivery are dropped. Offsets are committed after both, so a gateway that dies
 * mid-batch leaves the batch to another replica.
 */
@Injectable()
export class LifecycleEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown, ReadinessCheck {
  readonly name = 'events';
  readonly #consumer: BatchConsumer;

  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly broadcaster: Broadcaster,
    private readonly topics: TopicProvisioner,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.#consumer = new BatchConsumer(
      {
        kafka: config.kafka,
        groupId: config.groupId,
        topic: config.topics.names.messageEvents,
        role: 'events',
        maxBatch: config.maxBatch,
        prefetch: 4 * config.maxBatch,
        fetchMaxWaitMs: 100,
        startFrom: config.startFrom,
        logger,
      },
      (messages) => this.#handle(messages),
    );
  }

  onApplicationBootstrap(): void {
    this.#consumer.start(this.topics.ready);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#consumer.stop();
  }

  async check(): Promise<void> {
    if (!this.#consumer.consuming) throw new Error('not consuming message-events');
  }

  async #handle(messages: readonly ConsumedMessage[]): Promise<void> {
    const events: LifecycleEvent[] = [];
    for (const message of messages) {
      const json = decodeJson(message.value);
      const parsed = json.ok ? lifecycleEventSchema.safeParse(json.value) : undefined;
      if (parsed?.success) events.push(parsed.data);
      else this.logger.warn({ logId: message.key, offset: String(message.offset) }, 'skipping a record that is not a lifecycle event');
    }
    const fresh = await this.view.apply(events);
    events.forEach((event, index) => {
      if (fresh[index]) this.broadcaster.broadcast(event);
    });
  }
}
