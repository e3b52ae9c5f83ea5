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
}

/** Handles a batch; throwing means "not handled": the same batch is offered again after a delay. */
export type BatchHandlerFunction = (messages: readonly ConsumedMessage[]) => Promise<void>;

const RESTART_DELAY_MS = 2_000;
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

  constructor(
    private readonly options: BatchConsumerOptions,
    private readonly handle: BatchHandlerFunction,
  ) {}

  /** True while a member of the group, between joins and failures. */
  get consuming(): boolean {
    return this.#consuming;
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
        this.#consuming = false;
        if (this.#stopping) break;
        this.options.logger.error({ err: error, retryInMs: RESTART_DELAY_MS }, 'consumer failed; rejoining');
        await this.#pause(RESTART_DELAY_MS);
      }
    }
    this.#consuming = false;
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
      this.#consuming = true;
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
        if (!(await this.#handleUntilDone(batch))) break;
        this.#commitLastOffsets(batch);
      }
    } finally {
      this.#consuming = false;
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
      Promise.resolve(message.commit()).catch((error: unknown) =>
        this.options.logger.warn({ err: error, partition: message.partition }, 'offset commit failed; the batch may be redelivered'),
      );
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
