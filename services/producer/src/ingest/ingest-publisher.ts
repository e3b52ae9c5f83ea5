import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FlowcastError } from '@flowcast/common/contracts';
import { isKafkaUnavailable, JsonProducer, KafkaMetrics, serialised, withKafkaDeadline, type JsonTransaction, type OutgoingRecord } from '@flowcast/common/kafka';
import { PRODUCER_CONFIG, type ProducerConfig } from '../config.js';
import { CoalescedWrites } from './coalesced-writes.js';

/** Writes one upload's records inside its transaction. */
export interface UploadWriter {
  write(record: OutgoingRecord): Promise<void>;
}

/**
 * The producer's only door to Kafka. Single messages go through one idempotent producer;
 * each CSV upload is one Kafka transaction on a producer of its own, so that a file refused
 * half-way (a ragged row, a dropped connection) leaves nothing visible to consumers.
 */
@Injectable()
export class IngestPublisher implements OnApplicationShutdown {
  readonly #single: JsonProducer;
  readonly #singles: CoalescedWrites;
  readonly #idle: JsonProducer[] = [];
  readonly #waiting: Array<(producer: JsonProducer) => void> = [];
  #created = 0;

  constructor(
    @Inject(PRODUCER_CONFIG) private readonly config: ProducerConfig,
    private readonly metrics: KafkaMetrics,
  ) {
    // The client gives up within the send deadline too: a message answered 503 is never written later.
    const retries = 2;
    const requestTimeoutMs = Math.min(config.kafka.requestTimeoutMs, Math.floor(config.delivery.sendTimeoutMs / (retries + 1)));
    this.#single = new JsonProducer(config.kafka, { role: 'ingest', retries, retryDelayMs: 250, requestTimeoutMs, metrics });
    // One deadline per Kafka request rather than per message (a timer and two promises fewer
    // per message): a message waits at most the linger before its request leaves, so the
    // request gets what is left of the send deadline.
    const { sendTimeoutMs, lingerMs } = config.delivery;
    const requestDeadlineMs = Math.max(1, sendTimeoutMs - lingerMs);
    this.#singles = new CoalescedWrites(
      (records) => withKafkaDeadline(this.#single.send(records), requestDeadlineMs, records.length === 1 ? 'the message' : `${records.length} messages`),
      lingerMs,
    );
  }

  /**
   * Writes one message, in one request with the others accepted meanwhile (`KAFKA_LINGER_MS`).
   * When Kafka does not acknowledge it, the 503 names its logId: a broker that went away
   * after appending it but before answering still has it.
   */
  async publish(record: OutgoingRecord): Promise<void> {
    try {
      await this.#singles.send(record);
    } catch (error) {
      throw this.#refusal(error, record.key);
    }
  }

  /**
   * Runs `work` in one transaction, begun at its first write (so that a file refused before
   * its first batch never touches Kafka); resolves once Kafka has committed every record.
   * One write request is in flight at a time (concurrent sends within a transaction are
   * refused by the broker as TRANSACTION_ABORTABLE); batches parsed meanwhile go in the next.
   */
  async publishUpload<T>(work: (writer: UploadWriter) => Promise<T>): Promise<T> {
    const producer = await this.#acquire();
    const { batchesPerWrite } = this.config.csv;
    let transaction: JsonTransaction | undefined;
    let kafkaFailed = false;
    let pending: OutgoingRecord[] = [];
    let inFlight: Promise<void> = Promise.resolve();
    const kafka = <R>(operation: Promise<R>, what: string): Promise<R> =>
      this.#withinDeadline(operation, what).catch((error: unknown) => {
        kafkaFailed = true;
        throw error;
      });
    const sendPending = async (): Promise<void> => {
      await inFlight;
      if (pending.length === 0) return;
      const records = pending;
      pending = [];
      transaction ??= await kafka(producer.beginTransaction(), 'the start of an upload');
      inFlight = kafka(transaction.send(records), 'a CSV batch');
      // Unobserved until the next write or the end; a failure surfaces there.
      inFlight.catch(() => undefined);
    };
    const writer: UploadWriter = {
      write: async (record) => {
        // Serialised on arrival: what waits for Kafka is bytes, and the batch's row objects die
        // young instead of surviving collections while the previous request is in flight.
        pending.push(serialised(record));
        if (pending.length >= batchesPerWrite) await sendPending();
      },
    };
    try {
      const result = await work(writer);
      await sendPending();
      await inFlight;
      if (transaction !== undefined) await kafka(transaction.commit(), 'the upload');
      return result;
    } catch (error) {
      await inFlight.catch(() => undefined);
      // A refused file aborts at once. After a Kafka failure the abort would only wait on the
      // same outage: the coordinator aborts the abandoned transaction on its own, and the
      // producer is discarded below.
      if (transaction !== undefined && !kafkaFailed) await this.#withinDeadline(transaction.abort(), 'the abort').catch(() => undefined);
      throw error;
    } finally {
      // A producer that met a Kafka failure may hold a half-open transaction: never reuse it.
      this.#release(producer, !kafkaFailed);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.#single.close(), ...this.#idle.map((producer) => producer.close())]);
  }

  async #withinDeadline<T>(work: Promise<T>, what: string): Promise<T> {
    try {
      return await withKafkaDeadline(work, this.config.delivery.sendTimeoutMs, what);
    } catch (error) {
      throw this.#refusal(error);
    }
  }

  /** What the client is told when Kafka did not take its input: a 503 to retry when Kafka is away. */
  #refusal(error: unknown, logId?: string): unknown {
    if (!isKafkaUnavailable(error)) return error;
    const { retryAfterSeconds } = this.config.delivery;
    const message =
      logId === undefined
        ? 'Kafka is unavailable; nothing was accepted. Retry later.'
        : `Kafka is unavailable and did not acknowledge the message ${logId}: it was most likely not written. ` +
          `Retry later; GET /api/logs/${logId} on the gateway tells whether it arrived after all.`;
    return new FlowcastError('KAFKA_UNAVAILABLE', message, { cause: error, transient: true, details: { retryAfterSeconds, ...(logId === undefined ? {} : { logId }) } });
  }

  async #acquire(): Promise<JsonProducer> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    if (this.#created < this.config.csv.maxConcurrentUploads) {
      this.#created += 1;
      return new JsonProducer(this.config.kafka, {
        role: 'upload',
        transactionalId: `flowcast-producer-${this.config.service.instanceId}-upload-${this.#created}`,
        // A fresh cluster's transaction coordinator answers NOT_COORDINATOR for a while; the
        // send deadline still bounds the wait.
        retries: 30,
        retryDelayMs: 100,
        // An upload's transaction lasts as long as its request: the coordinator must not abort it
        // meanwhile (the client's default is its request timeout, 10 s).
        transactionTimeoutMs: uploadTransactionTimeoutMs(this.config.edge.requestTimeoutMs),
        metrics: this.metrics,
      });
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(producer: JsonProducer, healthy: boolean): void {
    if (!healthy) {
      // A producer whose broker went away may hold a half-open transaction: start afresh.
      this.#created -= 1;
      void producer.close().catch(() => undefined);
      const next = this.#waiting.shift();
      if (next !== undefined) void this.#acquire().then(next);
      return;
    }
    const next = this.#waiting.shift();
    if (next === undefined) this.#idle.push(producer);
    else next(producer);
  }
}

/** Past the longest request, and within the broker's default transaction.max.timeout.ms (15 min). */
export function uploadTransactionTimeoutMs(requestTimeoutMs: number): number {
  return Math.min(requestTimeoutMs + 60_000, 900_000);
}
