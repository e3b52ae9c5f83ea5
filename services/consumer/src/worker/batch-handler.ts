import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  FlowcastError,
  type DeadLetter,
  type IngestEnvelope,
  type LifecycleEvent,
} from '@flowcast/common/contracts';
import type { BatchOffsets, OutgoingRecord } from '@flowcast/common/kafka';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import {
  contextFromHeaders,
  endSpan,
  messageOf,
  runInContext,
  SPAN_ATTRIBUTES,
  startInternalSpan,
  startMessageSpan,
  traceHeaders,
  tracingEnabled,
  type MessageIds,
  type MessageSpan,
} from '@flowcast/common/telemetry';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';
import { PROCESSORS, type ProcessingResult, type Processor } from '../processing/processor.js';
import { decodeEnvelope } from './envelope-decoder.js';
import { isoNow } from './iso-clock.js';
import { lifecycleEvents } from './lifecycle-events.js';
import { OutputPublisher, type ResultsTransaction } from './output-publisher.js';
import { retryDelay } from './retry-delay.js';
import { UNDECODABLE, WorkerMetrics } from './worker-metrics.js';

/** A record of topic `messages` as the worker sees it. */
export interface IncomingMessage {
  key: string | undefined;
  value: Buffer | undefined;
  topic: string;
  partition: number;
  offset: bigint;
  /** Text headers: the W3C trace context of the message's producer. */
  headers?: ReadonlyMap<string, string>;
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
 * How long a batch's processing may run before its messages' `message-received` and
 * `processing-started` are written on their own, so that clients see work start: below it,
 * nobody could see them apart from the results.
 */
export const STEPS_ALONE_AFTER_MS = 10;

/**
 * Handles a batch of messages: `message-received` and `processing-started` for each, then each
 * one's effects with `processing-completed` or `processing-failed` (and dead letters). The
 * steps are a write of their own, sent while processing goes on, once processing has to wait
 * (an asynchronous processor, a retry's delay) or has run `STEPS_ALONE_AFTER_MS`; a batch
 * processed sooner writes them with its results, in one write (a request less per batch, for
 * the worker, the broker and every gateway). Given the batch's offsets (exactly-once), the
 * results and the offsets are one Kafka transaction; otherwise the caller commits offsets only
 * after this resolves. Either way a crash at any point redelivers, never loses; with the
 * transaction, results are never written twice, and only steps written on their own may
 * repeat (the status view drops repeated steps).
 *
 * Each message gets a `process` span, child of the context its producer put in the headers,
 * with a `publish` span per write and the processor's span inside; the events it writes carry
 * their `publish` span's context on to the gateway.
 */
@Injectable()
export class BatchHandler {
  constructor(
    private readonly output: OutputPublisher,
    @Inject(PROCESSORS) private readonly processors: readonly Processor[],
    @Inject(CONSUMER_CONFIG) private readonly config: ConsumerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * `after`: when the batch before this one is committed; this batch's transaction opens only
   * then (one transaction at a time per worker), and not at all when it rejects.
   */
  async handle(messages: readonly IncomingMessage[], offsets?: BatchOffsets, after: Promise<void> = Promise.resolve()): Promise<BatchOutcome> {
    const consumerId = this.config.service.instanceId;
    const accepted: Array<{ envelope: IngestEnvelope; message: IncomingMessage; span: MessageSpan }> = [];
    const poisoned: MessageSpan[] = [];
    const first = new Writes();
    // Dead letters are results: in the second write, with the batch's transaction when there is one.
    const second = new Writes();
    const receivedAt = isoNow();
    const landed = this.metrics.startFlight(messages.length);
    let opening: Promise<ResultsTransaction> | undefined;
    let committed = false;
    try {
      for (const message of messages) {
        const decoded = decodeEnvelope(message.value);
        if (!decoded.ok) {
          const ids = { logId: message.key ?? `${message.partition}:${message.offset}` };
          const span = this.#processSpan(message, ids, UNDECODABLE);
          runInContext(span.context, () =>
            this.logger.warn({ partition: message.partition, offset: String(message.offset), err: decoded.error }, 'poison message dead-lettered'),
          );
          poisoned.push(span);
          second.add(span, [this.#deadLetter(message, message.key ?? null, decoded.error, 0, decoded.original)]);
          endSpan(span.span, decoded.error);
          continue;
        }
        const { envelope } = decoded;
        const span = this.#processSpan(message, envelope, envelope.dataType);
        accepted.push({ envelope, message, span });
        first.add(span, [
          this.#event(lifecycleEvents.received(envelope, consumerId, receivedAt)),
          this.#event(lifecycleEvents.started(envelope, consumerId, isoNow())),
        ]);
      }
      // Written on their own, processing goes on while they are in flight; the results wait for
      // them, so that no completion is ever visible before its message-received.
      let firstWrite: Promise<void> | undefined;
      const writeStepsAlone = () => {
        if (firstWrite !== undefined) return;
        firstWrite = first.send((records) => this.output.send(records), this.config.topics.names.messageEvents);
        firstWrite.catch(() => undefined);
      };
      const processingSince = performance.now();

      const outcome: BatchOutcome = { processed: 0, failed: 0, deadLettered: poisoned.length };
      const finished: Array<{ dataType: IngestEnvelope['dataType']; outcome: 'processed' | 'failed' }> = [];
      const deadLetterCodes: Array<FlowcastError['code']> = poisoned.map(() => 'UNDECODABLE_MESSAGE');
      for (const { envelope, message, span } of accepted) {
        const processing = this.#process(envelope, span);
        const waits = isPromiseLike(processing);
        if (waits || performance.now() - processingSince >= STEPS_ALONE_AFTER_MS) writeStepsAlone();
        const result = waits ? await processing : processing;
        const at = isoNow();
        if (result.ok) {
          outcome.processed += 1;
          finished.push({ dataType: envelope.dataType, outcome: 'processed' });
          second.add(span, [...result.records, this.#event(lifecycleEvents.completed(envelope, consumerId, at, result.durationMs, result.attempts))]);
          continue;
        }
        outcome.failed += 1;
        runInContext(span.context, () => this.logger.info({ code: result.error.code, attempts: result.attempts }, result.error.message));
        const records = [this.#event(lifecycleEvents.failed(envelope, consumerId, at, result.durationMs, result.attempts, result.error))];
        if (result.deadLetter) {
          outcome.deadLettered += 1;
          records.push(this.#deadLetter(message, envelope.logId, result.error, result.attempts, envelope));
          deadLetterCodes.push(result.error.code);
        }
        finished.push({ dataType: envelope.dataType, outcome: 'failed' });
        second.add(span, records);
      }
      const finalWrite = firstWrite === undefined ? first.followedBy(second) : second;
      // Exactly-once: the results' transaction opens while the steps are in flight, or once
      // the previous batch's has committed; it knows the results' partitions from the start.
      if (offsets !== undefined) {
        const results = finalWrite.records();
        opening = after.then(() => this.output.begin(offsets, results));
        opening.catch(() => undefined);
      }
      const countReceived = () => {
        this.metrics.received(accepted.map(({ envelope }) => envelope.dataType));
        if (poisoned.length > 0) this.metrics.received(poisoned.map(() => UNDECODABLE));
      };
      if (firstWrite !== undefined) {
        await firstWrite;
        countReceived();
      }
      const transaction = await opening;
      await finalWrite.send(
        (records) => (transaction === undefined ? this.output.send(records) : transaction.commit(records)),
        this.config.topics.names.messageEvents,
      );
      committed = true;
      if (firstWrite === undefined) countReceived();
      this.metrics.finished(finished);
      this.metrics.deadLettered(deadLetterCodes);
      for (const { span } of accepted) endSpan(span.span);
      return outcome;
    } catch (error) {
      for (const { span } of accepted) endSpan(span.span, error);
      throw error;
    } finally {
      if (!committed) await opening?.then((transaction) => transaction.abort(), () => undefined);
      landed();
    }
  }

  /** The span of one message's stay in this worker, child of its producer's span. */
  #processSpan(message: IncomingMessage, ids: MessageIds, dataType: string): MessageSpan {
    return startMessageSpan({
      operation: 'process',
      topic: message.topic,
      ids,
      parent: contextFromHeaders(message.headers),
      // Built only for a span that is recorded.
      attributes: tracingEnabled() ? {
        [SPAN_ATTRIBUTES.dataType]: dataType,
        'messaging.consumer.group.name': this.config.groupId,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': Number(message.offset),
        'flowcast.consumer_id': this.config.service.instanceId,
      } : {},
    });
  }

  /**
   * Runs the processor inside its own span, so that the processor's log lines carry the trace
   * and logId; synchronous while the processor is and nothing is retried (no promise per message).
   */
  #process(envelope: IngestEnvelope, parent: MessageSpan): Outcome | Promise<Outcome> {
    const attributes = tracingEnabled() ? { [SPAN_ATTRIBUTES.dataType]: envelope.dataType } : undefined;
    const work = startInternalSpan(`process ${envelope.dataType}`, parent.context, attributes);
    const outcome = runInContext(work.context, () => this.#attempts(envelope));
    return isPromiseLike(outcome) ? outcome.then((settled) => this.#processed(envelope, work, settled)) : this.#processed(envelope, work, outcome);
  }

  #processed(envelope: IngestEnvelope, work: MessageSpan, outcome: Outcome): Outcome {
    work.span.setAttribute('flowcast.attempts', outcome.attempts);
    endSpan(work.span, outcome.ok ? undefined : outcome.error);
    this.metrics.processed(envelope.dataType, outcome.ok ? 'processed' : 'failed', outcome.durationMs);
    return outcome;
  }

  #attempts(envelope: IngestEnvelope): Outcome | Promise<Outcome> {
    const processor = this.processors.find((candidate) => candidate.dataTypes.includes(envelope.dataType));
    if (processor === undefined) {
      const error = new FlowcastError('UNKNOWN_DATA_TYPE', `No processor handles data type ${envelope.dataType}`);
      return { ok: false, error, attempts: 0, durationMs: 0, deadLetter: true };
    }
    return this.#attempt(processor, envelope, 1, performance.now());
  }

  #attempt(processor: Processor, envelope: IngestEnvelope, attempt: number, started: number): Outcome | Promise<Outcome> {
    const succeeded = (result: ProcessingResult): Outcome => ({ ok: true, records: result.records, attempts: attempt, durationMs: elapsedMs(started) });
    let result: ProcessingResult | Promise<ProcessingResult>;
    try {
      result = processor.process(envelope, { consumerId: this.config.service.instanceId, now: new Date() });
    } catch (caught) {
      return this.#failed(processor, envelope, caught, attempt, started);
    }
    return isPromiseLike(result) ? result.then(succeeded, (caught: unknown) => this.#failed(processor, envelope, caught, attempt, started)) : succeeded(result);
  }

  /** After a failed attempt: the outcome when it is final (not transient, or the last attempt allowed), else the next attempt after a delay. */
  #failed(processor: Processor, envelope: IngestEnvelope, caught: unknown, attempt: number, started: number): Outcome | Promise<Outcome> {
    const { maxAttempts, retryDelayMs, retryMaxDelayMs } = this.config.processing;
    const error =
      caught instanceof FlowcastError
        ? caught
        : new FlowcastError('PROCESSING_FAILED', `Processing failed: ${(caught as Error).message}`, { cause: caught, transient: true });
    if (!error.transient) return { ok: false, error, attempts: attempt, durationMs: elapsedMs(started), deadLetter: false };
    if (attempt >= maxAttempts) {
      const exhausted = new FlowcastError(error.code, `${error.message} (gave up after ${attempt} attempts)`, { cause: error });
      return { ok: false, error: exhausted, attempts: attempt, durationMs: elapsedMs(started), deadLetter: true };
    }
    const delay = retryDelay(attempt, retryDelayMs, retryMaxDelayMs);
    this.logger.warn({ attempt, retryInMs: delay, err: error }, 'transient processing failure; retrying');
    return sleep(delay).then(() => this.#attempt(processor, envelope, attempt + 1, started));
  }

  #event(event: LifecycleEvent): OutgoingRecord {
    return { topic: this.config.topics.names.messageEvents, key: event.logId, value: event };
  }

  /**
   * The original as a dead letter can hold it: itself, or, when it cannot be written again
   * (larger than half a Kafka message as JSON, or nested too deep to serialise), its start.
   */
  #fitting(original: unknown, value: Buffer | undefined): unknown {
    const limit = Math.floor(this.config.kafka.maxMessageBytes / 2);
    try {
      if (Buffer.byteLength(JSON.stringify(original) ?? '') <= limit) return original;
    } catch {
      // Too deep for JSON.stringify: keep its start below.
    }
    return { truncated: true, bytes: value?.length ?? 0, start: value?.toString('utf8', 0, Math.min(limit, 4_096)) ?? '' };
  }

  #deadLetter(message: IncomingMessage, logId: string | null, error: FlowcastError, attempts: number, original: unknown): OutgoingRecord {
    const value: DeadLetter = {
      logId,
      error: { code: error.code, message: error.message },
      attempts,
      consumerId: this.config.service.instanceId,
      failedAt: new Date().toISOString(),
      source: { topic: message.topic, partition: message.partition, offset: String(message.offset) },
      original: this.#fitting(original, message.value),
    };
    return { topic: this.config.topics.names.deadLetter, key: logId ?? `${message.partition}:${message.offset}`, value };
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Milliseconds since `started`, to the microsecond. */
function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/**
 * One write of the batch: the records of each message, with the trace context of a `publish`
 * span of that message, ended once Kafka has acknowledged the write (with tracing on).
 */
class Writes {
  readonly #records: OutgoingRecord[] = [];
  readonly #pending: Array<{ parent: MessageSpan; records: OutgoingRecord[] }> = [];

  add(parent: MessageSpan, records: OutgoingRecord[]): void {
    this.#pending.push({ parent, records });
  }

  /** One write of this one's records, then `next`'s. */
  followedBy(next: Writes): Writes {
    const joined = new Writes();
    joined.#pending.push(...this.#pending, ...next.#pending);
    return joined;
  }

  /** What the write holds so far, without the trace context `send` adds. */
  records(): OutgoingRecord[] {
    return this.#pending.flatMap(({ records }) => records);
  }

  async send(write: (records: readonly OutgoingRecord[]) => Promise<void>, eventsTopic: string): Promise<void> {
    if (!tracingEnabled()) {
      await write(this.records());
      return;
    }
    const spans = this.#pending.map(({ parent, records }) => {
      const publish = startMessageSpan({ operation: 'publish', topic: eventsTopic, ids: messageOf(parent.context)!, parent: parent.context });
      const headers = traceHeaders(publish.context);
      const traced = Object.keys(headers).length > 0;
      for (const record of records) this.#records.push(traced ? { ...record, headers: { ...record.headers, ...headers } } : record);
      return publish.span;
    });
    try {
      await write(this.#records);
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    for (const span of spans) endSpan(span);
  }
}
