import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { DATA_TYPES, type DataType } from '@flowcast/common/contracts';
import { METRICS_REGISTRY } from '@flowcast/common/nest';

/** What the producer accepted: counted once Kafka has it (acks=all, or the upload committed). */
@Injectable()
export class IngestMetrics {
  readonly #messages: Counter<'data_type'>;
  readonly #csvRows: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.#messages = new Counter({
      name: 'flowcast_producer_messages_accepted_total',
      help: 'Kafka messages accepted (202) by data type: one per single message, one per CSV batch',
      labelNames: ['data_type'],
      registers: [registry],
    });
    this.#csvRows = new Counter({
      name: 'flowcast_producer_csv_rows_accepted_total',
      help: 'CSV rows accepted in committed uploads',
      registers: [registry],
    });
    // From 0, so that rate() sees the first messages too.
    for (const dataType of DATA_TYPES) this.#messages.inc({ data_type: dataType }, 0);
  }

  accepted(dataType: DataType, messages: number, csvRows = 0): void {
    this.#messages.inc({ data_type: dataType }, messages);
    if (csvRows > 0) this.#csvRows.inc(csvRows);
  }
}
