import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { TcpBalancer } from './support/balancer.js';
import { ordersCsv } from './support/http.js';
import { readTopic } from './support/kafka.js';
import { report, sendOrders, statsOf } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { startService, type ServiceProcess } from './support/services.js';
import { waitFor } from './support/wait.js';

/** What the chart gives a pod: preStop sleep + SHUTDOWN_TIMEOUT_MS + 5 s; the services get 15 s. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/** A CSV upload whose body arrives over `ms`, as from a slow client. */
async function slowUpload(url: string, rows: number, ms: number): Promise<{ status: number; body: Record<string, unknown> } | { error: string }> {
  const boundary = 'flowcast-slow-upload';
  const parts = [`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\nContent-Type: text/csv\r\n\r\n`, ordersCsv(rows), `\r\n--${boundary}--\r\n`].join('');
  const chunks = parts.match(/[\s\S]{1,2000}/g)!;
  const pause = ms / chunks.length;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = chunks.shift();
      if (chunk === undefined) return controller.close();
      await sleep(pause);
      controller.enqueue(new TextEncoder().encode(chunk));
    },
  });
  try {
    const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, duplex: 'half' } as RequestInit);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch (error) {
    return { error: String((error as { cause?: { code?: string } }).cause?.code ?? error) };
  }
}

describe('a producer, one of two behind a load balancer, stopped (SIGTERM) under load', () => {
  let pipeline: Pipeline;
  let other: ServiceProcess;
  let balancer: TcpBalancer;

  before(async () => {
    pipeline = await Pipeline.start({ env: { CSV_BATCH_SIZE: '50' } });
    other = await startService('producer', pipeline.env({ INSTANCE_ID: `${pipeline.id}-producer-2` }), { logName: 'producer-2' });
    balancer = await TcpBalancer.start(() => [pipeline.producer!, other].filter((producer) => producer.running).map((producer) => producer.port));
  });
  after(async () => {
    await balancer?.close();
    await other?.stop('SIGKILL');
    await pipeline?.stop();
  });

  it('as in a rolling update: every request is answered, the one in flight finished, nothing half-accepted, exit 0 in time', async (t) => {
    const leaving = pipeline.producer!;
    const stop = new AbortController();
    const sending = sendOrders(balancer.url, 1_000_000, { concurrency: 8, signal: stop.signal });
    await sleep(1_500);
    // An upload streaming into the leaving replica when SIGTERM comes: finished and committed, or not at all.
    const uploading = slowUpload(`${leaving.url}/producers/upload/csv`, 1_000, 2_500);
    await sleep(300);
    // What Kubernetes does: the pod leaves the Service's endpoints (preStop sleep), then gets SIGTERM.
    balancer.drain(leaving.port);
    await sleep(1_000);
    const stopping = performance.now();
    const code = await leaving.stop('SIGTERM');
    const tookMs = performance.now() - stopping;
    await sleep(1_000);
    stop.abort();
    const [sent, upload] = await Promise.all([sending, uploading]);

    assert.equal(code, 0, 'exited cleanly');
    assert.ok(tookMs < SHUTDOWN_TIMEOUT_MS, `stopped in ${Math.round(tookMs)} ms`);
    assert.ok('status' in upload && upload.status === 202, `the upload in flight was finished: ${JSON.stringify(upload)}`);
    const uploadBatches = (upload as unknown as { body: { logIds: string[] } }).body.logIds;
    assert.equal(uploadBatches.length, 20);
    assert.equal(sent.unanswered, 0, `every request answered: ${JSON.stringify([...sent.unansweredCodes])}`);
    assert.deepEqual([...sent.refused], [], 'and accepted, by one replica or the other');

    // Nothing half-accepted: Kafka holds exactly the messages that got a 202, and each is processed.
    const accepted = sent.valid.length + uploadBatches.length;
    const written = await readTopic(pipeline.topics.messages, { idleMs: 2_000 });
    assert.equal(written.length, accepted);
    assert.deepEqual(new Set(written.map((record) => record.key)), new Set([...sent.valid, ...uploadBatches]));
    await waitFor('every accepted message processed', async () => ((await statsOf(pipeline.gatewayUrl()))['processedMessages'] === accepted ? true : undefined), { timeoutMs: 30_000 });
    report(t, { test: 'producer SIGTERM', sent: sent.valid.length + 1, accepted, refused: 0, unanswered: 0, processed: accepted, lost: 0, halfAccepted: 0, shutdownMs: Math.round(tookMs) });
  });

  it('stopped with no load balancer in front: what it accepted is in Kafka, what it refused is not', async () => {
    const survivor = other;
    const stop = new AbortController();
    const sending = sendOrders(survivor.url, 1_000_000, { concurrency: 8, signal: stop.signal });
    await sleep(1_000);
    const code = await survivor.stop('SIGTERM');
    stop.abort();
    const sent = await sending;
    assert.equal(code, 0);
    assert.deepEqual([...sent.refused.keys()].filter((status) => status !== 503), [], 'refused only with 503');
    assert.ok(sent.refusals.every((refusal) => refusal.retryAfter !== null), 'each 503 says when to retry');
    // Connections still in the kernel's backlog when the server stops listening are reset
    // unread (ECONNRESET): the chart's preStop sleep keeps new connections away by then.
    const before = new Set((await readTopic(pipeline.topics.messages, { idleMs: 1_500 })).map((record) => record.key));
    assert.ok(sent.valid.every((logId) => before.has(logId)), 'every 202 is in Kafka');
  });
});
