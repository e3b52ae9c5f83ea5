import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  FlowcastError,
  type DeadLetter,
  type IngestEnvelope,
  type LifecycleEvent,
} from '@flowcast/common/contracts';
import type { OutgoingRecord } from '@flowcast/common/kafka';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';
import { PROCESSORS, type Processor } from '../processing/processor.js';
import { decodeEnvelope } from './envelope-decoder.js';
import { lifecycleEvents } from './lifecycle-events.js';
import { OutputPublisher } from './output-publisher.js';
import { retryDelay } from './retry-delay.js';

/** A record of topic `messages` as the worker sees it. */
export interface IncomingMessage {
  key: string | undefined;
  value: Buffer | undefined;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface BatchOutcome {
  processed: number;
  failed: number;
  deadLettered: number;
}

type Outcome =
  | { ok: true; records: OutgoingRecord[]; attempts: number; durationMs: number }
  | { ok: false; error: FlowcastError; attempts: number; durationMs: number; deadLetter: boolean };

/**
 * Handles a batch of messages in two writes: first `message-received` and
 * `processing-started` for each, then each one's effects with `processing-completed` or
 * `processing-failed` (and dead letters). The caller commits offsets only after this
 * resolves, so a crash at any point redelivers, never loses.
 */
@Injectable()
export class BatchHandler {
  constructor(
    private readonly output: OutputPublisher,
    @Inject(PROCESSORS) private readonly processors: readonly Processor[],
    @Inject(CONSUMER_CONFIG) private readonly config: ConsumerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(messages: readonly IncomingMessage[]): Promise<BatchOutcome> {
    const consumerId = this.config.service.instanceId;
    const accepted: Array<{ envelope: IngestEnvelope; message: IncomingMessage }> = [];
    const first: OutgoingRecord[] = [];
    const receivedAt = new Date();
    for (const message of messages) {
      const decoded = decodeEnvelope(message.value);
      if (!decoded.ok) {
        this.logger.warn({ logId: message.key, partition: message.partition, offset: String(message.offset), err: decoded.error }, 'poison message dead-lettered');
        first.push(this.#deadLetter(message, message.key ?? null, decoded.error, 0, decoded.original));
        continue;
      }
      accepted.push({ envelope: decoded.envelope, message });
      first.push(
        this.#event(lifecycleEvents.received(decoded.envelope, consumerId, receivedAt)),
        this.#event(lifecycleEvents.started(decoded.envelope, consumerId, new Date())),
      );
    }
    await this.output.send(first);

    const second: OutgoingRecord[] = [];
    const outcome: BatchOutcome = { processed: 0, failed: 0, deadLettered: messages.length - accepted.length };
    for (const { envelope, message } of accepted) {
      const result = await this.#process(envelope);
      const at = new Date();
      if (result.ok) {
        outcome.processed += 1;
        second.push(...result.records, this.#event(lifecycleEvents.completed(envelope, consumerId, at, result.durationMs, result.attempts)));
        continue;
      }
      outcome.failed += 1;
      this.logger.info({ logId: envelope.logId, code: result.error.code, attempts: result.attempts }, result.error.message);
      second.push(this.#event(lifecycleEvents.failed(envelope, consumerId, at, result.durationMs, result.attempts, result.error)));
      if (result.deadLetter) {
        outcome.deadLettered += 1;
        second.push(this.#deadLetter(message, envelope.logId, result.error, result.attempts, envelope));
      }
    }
    await this.output.send(second);
    return outcome;
  }

  async #process(envelope: IngestEnvelope): Promise<Outcome> {
    const { maxAttempts, retryDelayMs, retryMaxDelayMs } = this.config.processing;
    const processor = this.processors.find((candidate) => candidate.dataTypes.includes(envelope.dataType));
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    if (processor === undefined) {
      const error = new FlowcastError('UNKNOWN_DATA_TYPE', `No processor handles data type ${envelope.dataType}`);
      return { ok: false, error, attempts: 0, durationMs: 0, deadLetter: true };
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await processor.process(envelope, { consumerId: this.config.service.instanceId, now: new Date() });
        return { ok: true, records: result.records, attempts: attempt, durationMs: elapsed() };
      } catch (caught) {
        const error =
          caught instanceof FlowcastError
            ? caught
            : new FlowcastError('PROCESSING_FAILED', `Processing failed: ${(caught as Error).message}`, { cause: caught, transient: true });
        if (!error.transient) return { ok: false, error, attempts: attempt, durationMs: elapsed(), deadLetter: false };
        if (attempt >= maxAttempts) {
          const exhausted = new FlowcastError(error.code, `${error.message} (gave up after ${attempt} attempts)`, { cause: error });
          return { ok: false, error: exhausted, attempts: attempt, durationMs: elapsed(), deadLetter: true };
        }
        const delay = retryDelay(attempt, retryDelayMs, retryMaxDelayMs);
        this.logger.warn({ logId: envelope.logId, attempt, retryInMs: delay, err: error }, 'transient processing failure; retrying');
        await sleep(delay);
      }
    }
  }

  #event(event: LifecycleEvent): OutgoingRecord {
    return { topic: this.config.topics.names.messageEvents, key: event.logId, value: event };
  }

  #deadLetter(message: IncomingMessage, logId: string | null, error: FlowcastError, attempts: number, original: unknown): OutgoingRecord {
    const value: DeadLetter = {
      logId,
      error: { code: error.code, message: error.message },
      attempts,
      consumerId: this.config.service.instanceId,
      failedAt: new Date().toISOString(),
      source: { topic: message.topic, partition: message.partition, offset: String(message.offset) },
      original,
    };
    return { topic: this.config.topics.names.deadLetter, key: logId ?? `${message.partition}:${message.offset}`, value };
  }
}
