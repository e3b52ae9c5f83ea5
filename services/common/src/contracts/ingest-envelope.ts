import { z } from 'zod';

/** How a message entered Flowcast. Part of the WebSocket contract (`message-received.data.dataType`). */
export const DATA_TYPES = ['SINGLE_MESSAGE', 'CSV_BATCH'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** One ingested record: any JSON object. What it must contain is the processor's business. */
export const ingestRecordSchema = z.record(z.string(), z.unknown());
export type IngestRecord = z.infer<typeof ingestRecordSchema>;

const uuidSchema = z.uuid();
const datetimeSchema = z.iso.datetime();
/** The patterns the schemas below check ids and times with, for `parseIngestEnvelope`'s shortcut. */
export const UUID_PATTERN = uuidSchema._zod.def.pattern;
export const DATETIME_PATTERN = datetimeSchema._zod.def.pattern;

const envelopeBase = {
  /** Identifies this Kafka message through every service, event and trace. */
  logId: uuidSchema,
  /** When the producer accepted the message (ISO 8601); the start of end-to-end latency. */
  producedAt: datetimeSchema,
};

export const singleMessageEnvelopeSchema = z.object({
  ...envelopeBase,
  dataType: z.literal('SINGLE_MESSAGE'),
  records: z.tuple([ingestRecordSchema]),
});

/**
 * The last batch of an upload says how many batches and rows the upload has,
 * so that progress can be shown as a fraction before every batch is processed.
 */
export const uploadTotalsSchema = z.object({
  batchCount: z.int().positive(),
  rowCount: z.int().positive(),
});
export type UploadTotals = z.infer<typeof uploadTotalsSchema>;

export const csvBatchEnvelopeSchema = z
  .object({
    ...envelopeBase,
    dataType: z.literal('CSV_BATCH'),
    /** Shared by every batch of one upload. */
    uploadId: uuidSchema,
    /** 0-based position of this batch in its upload. */
    batchIndex: z.int().nonnegative(),
    /** Row number, in the uploaded file, of `records[0]` (the header is row 1). */
    firstRow: z.int().min(2),
    rowCount: z.int().positive(),
    records: z.array(ingestRecordSchema).min(1),
    /** Present on the last batch only. */
    uploadTotals: uploadTotalsSchema.optional(),
  })
  .refine((batch) => batch.rowCount === batch.records.length, {
    message: 'rowCount must equal the number of records',
    path: ['rowCount'],
  });

/** Wire format of topic `messages`: one ingest envelope per Kafka record, keyed by `logId`. */
export const ingestEnvelopeSchema = z.discriminatedUnion('dataType', [
  singleMessageEnvelopeSchema,
  csvBatchEnvelopeSchema,
]);
export type IngestEnvelope = z.infer<typeof ingestEnvelopeSchema>;
export type SingleMessageEnvelope = z.infer<typeof singleMessageEnvelopeSchema>;
export type CsvBatchEnvelope = z.infer<typeof csvBatchEnvelopeSchema>;

/** The file row of each record: CSV rows count from the header (row 1); a single message is row 1. */
export function sourceRowOf(envelope: IngestEnvelope, index: number): number {
  return envelope.dataType === 'CSV_BATCH' ? envelope.firstRow + index : index + 1;
}

/** Wire format of topic `messages.dlq`: the original record and why it was dead-lettered. */
export const deadLetterSchema = z.object({
  logId: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }),
  attempts: z.int().nonnegative(),
  consumerId: z.string(),
  failedAt: z.iso.datetime(),
  source: z.object({ topic: z.string(), partition: z.int(), offset: z.string() }),
  /**
   * The original value: parsed JSON when it was JSON, else the raw text; for one that a Kafka
   * message could not hold again (too large, or nested too deep), `{ truncated: true, bytes, start }`.
   */
  original: z.unknown(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;
