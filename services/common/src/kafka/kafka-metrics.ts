import { Gauge, Histogram, type Registry } from 'prom-client';

export type WriteOperation = 'send' | 'commit';

/**
 * Kafka figures every service reports the same way: how long writes take to be acknowledged,
 * and, for each consumer group member, whether it consumes and how far behind it is.
 */
export class KafkaMetrics {
  readonly #writeDuration: Histogram<'client' | 'operation' | 'outcome'>;
  readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  readonly active: Gauge<'group' | 'topic'>;

  constructor(registry: Registry) {
    this.#writeDuration = new Histogram({
      name: 'flowcast_kafka_write_duration_seconds',
      help: 'Time until Kafka acknowledged a write (acks=all) or committed a transaction, by client and outcome',
      labelNames: ['client', 'operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: 'flowcast_kafka_consumer_lag',
      help: 'Records of an assigned partition this member has not handled yet (end offset minus position)',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    });
    this.active = new Gauge({
      name: 'flowcast_kafka_consumer_active',
      help: '1 while this process is a consuming member of the group, else 0',
      labelNames: ['group', 'topic'],
      registers: [registry],
    });
  }

  /** Resolves like `write`, observing how long it took and whether it failed. */
  timeWrite<T>(client: string, operation: WriteOperation, write: Promise<T>): Promise<T> {
    const started = performance.now();
    const observe = (outcome: 'ok' | 'error') =>
      this.#writeDuration.observe({ client, operation, outcome }, (performance.now() - started) / 1000);
    return write.then(
      (result) => {
        observe('ok');
        return result;
      },
      (error: unknown) => {
        observe('error');
        throw error;
      },
    );
  }
}
