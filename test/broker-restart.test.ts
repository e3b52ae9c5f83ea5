import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DedicatedBroker, dedicatedBrokerPort } from './support/broker.js';
import { ordersCsv, postCsv } from './support/http.js';
import { readTopic } from './support/kafka.js';
import { report, sendOrders, statsOf, tallyOrders, tallyStatuses } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { waitFor } from './support/wait.js';

const SEND_TIMEOUT_MS = 2_000;
/** How long before the stop an order written twice may have been first committed (see below). */
const COMMITTED_BEFORE_STOP_MS = 1_000;

describe('the broker restarted while messages are sent', () => {
  const broker = new DedicatedBroker(dedicatedBrokerPort(1));
  let pipeline: Pipeline;

  before(async () => {
    await broker.start();
    pipeline = await Pipeline.start({
      env: { KAFKA_BROKERS: broker.brokers, KAFKA_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS), RETRY_AFTER_SECONDS: '2', CSV_BATCH_SIZE: '20' },
    });
  });
  after(async () => {
    await pipeline?.stop();
    await broker.remove();
  });

  it('refuses quickly with 503 and Retry-After while it is down, then resumes by itself and processes every accepted message', async (t) => {
    const stop = new AbortController();
    const sending = sendOrders(pipeline.producerUrl, 1_000_000, { concurrency: 4, pauseMs: 25, invalidEvery: 50, signal: stop.signal });
    const csv = `${pipeline.producerUrl}/producers/upload/csv`;
    const before = await postCsv(csv, ordersCsv(100));
    assert.equal(before.status, 202);
    await sleep(2_000);

    const stopping = Date.now();
    await broker.stop();
    const stoppedAt = Date.now();
    const during = await postCsv(csv, ordersCsv(100));
    assert.equal(during.status, 503, 'an upload during the outage is refused, not half-accepted');
    assert.equal(during.body['code'], 'KAFKA_UNAVAILABLE');
    await sleep(6_000);
    await broker.start();
    const restartedAt = Date.now();

    // Ingest resumes by itself: the producer answers 202 again, uploads included.
    const afterwards = await waitFor('an upload to be accepted again', async () => {
      const response = await postCsv(csv, ordersCsv(100));
      return response.status === 202 ? response : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
    await sleep(3_000);
    stop.abort();
    const sent = await sending;
    const uploads = [before, afterwards].map((response) => response.body['logIds'] as string[]);
    const accepted = sent.valid.length + sent.invalid.length + uploads.flat().length;

    assert.ok(sent.refusals.length > 0, 'some requests came during the outage');
    assert.deepEqual([...sent.refused.keys()], [503], 'refused only with 503');
    assert.ok(sent.refusals.every((refusal) => refusal.retryAfter === '2'), 'each 503 says when to retry');
    const slowestRefusal = Math.max(...sent.refusals.map((refusal) => refusal.ms));
    assert.ok(slowestRefusal < SEND_TIMEOUT_MS + 3_000, `refused within the send timeout (slowest ${Math.round(slowestRefusal)} ms)`);
    assert.equal(sent.unanswered, 0, 'every request answered');

    // Nothing half-accepted: what Kafka holds is what got a 202, and at most messages whose 503
    // named them as not acknowledged (a broker stopped after appending one, before answering).
    const written = await readTopic(pipeline.topics.messages, { idleMs: 2_000, from: [broker.brokers] });
    const acceptedKeys = new Set([...sent.valid, ...sent.invalid, ...uploads.flat()]);
    const named = new Map(sent.refusals.flatMap((refusal) => (refusal.logId === undefined ? [] : [[refusal.logId, refusal] as const])));
    const refusedInKafka = written.filter((record) => !acceptedKeys.has(record.key)).map((record) => record.key);
    assert.deepEqual(refusedInKafka.filter((logId) => !named.has(logId)), [], 'no message in Kafka that was refused without being named');
    assert.equal(written.length, accepted + refusedInKafka.length, 'each message once');
    const refusedValid = refusedInKafka.filter((logId) => !named.get(logId)!.invalid);
    const refusedInvalid = refusedInKafka.filter((logId) => named.get(logId)!.invalid);

    // Processing resumes by itself: every message in Kafka finishes, once.
    await waitFor('every accepted message to finish', async () => {
      const stats = await statsOf(pipeline.gatewayUrl());
      return stats['processedMessages']! + stats['failedMessages']! >= written.length ? true : undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const stats = await statsOf(pipeline.gatewayUrl());
    assert.equal(stats['totalMessages'], written.length, 'no message counted twice');
    const statuses = await tallyStatuses(pipeline.gatewayUrl(), { valid: [...sent.valid, ...uploads.flat(), ...refusedValid], invalid: [...sent.invalid, ...refusedInvalid] });
    assert.deepEqual(statuses.missing, []);
    assert.deepEqual(statuses.wrongOutcome, []);
    const orders = await tallyOrders(pipeline.topics.ordersProcessed, [...sent.valid, ...refusedValid], broker.brokers);
    assert.deepEqual(orders.lost, []);
    // Exactly once holds, except for what Kafka itself undoes: a sole broker skips the commit
    // markers of partitions that have no leader while it shuts down, so a transaction the worker
    // committed in its last moments can come back with its offsets aborted and be handled again
    // (docs/reliability.md, "The broker restarted during ingest"). An order may be written twice
    // only then: first committed in the second before the stop, or during it.
    const twice = orders.duplicated.filter((duplicate) => duplicate.copies !== 2 || duplicate.firstProcessedAt < stopping - COMMITTED_BEFORE_STOP_MS || duplicate.firstProcessedAt > stoppedAt);
    assert.deepEqual(twice, [], "no order written twice but those the broker's stop undid");
    assert.equal(orders.records, sent.valid.length + refusedValid.length + 2 * 100 + orders.duplicates, 'the single orders and both uploads, each row once (but those)');
    report(t, {
      test: 'broker restart',
      sent: accepted + sent.refusals.length + 1,
      accepted,
      refused503: sent.refusals.length + 1,
      slowestRefusalMs: Math.round(slowestRefusal),
      processed: statuses.processed,
      failed: statuses.failed,
      inKafkaThoughRefused: refusedInKafka.length,
      lost: statuses.missing.length + orders.lost.length,
      writtenTwiceAtTheStop: orders.duplicates,
      outageMs: restartedAt - stoppedAt,
    });
  });
});
