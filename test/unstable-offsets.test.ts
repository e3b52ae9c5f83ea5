import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { GroupCoordinator, JsonProducer, type BatchOffsets } from '@flowcast/common/kafka';
import { createTopic, deleteTopics, testKafkaConfig } from './support/kafka.js';
import { waitFor } from './support/wait.js';

const kafka = testKafkaConfig('test-unstable-offsets');

describe("a group's stable offsets", () => {
  const id = randomUUID().slice(0, 8);
  const groupId = `test-unstable-${id}`;
  const topic = `test-unstable-${id}.in`;
  const producer = new JsonProducer(kafka, { role: 'test-txn', transactionalId: `test-unstable-${id}`, transactionTimeoutMs: 60_000 });
  const coordinator = new GroupCoordinator(kafka, 'test-offsets');
  after(async () => {
    await Promise.allSettled([producer.close(), coordinator.close()]);
    await deleteTopics([topic]);
  });

  it('are awaited while a transaction commits offsets for them, the wait reported as it lasts, and read once it commits', async () => {
    await createTopic(topic, 1);
    const coordinatorId = await coordinator.coordinatorId(groupId);
    // A group without members: the transaction commits as a simple consumer (no member, no generation).
    const offsets: BatchOffsets = {
      groupId,
      offsets: [{ topic, partition: 0, offset: 5n, leaderEpoch: -1 }],
      member: () => ({ groupId, memberId: '', generationId: -1, coordinatorId }),
    };
    const transaction = await producer.beginTransaction();
    await transaction.addOffsetsGroup(offsets);
    await transaction.commitOffsets(offsets);

    const reports: number[] = [];
    const reading = coordinator.stableOffsets(groupId, topic, [0], AbortSignal.timeout(30_000), { everyMs: 300, report: (waitedMs) => reports.push(waitedMs) });
    reading.catch(() => undefined);
    await waitFor('the wait to be reported twice', async () => (reports.length >= 2 ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
    assert.ok(reports[0]! >= 300 && reports[1]! >= 600, `reported after ${reports.join(', ')} ms`);
    await transaction.commit();

    const stable = await reading;
    assert.equal(stable.get(0), 5n, "the transaction's offset, once it committed");
  });
});
