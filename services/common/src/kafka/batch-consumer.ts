import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Consumer,
  FetchIsolationLevels,
  stringDeserializer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import type { Logger } from '../nest/logging.js';
import { baseClientOptions } from './client-options.js';
import type { KafkaMetrics } from './kafka-metrics.js';

/** A consumed record: text key and headers, raw value (decoded by the handler, which may refuse it). */
export type ConsumedMessage = Message<string, Buffer, string, string>;
type ConsumedStream = MessagesStream<string, Buffer, string, string>;

export interface BatchConsumerOptions {
  kafka: KafkaConfig;
  groupId: string;
  topic: string;
  /** Names the client in broker logs. */
  role: string;
  /** Most records handed to the handler at once. */
  maxBatch: number;
  /** Records fetched ahead of the handler. */
  prefetch: number;
  /** Longest a fetch waits when there is nothing new. */
  fetchMaxWaitMs: number;
  /** Where a group without committed offsets starts. */
  startFrom: 'earliest' | 'latest';
  logger: Logger;
  /** Reports membership and lag (`flowcast_kafka_consumer_*`), the lag every `lagIntervalMs`. */
  metrics?: KafkaMetrics;
  lagIntervalMs?: number;
}

/** Handles a batch; throwing means "not handled": the same batch is offered again after a delay. */
export type BatchHandlerFunction = (messages: readonly ConsumedMessage[]) => Promise<void>;

const RESTART_DELAY_MS = 2_000;
const DEFAULT_LAG_INTERVAL_MS = 5_000;
const HANDLER_RETRY_DELAY_MS = 1_000;

/**
 * A consumer-group member that hands what has been fetched, up to a batch, to a handler and
 * commits each partition's last offset only once the handler resolved: at-least-once, and a
 * batch the handler could not finish (its own writes failing) is retried, never skipped.
 * It reads committed records only (uploads are transactions), rejoins after failures, and on
 * `stop` finishes the batch in hand, flushes commits and leaves the group.
 */
export class BatchConsumer {
  readonly #shutdown = new AbortController();
  #consuming = false;
  #running: Promise<void> | undefined;
  /** Whether a batch is in the handler's hands. */
  #handling = false;
  /** Per partition, the offset after the last record handled, since this member joined. */
  readonly #handled = new Map<number, bigint>();
  readonly #lagReported = new Set<number>();

  constructor(
    private readonly options: BatchConsumerOptions,
    private readonly handle: BatchHandlerFunction,
  ) {}

  /** True while a member of the group, between joins and failures. */
  get consuming(): boolean {
    return this.#consuming;
  }

  #setConsuming(consuming: boolean): void {
    this.#consuming = consuming;
    this.options.metrics?.active.set({ group: this.options.groupId, topic: this.options.topic }, consuming ? 1 : 0);
  }

  /** Starts consuming once `ready` resolves (e.g. the topics exist). */
  start(ready: Promise<void> = Promise.resolve()): void {
    this.#running ??= this.#supervise(ready);
  }

  async stop(): Promise<void> {
    this.#shutdown.abort();
    await this.#running;
  }

  get #stopping(): boolean {
    return this.#shutdown.signal.aborted;
  }

  async #supervise(ready: Promise<void>): Promise<void> {
    await Promise.race([ready, once(this.#shutdown.signal, 'abort')]);
    while (!this.#stopping) {
      try {
        await this.#consume();
      } catch (error) {
        this.#setConsuming(false);
        if (this.#stopping) break;
        this.options.logger.error({ err: error, retryInMs: RESTART_DELAY_MS }, 'consumer failed; rejoining');
        await this.#pause(RESTART_DELAY_MS);
      }
    }
    this.#setConsuming(false);
  }

  async #consume(): Promise<void> {
    const { kafka, groupId, topic, logger } = this.options;
    const consumer = new Consumer<string, Buffer, string, string>({
      ...baseClientOptions(kafka, this.options.role),
      groupId,
      ...(kafka.groupProtocol === 'consumer' ? { groupProtocol: 'consumer' as const } : {}),
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: this.options.fetchMaxWaitMs,
      highWaterMark: this.options.prefetch,
    });
    let stream: ConsumedStream | undefined;
    let failure: unknown;
    let lagTimer: NodeJS.Timeout | undefined;
    const failed = new AbortController();
    try {
      stream = await consumer.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: this.options.startFrom,
        autocommit: false,
      });
      stream.on('error', (error) => {
        failure ??= error;
        failed.abort();
      });
      // The 'readable' listener stays for the stream's life: without one (and without a
      // 'data' listener) the stream counts as unconsumed and stops fetching.
      let signalReadable: (() => void) | undefined;
      stream.on('readable', () => signalReadable?.());
      const wakeUp = AbortSignal.any([this.#shutdown.signal, failed.signal]);
      wakeUp.addEventListener('abort', () => signalReadable?.(), { once: true });
      this.#setConsuming(true);
      if (this.options.metrics !== undefined) {
        const sampled = stream;
        lagTimer = setInterval(() => {
          this.#sampleLag(consumer, sampled).catch((error: unknown) => logger.debug({ err: error }, 'cannot measure the lag this time'));
        }, this.options.lagIntervalMs ?? DEFAULT_LAG_INTERVAL_MS);
        lagTimer.unref();
      }
      logger.info({ groupId, topic, protocol: kafka.groupProtocol }, 'consuming');
      while (!this.#stopping && failure === undefined) {
        const batch = readAvailable(stream, this.options.maxBatch);
        if (batch.length === 0) {
          await new Promise<void>((resolve) => {
            signalReadable = resolve;
            if (wakeUp.aborted || stream!.readableLength > 0) resolve();
          });
          signalReadable = undefined;
          continue;
        }
        this.#handling = true;
        const handled = await this.#handleUntilDone(batch);
        this.#handling = false;
        if (!handled) break;
        this.#commitLastOffsets(batch);
      }
    } finally {
      this.#setConsuming(false);
      clearInterval(lagTimer);
      this.#handling = false;
      this.#handled.clear();
      this.#clearLag(new Set());
      // Closing the stream flushes queued commits; closing the consumer leaves the group.
      await stream?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the stream failed'));
      await consumer.close(true).catch((error: unknown) => logger.warn({ err: error }, 'leaving the group failed'));
    }
    if (failure !== undefined) throw failure;
  }

  async #handleUntilDone(batch: readonly ConsumedMessage[]): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.handle(batch);
        return true;
      } catch (error) {
        if (this.#stopping) {
          this.options.logger.warn({ err: error, size: batch.length }, 'stopping with a batch not handled; it will be redelivered');
          return false;
        }
        this.options.logger.warn({ err: error, attempt, retryInMs: HANDLER_RETRY_DELAY_MS }, 'batch not handled; retrying');
        await this.#pause(HANDLER_RETRY_DELAY_MS);
      }
    }
  }

  #commitLastOffsets(batch: readonly ConsumedMessage[]): void {
    const last = new Map<number, ConsumedMessage>();
    for (const message of batch) last.set(message.partition, message);
    for (const message of last.values()) {
      this.#handled.set(message.partition, message.offset + 1n);
      Promise.resolve(message.commit()).catch((error: unknown) =>
        this.options.logger.warn({ err: error, partition: message.partition }, 'offset commit failed; the batch may be redelivered'),
      );
    }
  }

  /**
   * Per assigned partition, records not handled yet: the end of what read_committed consumers
   * can read, minus this member's position. While idle the position is the fetch position,
   * which has moved past transaction markers; busy, it is after the last record handled (the
   * fetch position counts prefetched records as done).
   */
  async #sampleLag(consumer: Consumer<string, Buffer, string, string>, stream: ConsumedStream): Promise<void> {
    const { topic, groupId, metrics } = this.options;
    const assigned = (consumer.assignments ?? []).filter((assignment) => assignment.topic === topic).flatMap((assignment) => assignment.partitions);
    if (assigned.length === 0 || metrics === undefined) {
      this.#clearLag(new Set());
      return;
    }
    const ends = (await consumer.listOffsets({ topics: [topic], partitions: { [topic]: assigned }, isolationLevel: FetchIsolationLevels.READ_COMMITTED })).get(topic) ?? [];
    const idle = !this.#handling && stream.readableLength === 0;
    for (const partition of assigned) {
      const fetched = stream.offsetsToFetch.get(`${topic}:${partition}`);
      const position = idle ? fetched : (this.#handled.get(partition) ?? fetched);
      const end = ends[partition];
      if (position === undefined || end === undefined || end < 0n) continue;
      metrics.lag.set({ group: groupId, topic, partition: String(partition) }, Number(end > position ? end - position : 0n));
      this.#lagReported.add(partition);
    }
    this.#clearLag(new Set(assigned));
  }

  /** Stops reporting the lag of partitions this member no longer owns (their new owner reports it). */
  #clearLag(keep: ReadonlySet<number>): void {
    for (const partition of this.#lagReported) {
      if (keep.has(partition)) continue;
      this.options.metrics?.lag.remove({ group: this.options.groupId, topic: this.options.topic, partition: String(partition) });
      this.#lagReported.delete(partition);
    }
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#shutdown.signal }).catch(() => undefined);
  }
}

function readAvailable(stream: ConsumedStream, max: number): ConsumedMessage[] {
  const batch: ConsumedMessage[] = [];
  while (batch.length < max) {
    const message = stream.read() as ConsumedMessage | null;
    if (message === null) break;
    batch.push(message);
  }
  return batch;
}
