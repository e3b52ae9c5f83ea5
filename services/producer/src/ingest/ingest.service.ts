import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import {
  FlowcastError,
  type CsvAccepted,
  type CsvBatchEnvelope,
  type IngestEnvelope,
  type IngestRecord,
  type SingleAccepted,
  type SocketTokenGrant,
} from '@flowcast/common/contracts';
import { encodeJson, type OutgoingRecord } from '@flowcast/common/kafka';
import { SocketTokens } from '@flowcast/common/auth';
import { LOGGER, type Logger } from '@flowcast/common/nest';
import {
  endSpan,
  linkToActiveSpan,
  messageAttributes,
  SPAN_ATTRIBUTES,
  startMessageSpan,
  tagActiveSpan,
  traceHeaders,
  tracingEnabled,
  type MessageSpan,
  type SpanLink,
} from '@flowcast/common/telemetry';
import { PRODUCER_CONFIG, type ProducerConfig } from '../config.js';
import { readCsvBatches } from './csv-batches.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestPublisher } from './ingest-publisher.js';

/**
 * Turns accepted input into ingest envelopes, each with a new logId, and hands them to Kafka.
 * Each Kafka message starts its trace here: a single message's is the HTTP request's; each CSV
 * batch starts a trace of its own, linked to the upload's request, so that one logId is one trace.
 */
/** What a CSV batch's envelope holds besides its rows (ids, times, the upload's totals), at most. */
const ENVELOPE_ROOM_BYTES = 1_024;

@Injectable()
export class IngestService {
  /** Signs the Socket.IO token of each answer, when the producer shares the gateway's secret. */
  readonly #tokens: { signer: SocketTokens; ttlSeconds: number } | undefined;

  constructor(
    private readonly publisher: IngestPublisher,
    private readonly metrics: IngestMetrics,
    @Inject(PRODUCER_CONFIG) private readonly config: ProducerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const tokens = config.socketTokens;
    this.#tokens = tokens === undefined ? undefined : { signer: new SocketTokens(tokens.secret), ttlSeconds: tokens.ttlSeconds };
  }

  async acceptSingle(record: IngestRecord): Promise<SingleAccepted> {
    const envelope: IngestEnvelope = {
      logId: randomUUID(),
      producedAt: new Date().toISOString(),
      dataType: 'SINGLE_MESSAGE',
      records: [record],
    };
    const tracing = tracingEnabled();
    if (tracing) tagActiveSpan(messageAttributes(envelope));
    const encoded = encodeJson(envelope);
    const { maxMessageBytes } = this.config.kafka;
    if (encoded.length > maxMessageBytes) {
      throw new FlowcastError('PAYLOAD_TOO_LARGE', `The message is ${encoded.length} bytes as a Kafka message; at most ${maxMessageBytes} are allowed`, {
        details: { limitBytes: maxMessageBytes },
      });
    }
    // The hot path of the producer: no span objects at all while tracing is off.
    const publish = tracing ? this.#publishSpan(envelope) : undefined;
    const outgoing = this.#toKafkaRecord(envelope, publish);
    outgoing.encoded = encoded;
    try {
      await this.publisher.publish(outgoing);
      if (publish !== undefined) endSpan(publish.span);
    } catch (error) {
      if (publish !== undefined) endSpan(publish.span, error);
      throw error;
    }
    this.metrics.accepted('SINGLE_MESSAGE', 1);
    this.logger.debug({ logId: envelope.logId }, 'message accepted');
    return {
      logId: envelope.logId,
      dataType: 'SINGLE_MESSAGE',
      acceptedAt: envelope.producedAt,
      ...(await this.#socketToken({ logs: [envelope.logId] })),
    };
  }

  /**
   * Streams a CSV file into batches, one Kafka message each, all in one transaction. One batch
   * is held back so that the last one, once known, can carry the upload's totals.
   */
  async acceptCsv(file: Readable): Promise<CsvAccepted> {
    const uploadId = randomUUID();
    const acceptedAt = new Date().toISOString();
    const { csv, limits } = this.config;
    tagActiveSpan({ [SPAN_ATTRIBUTES.uploadId]: uploadId });
    const upload = linkToActiveSpan();
    // Each batch's publish span lasts until the upload commits: that is when its message becomes
    // visible. None while tracing is off.
    const tracing = tracingEnabled();
    const spans: MessageSpan[] = [];
    const publishing = this.publisher.publishUpload(async (writer) => {
      const logIds: string[] = [];
      let totalRows = 0;
      let held: CsvBatchEnvelope | undefined;
      // Room for the envelope's other fields (ids, times, the upload's totals) besides the rows.
      const maxRecordsBytes = this.config.kafka.maxMessageBytes - ENVELOPE_ROOM_BYTES;
      for await (const batch of readCsvBatches(file, { ...csv, maxUploadBytes: limits.maxUploadBytes, maxRecordsBytes })) {
        if (held !== undefined) await writer.write(this.#toKafkaRecord(held, spans.at(-1)));
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
        if (tracing) spans.push(this.#publishSpan(held, upload));
        logIds.push(held.logId);
        totalRows += batch.records.length;
      }
      // readCsvBatches yields at least one batch or throws.
      await writer.write(this.#toKafkaRecord({ ...held!, uploadTotals: { batchCount: logIds.length, rowCount: totalRows } }, spans.at(-1)));
      return { uploadId, dataType: 'CSV_BATCH' as const, totalRows, batchCount: logIds.length, logIds, acceptedAt };
    });
    const accepted = await publishing.catch((error: unknown) => {
      for (const { span } of spans) endSpan(span, error);
      throw error;
    });
    for (const { span } of spans) endSpan(span);
    tagActiveSpan({ 'flowcast.batch_count': accepted.batchCount, 'flowcast.row_count': accepted.totalRows });
    this.metrics.accepted('CSV_BATCH', accepted.batchCount, accepted.totalRows);
    this.logger.info({ uploadId, rows: accepted.totalRows, batches: accepted.batchCount }, 'upload accepted');
    return { ...accepted, ...(await this.#socketToken({ uploads: [uploadId] })) };
  }

  /** The span of a message's write to Kafka; a CSV batch's starts a trace linked to the upload. */
  #publishSpan(envelope: IngestEnvelope, upload?: SpanLink[]): MessageSpan {
    const csv = envelope.dataType === 'CSV_BATCH';
    return startMessageSpan({
      operation: 'publish',
      topic: this.config.topics.names.messages,
      ids: envelope,
      root: csv,
      ...(upload === undefined ? {} : { links: upload }),
      attributes: {
        [SPAN_ATTRIBUTES.dataType]: envelope.dataType,
        ...(csv ? { 'flowcast.batch_index': envelope.batchIndex, 'flowcast.row_count': envelope.rowCount } : {}),
      },
    });
  }

  /** A token for exactly what was accepted, so that the client can follow it on the gateway. */
  async #socketToken(grant: SocketTokenGrant): Promise<{ socketToken?: string }> {
    if (this.#tokens === undefined) return {};
    return { socketToken: await this.#tokens.signer.sign(grant, this.#tokens.ttlSeconds) };
  }

  #toKafkaRecord(envelope: IngestEnvelope, publish: MessageSpan | undefined): OutgoingRecord {
    const record: OutgoingRecord = { topic: this.config.topics.names.messages, key: envelope.logId, value: envelope };
    const headers = publish === undefined ? undefined : traceHeaders(publish.context);
    if (headers !== undefined && Object.keys(headers).length > 0) record.headers = headers;
    return record;
  }
}
