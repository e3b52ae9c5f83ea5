import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { longestGap, report, sendOrders, slowestMessage, statsOf, tallyOrders, tallyStatuses } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { connectClient, type EventLog, type TestSocket } from './support/socket.js';
import { waitFor } from './support/wait.js';

/** The documented bound (docs/reliability.md), with a margin for a loaded CI machine. */
const LONGEST_PAUSE_BOUND_MS = 10_000;

describe('workers scaled from 2 to 4 to 1 while messages flow', () => {
  let pipeline: Pipeline;
  let socket: TestSocket;
  let log: EventLog;

  before(async () => {
    // Small batches: a rebalance finds a batch in hand, and many commits in flight.
    pipeline = await Pipeline.start({ consumers: 2, env: { KAFKA_GROUP_PROTOCOL: 'consumer', CONSUMER_MAX_BATCH: '16' } });
    ({ socket, log } = await connectClient(pipeline.gatewayUrl()));
  });
  after(async () => {
    socket?.close();
    await pipeline?.stop();
  });

  it('loses nothing, writes nothing twice, and never stops completing for longer than the bound', async (t) => {
    const stop = new AbortController();
    // About 250 messages a second until told to stop.
    const sending = sendOrders(pipeline.producerUrl, 1_000_000, { concurrency: 4, pauseMs: 12, invalidEvery: 100, signal: stop.signal });
    const phases: Array<{ at: number; workers: number }> = [{ at: Date.now(), workers: 2 }];
    await sleep(5_000);
    await Promise.all([pipeline.addConsumer(), pipeline.addConsumer()]);
    phases.push({ at: Date.now(), workers: 4 });
    await sleep(6_000);
    // Scaling down is a SIGTERM, as Kubernetes sends it: each leaver finishes its batch and leaves.
    const leaving = pipeline.consumers.slice(0, 3);
    const codes = await Promise.all(leaving.map((consumer) => consumer.stop('SIGTERM')));
    assert.deepEqual(codes, [0, 0, 0], 'each leaving worker stopped cleanly');
    phases.push({ at: Date.now(), workers: 1 });
    await sleep(6_000);
    stop.abort();
    const sent = await sending;
    const accepted = sent.valid.length + sent.invalid.length;
    assert.ok(accepted > 2_000, `enough traffic (${accepted})`);
    assert.equal(sent.refused.size + sent.unanswered, 0, 'every request accepted');

    await waitFor('every accepted message to finish', async () => {
      const stats = await statsOf(pipeline.gatewayUrl());
      return stats['processedMessages']! + stats['failedMessages']! >= accepted ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const statuses = await tallyStatuses(pipeline.gatewayUrl(), sent);
    assert.deepEqual(statuses.missing, []);
    assert.deepEqual(statuses.wrongOutcome, []);
    assert.deepEqual(statuses.repeatedSteps, []);
    const orders = await tallyOrders(pipeline.topics.ordersProcessed, sent.valid);
    assert.deepEqual(orders.lost, []);
    assert.equal(orders.duplicates, 0);
    assert.equal(orders.records, sent.valid.length);

    // Pauses are measured while messages were sent: from the first to the last completion.
    const completions = log.events.filter((event) => event.name === 'processing-completed' || event.name === 'processing-failed');
    assert.equal(completions.length, accepted, 'one final event per message reached the client');
    const pause = longestGap(completions.map((event) => event.receivedAt));
    report(t, {
      test: 'scaling 2→4→1',
      sent: accepted,
      accepted,
      processed: statuses.processed,
      failed: statuses.failed,
      duplicates: orders.duplicates,
      lost: orders.lost.length + statuses.missing.length,
      longestPauseMs: pause.gapMs,
      pauseStartedAfterMs: pause.atMs - phases[0]!.at,
      phasesAtMs: phases.map((phase) => `${phase.workers}@${phase.at - phases[0]!.at}`),
      slowestMessageMs: slowestMessage(sent.acceptedAt, completions),
    });
    assert.ok(pause.gapMs <= LONGEST_PAUSE_BOUND_MS, `longest pause ${pause.gapMs} ms`);
  });
});
