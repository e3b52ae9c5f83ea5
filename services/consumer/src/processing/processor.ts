import type { DataType, IngestEnvelope } from '@flowcast/common/contracts';
import type { OutgoingRecord } from '@flowcast/common/kafka';

export interface ProcessingContext {
  consumerId: string;
  /** The time of this attempt, so that one message's effects share one timestamp. */
  now: Date;
}

/** What processing a message produced: records to write to Kafka with its completion. */
export interface ProcessingResult {
  records: OutgoingRecord[];
}

/**
 * Turns one ingest envelope into effects. Throw a FlowcastError: `transient: true` for a
 * failure worth retrying (the worker retries with backoff, then dead-letters), otherwise the
 * message fails at once with the error's message. Effects must be idempotent per logId
 * (deterministic keys), since a message can be delivered again after a crash.
 */
export interface Processor {
  readonly dataTypes: readonly DataType[];
  process(envelope: IngestEnvelope, context: ProcessingContext): Promise<ProcessingResult> | ProcessingResult;
}

/** Injection token of the processors in use; the first that declares a data type handles it. */
export const PROCESSORS = Symbol('flowcast.processors');
