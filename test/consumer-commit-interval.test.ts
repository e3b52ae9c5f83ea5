import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchConsumer, type ConsumedMessage } from '@flowcast/common/kafka';
import { createLogger } from '@flowcast/common/nest';
import { operationsOf } from './support/client-operations.js';
import { committedOffsets, createTopic, deleteTopics, endOffsets, produceRaw, testKafkaConfig } from './support/kafka.js';
import { waitFor } from './support/wait.js';

const kafka = testKafkaConfig('test-commit-interval');
const COMMIT_INTERVAL_MS = 1_000;

/** Offset commits this process sends (the client's diagnostics channel), as they start. */
let commits = 0;
const commitOperations = operationsOf('plt:kafka:consumer:commits', () => void (commits += 1));

describe('a batch consumer with a commit interval', () => {
  const id = randomUUID().slice(0, 8);
  const topic = `test-commit-interval-${id}.in`;
  const groupId = `test-commit-interval-${id}`;
  const batches: number[] = [];
  const consumer = new BatchConsumer(
    {
      kafka,
      groupId,
      topic,
      role: 'test-commit-interval',
      maxBatch: 100,
      prefetch: 100,
      fetchMaxWaitMs: 100,
      startFrom: 'earliest',
      logger: createLogger('test', 'silent'),
      commitIntervalMs: COMMIT_INTERVAL_MS,
    },
    async (messages: readonly ConsumedMessage[]) => void batches.push(messages.length),
  );

  before(async () => {
    await createTopic(topic, 2);
    commitOperations.watch();
  });
  after(async () => {
    commitOperations.unwatch();
    await consumer.stop();
    await deleteTopics([topic]);
  });

  it('commits the batches handled meanwhile together, once per interval, and what is left when it stops', async () => {
    consumer.start();
    await waitFor('the consumer to join', async () => (consumer.consuming ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await produceRaw(topic, 'first', '{}');
    await waitFor('the first record handled', async () => (batches.length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    // After a quiet spell the commit leaves at once: long before the interval is over.
    await waitFor('its commit', async () => ((await committedOffsets(groupId, topic)).some((offset) => offset > 0n) ? true : undefined), { timeoutMs: COMMIT_INTERVAL_MS / 2, intervalMs: 50 });

    // Records one at a time, each read on its own (batches of one or two), for about two intervals.
    const started = performance.now();
    commits = 0;
    for (let index = 0; index < 40; index += 1) {
      await produceRaw(topic, `key-${index}`, '{}');
      await sleep(50);
    }
    await waitFor('every record handled', async () => (batches.reduce((sum, size) => sum + size, 0) === 41 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    const elapsed = performance.now() - started;
    const handled = batches.length - 1;
    assert.ok(handled >= 10, `the records came in ${handled} batches`);
    assert.ok(commits <= Math.ceil(elapsed / COMMIT_INTERVAL_MS) + 1, `${commits} commits for ${handled} batches in ${Math.round(elapsed)} ms`);

    // Stopping commits what was handled since the last commit, without waiting for the interval.
    await produceRaw(topic, 'last', '{}');
    await waitFor('the last record handled', async () => (batches.reduce((sum, size) => sum + size, 0) === 42 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    await consumer.stop();
    assert.deepEqual(await committedOffsets(groupId, topic), await endOffsets(topic));
  });
});
