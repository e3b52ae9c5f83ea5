import { ProduceAcks, Producer, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import { baseClientOptions } from './client-options.js';
import { encodeJson, type OutgoingRecord } from './records.js';

export interface JsonProducerOptions {
  /** Names the client in broker logs, e.g. `ingest` or `events`. */
  role: string;
  /** Makes the producer transactional: `inTransaction` writes all or nothing. */
  transactionalId?: string;
  /** Retries of one request before the send fails; keep low where a caller waits (HTTP). */
  retries?: number;
  retryDelayMs?: number;
}

/**
 * An idempotent producer (acks=all) of JSON records. Keys and headers are text; values are
 * serialised here, once, so that the client sees plain buffers.
 */
export class JsonProducer {
  readonly #producer: Producer<string, Buffer, string, string>;

  constructor(config: KafkaConfig, options: JsonProducerOptions) {
    this.#producer = new Producer({
      ...baseClientOptions(config, options.role),
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      acks: ProduceAcks.ALL,
      idempotent: true,
      retries: options.retries ?? 3,
      // The client's default of one second also applies to CONCURRENT_TRANSACTIONS, which
      // clears within milliseconds: a short delay keeps back-to-back transactions fast.
      retryDelay: options.retryDelayMs ?? 100,
      ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId }),
    });
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#producer.send({ messages: records.map(toMessage) });
  }

  /** Starts a Kafka transaction: what it sends becomes visible to read_committed consumers on commit. */
  async beginTransaction(): Promise<JsonTransaction> {
    return new JsonTransaction(await this.#producer.beginTransaction());
  }

  async close(): Promise<void> {
    await this.#producer.close(true);
  }
}

function toMessage(record: OutgoingRecord): MessageToProduce<string, Buffer, string, string> {
  return {
    topic: record.topic,
    key: record.key,
    value: encodeJson(record.value),
    ...(record.headers === undefined ? {} : { headers: record.headers }),
  };
}

type Transaction = Awaited<ReturnType<Producer<string, Buffer, string, string>['beginTransaction']>>;

export class JsonTransaction {
  readonly #transaction: Transaction;

  constructor(transaction: Transaction) {
    this.#transaction = transaction;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length > 0) await this.#transaction.send({ messages: records.map(toMessage) });
  }

  async commit(): Promise<void> {
    await this.#transaction.commit();
  }

  /** Aborts unless already committed or aborted; never throws (the broker times it out anyway). */
  async abort(): Promise<void> {
    if (!this.#transaction.completed) await this.#transaction.abort().catch(() => undefined);
  }
}
