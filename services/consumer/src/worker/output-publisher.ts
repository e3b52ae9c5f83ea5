import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { JsonProducer, KafkaMetrics, type BatchOffsets, type JsonTransaction, type OutgoingRecord } from '@flowcast/common/kafka';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';

/** A batch's results transaction, its results' partitions added and its offsets committed or on their way. */
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
   * Begins the transaction of a batch's results. Added to it at once, while the caller's first
   * write is in flight: the partitions the results go to, and the worker group's offsets, then
   * (the group added) the offsets themselves. Resolves once the partitions are in: committing
   * then waits only for the results' write (and the offsets, if still on their way) and the commit.
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
    let offsetsCommitted: Promise<void> = Promise.resolve();
    const fail = async (error: unknown): Promise<never> => {
      // Nothing of the transaction still in flight when it aborts: a request landing after the
      // abort would be refused, or open a transaction of its own.
      await offsetsCommitted.catch(() => undefined);
      await transaction?.abort();
      // The producer may be fenced or hold a half-open transaction: the next batch starts a new
      // one, whose InitProducerId aborts whatever this one left open.
      if (this.#transactional === producer) this.#transactional = undefined;
      await producer.close().catch(() => undefined);
      throw error;
    };
    try {
      transaction = await producer.beginTransaction();
      const begun = transaction;
      // The offsets go to the group coordinator, the results to partition leaders: the results
      // need only their partitions added, not the offsets committed.
      offsetsCommitted = begun.addOffsetsGroup(offsets).then(() => begun.commitOffsets(offsets));
      offsetsCommitted.catch(() => undefined);
      await begun.addPartitionsOf(results);
    } catch (error) {
      return fail(error);
    }
    const begun = transaction;
    let settled = false;
    return {
      commit: async (records) => {
        settled = true;
        const written = await Promise.allSettled([begun.send(records), offsetsCommitted]);
        for (const outcome of written) if (outcome.status === 'rejected') return fail(outcome.reason);
        try {
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
