import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ordersCsv } from './support/http.js';
import { readTopic } from './support/kafka.js';
import { report } from './support/load.js';
import { Pipeline } from './support/pipeline.js';

const KAFKA_REQUEST_TIMEOUT_MS = 1_000;
const UPLOAD_MS = 6_000;

/** A multipart upload whose file arrives in `pieces` over `overMs`, as from a slow link. */
async function trickleCsv(url: string, csv: string, pieces: number, overMs: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const boundary = `flowcast-${Date.now()}`;
  const target = new URL(url);
  const outgoing = request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
  });
  const answered = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (piece: string) => (text += piece));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
  });
  outgoing.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="orders.csv"\r\ncontent-type: text/csv\r\n\r\n`);
  const size = Math.ceil(csv.length / pieces);
  for (let start = 0; start < csv.length; start += size) {
    outgoing.write(csv.slice(start, start + size));
    await sleep(overMs / pieces);
  }
  outgoing.end(`\r\n--${boundary}--\r\n`);
  return answered;
}

describe('an upload that takes longer than a Kafka request may', () => {
  let pipeline: Pipeline;

  before(async () => {
    pipeline = await Pipeline.start({ gateways: 0, env: { KAFKA_REQUEST_TIMEOUT_MS: String(KAFKA_REQUEST_TIMEOUT_MS), CSV_BATCH_SIZE: '10', CSV_BATCHES_PER_WRITE: '1' } });
  });
  after(async () => {
    await pipeline?.stop();
  });

  it('arriving over 6 s, is accepted whole: its transaction is not aborted by the coordinator meanwhile', async (t) => {
    const started = Date.now();
    const answer = await trickleCsv(`${pipeline.producerUrl}/producers/upload/csv`, ordersCsv(300), 30, UPLOAD_MS);
    const tookMs = Date.now() - started;
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(answer.body['totalRows'], 300);
    const logIds = answer.body['logIds'] as string[];
    const written = await readTopic(pipeline.topics.messages, { expected: logIds.length });
    assert.deepEqual(written.map((record) => record.key).sort(), [...logIds].sort(), 'every batch in Kafka, committed');
    report(t, { test: 'slow upload', tookMs, kafkaRequestTimeoutMs: KAFKA_REQUEST_TIMEOUT_MS, batches: logIds.length });
  });
});
