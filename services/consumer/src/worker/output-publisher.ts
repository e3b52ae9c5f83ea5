import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { JsonProducer, KafkaMetrics, type OutgoingRecord } from '@flowcast/common/kafka';
import { CONSUMER_CONFIG, type ConsumerConfig } from '../config.js';

/** The worker's writes: lifecycle events, processed records and dead letters, in one request per call. */
@Injectable()
export class OutputPublisher implements OnApplicationShutdown {
  readonly #producer: JsonProducer;

  constructor(@Inject(CONSUMER_CONFIG) config: ConsumerConfig, metrics: KafkaMetrics) {
    this.#producer = new JsonProducer(config.kafka, { role: 'worker', metrics });
  }

  send(records: readonly OutgoingRecord[]): Promise<void> {
    return this.#producer.send(records);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#producer.close();
  }
}
