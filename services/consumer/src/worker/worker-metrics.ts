import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DATA_TYPES, type DataType, type ErrorCode } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';

/** `data_type` of a record that is not an ingest envelope at all. */
export const UNDECODABLE = 'UNDECODABLE';
const OUTCOMES = ['processed', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The worker's figures, labelled by data type and outcome only (never by message). */
@Injectable()
export class WorkerMetrics {
  readonly #received: Counter<'data_type'>;
  readonly #finished: Counter<'data_type' | 'outcome'>;
  readonly #deadLettered: Counter<'code'>;
  readonly #duration: Histogram<'data_type' | 'outcome'>;
  readonly #inFlight: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.#received = new Counter({
      name: 'flowcast_consumer_messages_received_total',
      help: 'Messages this worker received from Kafka and announced (message-received written), by data type',
      labelNames: ['data_type'],
      registers: [registry],
    });
    this.#finished = new Counter({
      name: 'flowcast_consumer_messages_processed_total',
      help: 'Messages this worker finished, by data type and outcome (processed or failed), once their completion was written',
      labelNames: ['data_type', 'outcome'],
      registers: [registry],
    });
    this.#deadLettered = new Counter({
      name: 'flowcast_consumer_messages_dead_lettered_total',
      help: 'Records written to the dead-letter topic, by error code',
      labelNames: ['code'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'flowcast_consumer_processing_duration_seconds',
      help: 'Time the processor took on one message, retries included, by data type and outcome',
      labelNames: ['data_type', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.#inFlight = new Gauge({
      name: 'flowcast_consumer_messages_in_flight',
      help: 'Messages this worker has received and not finished yet',
      registers: [registry],
    });
    // Series that exist from the start at 0: a counter first scraped at 5 would hide its first 5
    // from rate() and increase().
    for (const dataType of DATA_TYPES) {
      this.#received.inc({ data_type: dataType }, 0);
      for (const outcome of OUTCOMES) {
        this.#finished.inc({ data_type: dataType, outcome }, 0);
        this.#duration.zero({ data_type: dataType, outcome });
      }
    }
  }

  /** Counts a batch's received messages, by data type (one increment per data type, not per message). */
  received(dataTypes: Iterable<DataType | typeof UNDECODABLE>): void {
    for (const [dataType, count] of countBy(dataTypes, (dataType) => dataType)) this.#received.inc({ data_type: dataType }, count);
  }

  processed(dataType: DataType, outcome: Outcome, durationMs: number): void {
    this.#duration.observe({ data_type: dataType, outcome }, durationMs / 1000);
  }

  /** Counts a batch's finished messages, by data type and outcome. */
  finished(results: Iterable<{ dataType: DataType; outcome: Outcome }>): void {
    for (const [{ dataType, outcome }, count] of countBy(results, ({ dataType, outcome }) => `${dataType} ${outcome}`)) {
      this.#finished.inc({ data_type: dataType, outcome }, count);
    }
  }

  /** Counts a batch's dead letters, by error code. */
  deadLettered(codes: Iterable<ErrorCode>): void {
    for (const [code, count] of countBy(codes, (code) => code)) this.#deadLettered.inc({ code }, count);
  }

  /** Counts `count` messages in flight until the returned function is called. */
  startFlight(count: number): () => void {
    this.#inFlight.inc(count);
    return () => this.#inFlight.dec(count);
  }
}

/** Each distinct item (by `key`) with how many times it occurs, the first of each standing for its kind. */
function countBy<T>(items: Iterable<T>, key: (item: T) => string): Array<[T, number]> {
  const counts = new Map<string, [T, number]>();
  for (const item of items) {
    const name = key(item);
    const entry = counts.get(name);
    if (entry === undefined) counts.set(name, [item, 1]);
    else entry[1] += 1;
  }
  return [...counts.values()];
}
