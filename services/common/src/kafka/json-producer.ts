import {
  findErrorBy,
  kGetApi,
  kGetConnection,
  kMetadata,
  kPerformWithRetry,
  ProduceAcks,
  Producer,
  stringSerializer,
  type Callback,
  type ClusterMetadata,
  type Connection,
  type Consumer,
  type MessageToProduce,
} from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import type { BatchOffsets, GroupMemberIdentity } from './batch-consumer.js';
import { baseClientOptions } from './client-options.js';
import { keyPartitioner } from './key-partitioner.js';
import type { KafkaMetrics, WriteOperation } from './kafka-metrics.js';
import { encodeJson, type OutgoingRecord } from './records.js';

export interface JsonProducerOptions {
  /** Names the client in broker logs, e.g. `ingest` or `events`. */
  role: string;
  /** Makes the producer transactional: `inTransaction` writes all or nothing. */
  transactionalId?: string;
  /**
   * How long the broker lets a transaction stay open before aborting it: what a crashed
   * producer's open transaction holds back read_committed consumers of its partitions.
   * Default: the request timeout.
   */
  transactionTimeoutMs?: number;
  /** Retries of one request before the send fails; keep low where a caller waits (HTTP). */
  retries?: number;
  /**
   * Longest wait for one request's answer (default: KAFKA_REQUEST_TIMEOUT_MS). Where a caller
   * gives up after a deadline, keep (retries + 1) × this within it: the client then has given up
   * too, and does not write the message once the broker is back, after the caller was told no.
   */
  requestTimeoutMs?: number;
  retryDelayMs?: number;
  /** Observes how long each write takes to be acknowledged, labelled with `role`. */
  metrics?: KafkaMetrics;
}

type TimeWrite = <T>(operation: WriteOperation, write: Promise<T>) => Promise<T>;

/**
 * An idempotent producer (acks=all) of JSON records. Keys and headers are text; values are
 * serialised here, once, so that the client sees plain buffers.
 */
export class JsonProducer {
  readonly #producer: Producer<string, Buffer, string, string>;
  readonly #time: TimeWrite;

  constructor(config: KafkaConfig, options: JsonProducerOptions) {
    const metrics = options.metrics;
    this.#time = metrics === undefined ? (_operation, write) => write : (operation, write) => metrics.timeWrite(options.role, operation, write);
    this.#producer = new Producer({
      ...baseClientOptions(config, options.role),
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      partitioner: keyPartitioner,
      acks: ProduceAcks.ALL,
      idempotent: true,
      retries: options.retries ?? 3,
      retryDelay: retryDelayFor(options.retryDelayMs ?? 100),
      // A new producer must send InitProducerId with no producer id (-1): the client's default
      // of 0 makes the broker answer PRODUCER_FENCED once the transactional id has a producer,
      // so a producer replacing a failed one, or an instance restarted, could never begin.
      ...(options.transactionalId === undefined ? {} : { transactionalId: options.transactionalId, producerId: -1n, producerEpoch: -1 }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs, timeout: options.requestTimeoutMs }),
      // The client sends `timeout` as the transaction timeout of InitProducerId.
      ...(options.transactionTimeoutMs === undefined ? {} : { timeout: options.transactionTimeoutMs }),
    });
  }

  /** Writes the records in order, in as few requests as the brokers' size limit allows. */
  async send(records: readonly OutgoingRecord[]): Promise<void> {
    // One record is one request, whatever its size: the producer's single messages.
    if (records.length === 1) {
      await this.#time('send', this.#producer.send({ messages: [toMessage(records[0]!)] }));
      return;
    }
    for (const messages of inRequests(records)) await this.#time('send', this.#producer.send({ messages }));
  }

  /** Starts a Kafka transaction: what it sends becomes visible to read_committed consumers on commit. */
  async beginTransaction(): Promise<JsonTransaction> {
    return new JsonTransaction(this.#producer, await this.#producer.beginTransaction(), this.#time);
  }

  async close(): Promise<void> {
    await this.#producer.close(true);
  }
}

/**
 * CONCURRENT_TRANSACTIONS answers a transaction begun while the previous one's markers are
 * still being written, which takes milliseconds: retried after 1, 2, 4 … ms up to the general
 * delay, so that back-to-back transactions (a worker's batches, an instance's uploads) are not
 * held by the general delay each time.
 */
function retryDelayFor(delayMs: number) {
  return (_client: unknown, _operation: string, attempt: number, _retries: number, error: Error): number =>
    findErrorBy(error, 'apiId', 'CONCURRENT_TRANSACTIONS') === null ? delayMs : Math.min(2 ** Math.max(0, attempt - 1), delayMs);
}

/**
 * Brokers refuse a request whose batch for one partition exceeds `message.max.bytes` (1 MiB
 * by default): a worker's output for a batch of CSV messages can be several times that.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

type OutgoingMessage = MessageToProduce<string, Buffer, string, string>;

function* inRequests(records: readonly OutgoingRecord[]): Generator<OutgoingMessage[]> {
  let request: OutgoingMessage[] = [];
  let bytes = 0;
  for (const record of records) {
    const message = toMessage(record);
    const size = message.value!.length + record.key.length + 64;
    if (request.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
      yield request;
      request = [];
      bytes = 0;
    }
    request.push(message);
    bytes += size;
  }
  if (request.length > 0) yield request;
}

function toMessage(record: OutgoingRecord): OutgoingMessage {
  return {
    topic: record.topic,
    key: record.key,
    value: record.encoded ?? encodeJson(record.value),
    ...(record.headers === undefined ? {} : { headers: record.headers }),
  };
}

const NO_VALUE = Buffer.alloc(0);

type Transaction = Awaited<ReturnType<Producer<string, Buffer, string, string>['beginTransaction']>>;

type KafkaProducer = Producer<string, Buffer, string, string>;

export class JsonTransaction {
  readonly #producer: KafkaProducer;
  readonly #transaction: Transaction;
  readonly #time: TimeWrite;

  constructor(producer: KafkaProducer, transaction: Transaction, time: TimeWrite) {
    this.#producer = producer;
    this.#transaction = transaction;
    this.#time = time;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    for (const messages of inRequests(records)) await this.#time('send', this.#transaction.send({ messages }));
  }

  /**
   * Adds the consumer group of a consumed batch to this transaction (AddOffsetsToTxn), before
   * `commitOffsets`: one round trip that may go ahead of the records.
   */
  async addOffsetsGroup(batch: BatchOffsets): Promise<void> {
    // The client only reads the group id of the consumer it is given.
    await this.#transaction.addConsumer({ groupId: batch.groupId } as unknown as Consumer<string, Buffer, string, string>);
  }

  /**
   * Adds the partitions `records` will be written to (AddPartitionsToTxn), ahead of `send`:
   * one round trip that may go ahead of the records, alongside `addOffsetsGroup`, instead of
   * one more before the records. `send` adds any partition still missing (metadata changed).
   */
  async addPartitionsOf(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const metadata = await this.#producer.metadata({ topics: [...new Set(records.map((record) => record.topic))] });
    // Where the partitioner puts each key (reduced modulo the partition count there); values are not read.
    const placed = records.map(({ topic, key }) => {
      const bytes = Buffer.from(key, 'utf8');
      return { topic, key: bytes, value: NO_VALUE, partition: keyPartitioner({ topic }, bytes) };
    });
    await this.#transaction.addPartitions(metadata, placed);
  }

  /**
   * Commits a consumed batch's offsets with this transaction (exactly-once consume → produce),
   * after `addOffsetsGroup`: visible when the transaction commits, discarded if it aborts,
   * refused by the group coordinator if the member has lost the partitions since (KIP-447).
   */
  async commitOffsets(batch: BatchOffsets): Promise<void> {
    if (batch.offsets.length === 0) return;
    const member = batch.member();
    await commitTransactionalOffsets(this.#producer, this.#transaction.id, member, batch);
  }

  async commit(): Promise<void> {
    await this.#time('commit', this.#transaction.commit());
  }

  /** Aborts unless already committed or aborted; never throws (the broker times it out anyway). */
  async abort(): Promise<void> {
    if (!this.#transaction.completed) await this.#transaction.abort().catch(() => undefined);
  }
}

/**
 * One TxnOffsetCommit with every partition of the batch, through the producer's connections
 * and retries (the client's own `Transaction#addOffset` sends one request per partition, and
 * merges concurrent ones: a batch over six partitions waited for six round trips in a row).
 * The client commits what it is given: the offset of the next record to read.
 */
function commitTransactionalOffsets(producer: KafkaProducer, transactionalId: string, member: GroupMemberIdentity, batch: BatchOffsets): Promise<void> {
  const internals = producer as unknown as ProducerInternals;
  const topics = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: null }>>();
  for (const { topic, partition, offset, leaderEpoch } of batch.offsets) {
    const partitions = topics.get(topic) ?? [];
    partitions.push({ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: leaderEpoch, committedMetadata: null });
    topics.set(topic, partitions);
  }
  const request = [...topics].map(([name, partitions]) => ({ name, partitions }));
  return new Promise((resolve, reject) => {
    internals[kPerformWithRetry](
      'commit',
      (retry) => {
        internals[kMetadata]({ topics: [...topics.keys()] }, (metadataError, metadata) => {
          const coordinator = metadata?.brokers.get(member.coordinatorId);
          if (metadataError !== null || coordinator === undefined) return retry(metadataError ?? new Error(`group coordinator ${member.coordinatorId} is not in the metadata`));
          internals[kGetConnection](coordinator, (connectionError, connection) => {
            if (connectionError !== null || connection === undefined) return retry(connectionError);
            internals[kGetApi]('TxnOffsetCommit', (apiError, api) => {
              if (apiError !== null || api === undefined) return retry(apiError);
              const { producerId, producerEpoch } = producer;
              if (producerId === undefined || producerEpoch === undefined) return retry(new Error('the producer has no producer id'));
              api(connection, transactionalId, member.groupId, producerId, producerEpoch, member.generationId, member.memberId, null, request, (error: Error | null) => retry(error));
            });
          });
        });
      },
      (error) => (error === null || error === undefined ? resolve() : reject(error)),
    );
  });
}

/** The client's extension points (exported symbols) that `commitTransactionalOffsets` uses. */
interface ProducerInternals {
  [kPerformWithRetry](operationId: string, operation: (retry: (error?: Error | null) => void) => void, callback: (error?: Error | null) => void): void;
  [kMetadata](options: { topics: string[] }, callback: Callback<ClusterMetadata>): void;
  [kGetConnection](broker: unknown, callback: Callback<Connection>): void;
  [kGetApi](name: string, callback: Callback<(connection: Connection, ...args: unknown[]) => void>): void;
}
