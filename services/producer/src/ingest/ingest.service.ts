import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type {
  CsvAccepted,
  CsvBatchEnvelope,
  IngestEnvelope,
  IngestRecord,
  SingleAccepted,
} from '@flowcast/common/contracts';
import type { OutgoingRecord } from '@flowcast/common/kafka';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import { PRODUCER_CONFIG, type ProducerConfig } from '../config.js';
import { readCsvBatches } from './csv-batches.js';
import { IngestPublisher } from './ingest-publisher.js';

/** Turns accepted input into ingest envelopes, each with a new logId, and hands them to Kafka. */
@Injectable()
export class IngestService {
  constructor(
    private readonly publisher: IngestPublisher,
    @Inject(PRODUCER_CONFIG) private readonly config: ProducerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async acceptSingle(record: IngestRecord): Promise<SingleAccepted> {
    const envelope: IngestEnvelope = {
      logId: randomUUID(),
      producedAt: new Date().toISOString(),
      dataType: 'SINGLE_MESSAGE',
      records: [record],
    };
    await this.publisher.publish(this.#toKafkaRecord(envelope));
    this.logger.debug({ logId: envelope.logId }, 'message accepted');
    return { logId: envelope.logId, dataType: 'SINGLE_MESSAGE', acceptedAt: envelope.producedAt };
  }

  /**
   * Streams a CSV file into batches, one Kafka message each, all in one transaction. One batch
   * is held back so that the last one, once known, can carry the upload's totals.
   */
  async acceptCsv(file: Readable): Promise<CsvAccepted> {
    const uploadId = randomUUID();
    const acceptedAt = new Date().toISOString();
    const { csv, limits } = this.config;
    const accepted = await this.publisher.publishUpload(async (writer) => {
      const logIds: string[] = [];
      let totalRows = 0;
      let held: CsvBatchEnvelope | undefined;
      for await (const batch of readCsvBatches(file, { ...csv, maxUploadBytes: limits.maxUploadBytes })) {
        if (held !== undefined) await writer.write(this.#toKafkaRecord(held));
        held = {
          logId: randomUUID(),
          producedAt: new Date().toISOString(),
          dataType: 'CSV_BATCH',
          uploadId,
          batchIndex: logIds.length,
          firstRow: batch.firstRow,
          rowCount: batch.records.length,
          records: batch.records,
        };
        logIds.push(held.logId);
        totalRows += batch.records.length;
      }
      // readCsvBatches yields at least one batch or throws.
      await writer.write(this.#toKafkaRecord({ ...held!, uploadTotals: { batchCount: logIds.length, rowCount: totalRows } }));
      return { uploadId, dataType: 'CSV_BATCH' as const, totalRows, batchCount: logIds.length, logIds, acceptedAt };
    });
    this.logger.info({ uploadId, rows: accepted.totalRows, batches: accepted.batchCount }, 'upload accepted');
    return accepted;
  }

  #toKafkaRecord(envelope: IngestEnvelope): OutgoingRecord {
    return { topic: this.config.topics.names.messages, key: envelope.logId, value: envelope };
  }
}
