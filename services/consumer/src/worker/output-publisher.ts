import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { JsonProducer, KafkaMetrics, type BatchOffsets, type JsonTransaction, type OutgoingRecord } from '@flowcast/common/kafka';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';

/** A batch's results transaction, its offsets already added. */
export interface ResultsTransaction {
  /** Writes the results and commits them with the offsets, all or nothing. */
  commit(records: readonly OutgoingRecord[]): Promise<void>;
  /** Aborts it (the batch was not handled); never throws. */
  abort(): Promise<void>;
}

/**
 * The worker's writes: lifecycle events, processed records and dead letters. `send` writes at
 * once (idempotent producer); `begin` opens the Kafka transaction in which a batch's results
 * and offsets are committed together (exactly-once), on a transactional producer of this worker's own
 * (`flowcast-worker-<INSTANCE_ID>`: a worker restarted under the same id aborts its
 * predecessor's open transaction with its first one).
 */
@Injectable()
export class OutputPublisher implements OnApplicationShutdown {
  readonly #live: JsonProducer;
  #transactional: JsonProducer | undefined;

  constructor(
    @Inject(CONSUMER_CONFIG) private readonly config: ConsumerConfig,
    private readonly metrics: KafkaMetrics,
  ) {
    this.#live = new JsonProducer(config.kafka, { role: 'worker', metrics });
  }

  send(records: readonly OutgoingRecord[]): Promise<void> {
    return this.#live.send(records);
  }

  /**
   * Begins the transaction of a batch's results, and adds to it the worker group's offsets and
   * the partitions the results go to: two requests at once, which the caller overlaps with the
   * batch's first write, so that committing takes only the results' write and the commit.
   */
  async begin(offsets: BatchOffsets, results: readonly OutgoingRecord[]): Promise<ResultsTransaction> {
    const producer = (this.#transactional ??= new JsonProducer(this.config.kafka, {
      role: 'worker-txn',
      transactionalId: `flowcast-worker-${this.config.service.instanceId}`,
      transactionTimeoutMs: this.config.guarantee.transactionTimeoutMs,
      // Many quick retries: CONCURRENT_TRANSACTIONS while the previous batch's markers are written.
      retries: 50,
      metrics: this.metrics,
    }));
    let transaction: JsonTransaction | undefined;
    const fail = async (error: unknown): Promise<never> => {
      await transaction?.abort();
      // The producer may be fenced or hold a half-open transaction: the next batch starts a new
      // one, whose InitProducerId aborts whatever this one left open.
      if (this.#transactional === producer) this.#transactional = undefined;
      await producer.close().catch(() => undefined);
      throw error;
    };
    try {
      transaction = await producer.beginTransaction();
      // Both settle before an abort (the client merges concurrent requests of one kind).
      const added = await Promise.allSettled([transaction.addOffsetsGroup(offsets), transaction.addPartitionsOf(results)]);
      for (const outcome of added) if (outcome.status === 'rejected') throw outcome.reason;
    } catch (error) {
      return fail(error);
    }
    const begun = transaction;
    let settled = false;
    return {
      commit: async (records) => {
        settled = true;
        try {
          // The records and the offsets go to different brokers' roles (partition leaders, group
          // coordinator): both at once, then the commit.
          await Promise.all([begun.send(records), begun.commitOffsets(offsets)]);
          await begun.commit();
        } catch (error) {
          await fail(error);
        }
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        await fail(new Error('aborted')).catch(() => undefined);
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.#live.close(), this.#transactional?.close()]);
  }
}
