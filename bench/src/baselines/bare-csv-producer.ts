/**
 * Baseline of the CSV scenario: the simplest program doing the producer's upload work. It
 * streams a file from disk through csv-parse into batches of CSV_BATCH_SIZE rows, one envelope
 * per batch, written in one Kafka transaction with the same client and settings as Flowcast's
 * upload producer (@platformatic/kafka, acks=all, idempotent, transactional), the same number of
 * batches per request and one request in flight. No HTTP, no multipart, no validation.
 *
 * Environment: KAFKA_BROKERS, TOPIC, CSV_BATCH_SIZE (100), CSV_BATCHES_PER_WRITE (8).
 * IPC: `{ type: 'upload', id, file }` → `{ type: 'reply', id, rows, batches, ms }`.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import type { MessageToProduce } from '@platformatic/kafka';
import { baselineProducer } from './producer.js';

const topic = process.env['TOPIC'] ?? 'messages';
const batchSize = Number(process.env['CSV_BATCH_SIZE'] ?? 100);
const batchesPerWrite = Number(process.env['CSV_BATCHES_PER_WRITE'] ?? 8);

// The settings of Flowcast's upload producers (IngestPublisher).
// `timeout` is the transaction timeout the client asks for: Flowcast's upload producers ask for
// the producer's default REQUEST_TIMEOUT_MS (300 s) plus 60 s.
const producer = baselineProducer('bench-bare-csv', { transactionalId: `bench-bare-csv-${process.pid}`, retries: 30, retryDelay: 100, timeout: 360_000 });

type Message = MessageToProduce<string, Buffer, string, string>;

async function upload(file: string): Promise<{ rows: number; batches: number; ms: number }> {
  const started = performance.now();
  const uploadId = randomUUID();
  const transaction = await producer.beginTransaction();
  let records: Array<Record<string, string>> = [];
  let pending: Message[] = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  let rows = 0;
  let batches = 0;
  const closeBatch = () => {
    const logId = randomUUID();
    const envelope = { logId, producedAt: new Date().toISOString(), dataType: 'CSV_BATCH', uploadId, batchIndex: batches, firstRow: rows - records.length + 2, rowCount: records.length, records };
    pending.push({ topic, key: logId, value: Buffer.from(JSON.stringify(envelope)) });
    batches += 1;
    records = [];
  };
  const write = async () => {
    await inFlight;
    inFlight = transaction.send({ messages: pending });
    pending = [];
  };
  for await (const record of createReadStream(file).pipe(parse({ bom: true, columns: true, skip_empty_lines: true })) as AsyncIterable<Record<string, string>>) {
    records.push(record);
    rows += 1;
    if (records.length === batchSize) closeBatch();
    if (pending.length === batchesPerWrite) await write();
  }
  if (records.length > 0) closeBatch();
  if (pending.length > 0) await write();
  await inFlight;
  await transaction.commit();
  return { rows, batches, ms: performance.now() - started };
}

process.on('message', (message: { type?: string; id?: number; file?: string }) => {
  if (message.type !== 'upload' || message.file === undefined) return;
  upload(message.file).then(
    (result) => process.send!({ type: 'reply', id: message.id, ...result }),
    (error: unknown) => process.send!({ type: 'reply', id: message.id, error: String(error) }),
  );
});
process.send?.({ type: 'listening', port: 0 });
process.once('SIGTERM', () => void producer.close().finally(() => process.exit(0)));
