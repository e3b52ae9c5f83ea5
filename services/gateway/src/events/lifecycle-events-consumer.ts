import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { lifecycleEventSchema, type LifecycleEvent } from '@flowcast/common/contracts';
import { BatchConsumer, KafkaMetrics, TopicProvisioner, decodeJson, type ConsumedMessage } from '@flowcast/common/kafka';
import { LOGGER, ReadinessProblem, type Logger, type ReadinessCheck } from '@flowcast/common/nest';
import { contextFromHeaders, endSpan, SPAN_ATTRIBUTES, startMessageSpan, type MessageSpan } from '@flowcast/common/telemetry';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Broadcaster } from '../realtime/broadcaster.js';
import { GatewayMetrics } from '../stats/gateway-metrics.js';
import { STATUS_VIEW, type Applied, type StatusView } from '../status/status-view.js';

/**
 * Least time between two commits of the events' offsets. After every batch, that was one
 * write to the broker's offsets log per batch (260–350 a second at 500 messages a second,
 * about a sixth of the pipeline's requests); what a successor re-reads of this window is
 * dropped by the status view.
 */
const COMMIT_INTERVAL_MS = 200;

/**
 * Consumes `message-events` as a member of the gateways' group: each batch is applied to the
 * status view, which with Redis also publishes the events that were new to the adapter's
 * stream in the same step; without Redis, the new events are broadcast, then the broadcast is
 * recorded. Duplicates from redelivery are dropped, unless their broadcast was never recorded.
 * Offsets are committed after that, at most every `COMMIT_INTERVAL_MS`: a gateway that dies
 * leaves what it handled since its last commit to another replica, which drops what the first
 * recorded as broadcast and sends the rest.
 *
 * Each event gets a `broadcast` span, child of the worker's span that wrote it (the context
 * in its headers): the last step of its message's trace.
 */
@Injectable()
export class LifecycleEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown, ReadinessCheck {
  readonly name = 'events';
  readonly #consumer: BatchConsumer;

  constructor(
    @Inject(STATUS_VIEW) private readonly view: StatusView,
    private readonly broadcaster: Broadcaster,
    private readonly topics: TopicProvisioner,
    private readonly metrics: GatewayMetrics,
    kafkaMetrics: KafkaMetrics,
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
        commitIntervalMs: COMMIT_INTERVAL_MS,
        startFrom: config.startFrom,
        logger,
        metrics: kafkaMetrics,
        lagIntervalMs: config.statsIntervalMs,
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
    if (!this.#consumer.consuming) throw new ReadinessProblem('not consuming message-events');
  }

  async #handle(messages: readonly ConsumedMessage[]): Promise<void> {
    const events: LifecycleEvent[] = [];
    const spans: MessageSpan[] = [];
    for (const message of messages) {
      const json = decodeJson(message.value);
      const parsed = json.ok ? lifecycleEventSchema.safeParse(json.value) : undefined;
      if (!parsed?.success) {
        this.logger.warn({ logId: message.key, offset: String(message.offset) }, 'skipping a record that is not a lifecycle event');
        continue;
      }
      events.push(parsed.data);
      spans.push(
        startMessageSpan({
          operation: 'broadcast',
          name: `broadcast ${parsed.data.type}`,
          topic: message.topic,
          ids: parsed.data,
          parent: contextFromHeaders(message.headers),
          attributes: { [SPAN_ATTRIBUTES.eventType]: parsed.data.type, [SPAN_ATTRIBUTES.dataType]: parsed.data.dataType },
        }),
      );
    }
    let applied: Applied[];
    try {
      applied = await this.view.apply(events, this.broadcaster.outlet);
    } catch (error) {
      for (const { span } of spans) endSpan(span, error);
      throw error;
    }
    const broadcast: LifecycleEvent[] = [];
    const published: Array<Promise<void>> = [];
    events.forEach((event, index) => {
      const { span } = spans[index]!;
      // A redelivered event already recorded and broadcast is not sent again.
      span.setAttribute('flowcast.duplicate', applied[index] === 'duplicate');
      if (applied[index] === 'fresh') {
        published.push(this.broadcaster.broadcast(event));
        broadcast.push(event);
      } else if (applied[index] === 'published') {
        this.broadcaster.countBroadcast(event);
      }
      if (applied[index] !== 'duplicate') this.metrics.finished(event);
      endSpan(span);
    });
    // Once every event is in the stream: a replica that takes this batch over will not send
    // them again; should one not be, the batch is retried and sends the unconfirmed ones.
    await Promise.all(published);
    await this.view.confirmBroadcast(broadcast);
  }
}
