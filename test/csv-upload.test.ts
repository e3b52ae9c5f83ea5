import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getJson, ordersCsv, postCsv } from './support/http.js';
import { readTopic } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

describe('a CSV upload', () => {
  let pipeline: Pipeline;
  let everything: { socket: TestSocket; log: EventLog };
  let subscriber: { socket: TestSocket; log: EventLog };
  let uploadId: string;
  let logIds: string[];

  before(async () => {
    pipeline = await Pipeline.start();
    everything = await connectClient(pipeline.gatewayUrl());
    subscriber = await connectClient(pipeline.gatewayUrl());
  });
  after(async () => {
    everything?.socket.close();
    subscriber?.socket.close();
    await pipeline?.stop();
  });

  it('of 1,000 rows becomes 10 batches of 100, answered once all are in Kafka', async () => {
    const accepted = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(1_000, '\r\n'));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body['totalRows'], 1_000);
    assert.equal(accepted.body['batchCount'], 10);
    uploadId = String(accepted.body['uploadId']);
    logIds = accepted.body['logIds'] as string[];
    assert.equal(new Set(logIds).size, 10);
  });

  it('sends each batch’s events, with its rowCount and uploadId', async () => {
    const received = await everything.log.waitFor('10 message-received', (event) => event.name === 'message-received' && event.payload['uploadId'] === uploadId, 10);
    assert.deepEqual(new Set(received.map((event) => event.payload['logId'])), new Set(logIds));
    for (const event of received) assert.deepEqual(event.payload['data'], { dataType: 'CSV_BATCH', rowCount: 100 });
    await everything.log.waitFor('10 processing-completed', (event) => event.name === 'processing-completed' && event.payload['uploadId'] === uploadId, 10);
  });

  it('reaches 1,000 processed rows and 100 % on GET /api/uploads/:uploadId', async () => {
    const progress = await waitFor('upload complete', async () => {
      const { body } = await getJson(`${pipeline.gatewayUrl()}/api/uploads/${uploadId}`);
      return body['progress'] === 100 ? body : undefined;
    });
    assert.equal(progress['status'], 'COMPLETED');
    assert.equal(progress['processedRows'], 1_000);
    assert.equal(progress['processedBatches'], 10);
    assert.equal(progress['totalBatches'], 10);
    assert.equal(progress['failedRows'], 0);
  });

  it('writes every row once to orders.processed, keyed by its logId and file row', async () => {
    const records = await readTopic(pipeline.topics.ordersProcessed, { expected: 1_000 });
    assert.equal(records.length, 1_000);
    const rows = records.map((record) => JSON.parse(record.value) as { row: number; orderNumber: string; logId: string });
    assert.deepEqual(
      rows.map((row) => row.row).sort((a, b) => a - b),
      Array.from({ length: 1_000 }, (_, index) => index + 2),
    );
    for (const [index, record] of records.entries()) assert.equal(record.key, `${rows[index]!.logId}:${rows[index]!.row}`);
    assert.ok(rows.every((row) => row.orderNumber === `ORD-${row.row - 1}`));
  });

  it('lets a client subscribed to one upload receive only that upload’s events', async () => {
    const ack = await subscriber.socket.timeout(5_000).emitWithAck('subscribe', { uploadId: '00000000-0000-4000-8000-000000000001' });
    assert.deepEqual(ack, { ok: true, rooms: ['upload:00000000-0000-4000-8000-000000000001'] });
    const second = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(10));
    assert.equal(second.status, 202);
    await everything.log.waitFor('events of the second upload', (event) => event.name === 'processing-completed' && event.payload['uploadId'] === second.body['uploadId']);
    const before = subscriber.log.events.length;
    const mine = await postCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(5));
    await subscriber.socket.timeout(5_000).emitWithAck('subscribe', { uploadId: String(mine.body['uploadId']) });
    // Subscribing after the 202 can miss early events: the status endpoint covers them, and the rest arrive.
    await everything.log.waitFor('third upload done', (event) => event.name === 'processing-completed' && event.payload['uploadId'] === mine.body['uploadId']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lifecycle = subscriber.log.events.slice(before).filter((event) => event.name !== 'stats-updated');
    assert.ok(lifecycle.every((event) => event.payload['uploadId'] === mine.body['uploadId']), 'no event of another upload');
  });

  it('refuses a malformed subscription with an explanation', async () => {
    const ack = await subscriber.socket.timeout(5_000).emitWithAck('subscribe', { uploadId: 'not-a-uuid' } as never);
    assert.equal(ack.ok, false);
  });
});
