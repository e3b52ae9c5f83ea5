import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BatchConsumer, KafkaMetrics, TopicProvisioner } from '@flowcast/common/kafka';
import { LOGGER, ReadinessProblem, type Logger, type ReadinessCheck } from '@flowcast/common/nest';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';
import { BatchHandler } from './batch-handler.js';

/**
 * This worker's membership of the worker group on `messages`: batches go to the
 * BatchHandler, whose transaction commits their offsets (exactly-once), or which commits them
 * once their events are written (at-least-once). Exactly-once and under a backlog, a batch
 * starts while the previous one's results are committed. On SIGTERM it finishes the batch in
 * hand, commits and leaves the group before the producer closes.
 */
@Injectable()
export class MessageWorker implements OnApplicationBootstrap, BeforeApplicationShutdown, ReadinessCheck {
  readonly name = 'worker';
  readonly #consumer: BatchConsumer;

  constructor(
    handler: BatchHandler,
    private readonly topics: TopicProvisioner,
    metrics: KafkaMetrics,
    @Inject(CONSUMER_CONFIG) config: ConsumerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.#consumer = new BatchConsumer(
      {
        kafka: config.kafka,
        groupId: config.groupId,
        topic: config.topics.names.messages,
        role: 'worker',
        maxBatch: config.batching.maxBatch,
        prefetch: config.batching.prefetch,
        fetchMaxWaitMs: config.batching.fetchMaxWaitMs,
        startFrom: 'earliest',
        logger,
        metrics,
        lagIntervalMs: config.batching.lagIntervalMs,
        offsets: config.guarantee.exactlyOnce ? 'transaction' : 'consumer',
      },
      async (messages, offsets, after) => {
        const outcome = await handler.handle(messages, config.guarantee.exactlyOnce ? offsets : undefined, after);
        logger.debug({ size: messages.length, ...outcome }, 'batch handled');
      },
    );
  }

  onApplicationBootstrap(): void {
    this.#consumer.start(this.topics.ready);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#consumer.stop();
  }

  async check(): Promise<void> {
    if (!this.#consumer.consuming) throw new ReadinessProblem('not consuming (joining the group or reconnecting)');
  }
}
