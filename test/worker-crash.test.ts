import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readTopic } from './support/kafka.js';
import { longestGap, report, sendOrders, slowestMessage, statsOf, tallyOrders, tallyStatuses } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

const MESSAGES = 10_000;
const INVALID_EVERY = 50;

describe('a worker killed (SIGKILL) mid-stream, one of two', () => {
  let pipeline: Pipeline;
  let socket: TestSocket;
  let log: EventLog;

  before(async () => {
    // Pinned: the guarantee this test proves (at-least-once may write a batch's results twice).
    // Small batches: a rebalance finds a batch in hand, and many commits in flight.
    pipeline = await Pipeline.start({ consumers: 2, env: { PROCESSING_GUARANTEE: 'exactly-once', CONSUMER_MAX_BATCH: '16' } });
    ({ socket, log } = await connectClient(pipeline.gatewayUrl()));
  });
  after(async () => {
    socket?.close();
    await pipeline?.stop();
  });

  it('loses nothing and duplicates nothing: each accepted logId ends PROCESSED or FAILED once, each order is in orders.processed once', async (t) => {
    const sending = sendOrders(pipeline.producerUrl, MESSAGES, { concurrency: 16, invalidEvery: INVALID_EVERY });
    await waitFor('a third of the messages to finish', async () => {
      const stats = await statsOf(pipeline.gatewayUrl());
      return stats['processedMessages']! + stats['failedMessages']! >= MESSAGES / 3 ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 50 });
    const victim = pipeline.consumers[0]!;
    const killedAt = performance.now();
    assert.equal(await victim.stop('SIGKILL'), null, 'killed by the signal');
    const sent = await sending;
    const accepted = sent.valid.length + sent.invalid.length;
    assert.equal(accepted, MESSAGES, `every request accepted (refused: ${JSON.stringify([...sent.refused])}, unanswered: ${sent.unanswered})`);

    const stats = await waitFor('every accepted message to finish', async () => {
      const current = await statsOf(pipeline.gatewayUrl());
      return current['processedMessages']! + current['failedMessages']! >= accepted ? current : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    assert.equal(stats['totalMessages'], accepted, 'each message counted once');
    assert.equal(stats['processingMessages'], 0);

    const statuses = await tallyStatuses(pipeline.gatewayUrl(), sent);
    assert.deepEqual(statuses.missing, [], 'every accepted logId has a final status');
    assert.deepEqual(statuses.wrongOutcome, []);
    assert.deepEqual(statuses.repeatedSteps, [], 'no step recorded twice');
    assert.equal(statuses.processed, sent.valid.length);
    assert.equal(statuses.failed, sent.invalid.length);

    const orders = await tallyOrders(pipeline.topics.ordersProcessed, sent.valid);
    assert.deepEqual(orders.lost, [], 'no accepted order missing from orders.processed');
    assert.equal(orders.duplicates, 0, `no order written twice (${orders.duplicated.length} keys repeated)`);
    assert.equal(orders.unexpected, 0);
    assert.equal(orders.records, sent.valid.length);

    // Results are committed with the offsets: one completion or failure per message in the topic
    // itself. Only the steps written before processing may repeat, for the batches redelivered.
    const events = await readTopic(pipeline.topics.messageEvents, { idleMs: 2_000 });
    const finals = new Map<string, number>();
    let repeatedEarlySteps = 0;
    const early = new Set<string>();
    for (const record of events) {
      const type = (JSON.parse(record.value) as { type: string }).type;
      if (type === 'processing-completed' || type === 'processing-failed') finals.set(record.key, (finals.get(record.key) ?? 0) + 1);
      else if (early.has(`${record.key}:${type}`)) repeatedEarlySteps += 1;
      else early.add(`${record.key}:${type}`);
    }
    assert.equal(finals.size, accepted);
    assert.ok([...finals.values()].every((count) => count === 1), 'one final event per message in message-events');

    const completions = log.events.filter((event) => event.name === 'processing-completed' || event.name === 'processing-failed');
    assert.equal(completions.length, accepted, 'the client received one final event per message');
    const pause = longestGap(completions.map((event) => event.receivedAt));
    report(t, {
      test: 'worker SIGKILL',
      sent: MESSAGES,
      accepted,
      processed: statuses.processed,
      failed: statuses.failed,
      ordersRecords: orders.records,
      duplicates: orders.duplicates,
      lost: orders.lost.length + statuses.missing.length,
      redeliveredEarlySteps: repeatedEarlySteps,
      longestPauseMs: pause.gapMs,
      slowestMessageMs: slowestMessage(sent.acceptedAt, completions),
      finishedAfterKillMs: Math.round(performance.now() - killedAt),
    });
  });
});
