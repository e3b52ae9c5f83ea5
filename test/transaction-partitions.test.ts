import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { Admin, FetchIsolationLevels } from '@platformatic/kafka';
import type { KafkaConfig } from '@flowcast/common/config';
import { JsonProducer, type JsonTransaction, type OutgoingRecord } from '@flowcast/common/kafka';
import { testEnvironment } from './support/environment.js';
import { deleteTopics } from './support/kafka.js';

const kafka: KafkaConfig = {
  brokers: testEnvironment.kafkaBrokers.split(','),
  clientId: 'test-transaction-partitions',
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  maxMessageBytes: 1_048_576,
  groupProtocol: 'consumer',
};

/** The client's transaction operations (its diagnostics channel), as they start. */
const operations: string[] = [];
const transactionsChannel = tracingChannel<unknown, { operation: string }>('plt:kafka:producer:transactions');
const ignored = (): void => undefined;
const recordOperation = {
  start: (context: { operation: string }) => void operations.push(context.operation),
  end: ignored,
  asyncStart: ignored,
  asyncEnd: ignored,
  error: ignored,
};

/** What one transaction sends: AddPartitionsToTxn requests made by `send` itself. */
async function partitionsAddedBySend(transaction: JsonTransaction, records: readonly OutgoingRecord[]): Promise<number> {
  operations.length = 0;
  await transaction.send(records);
  return operations.filter((operation) => operation === 'addPartitions').length;
}

describe('a transaction told where its records go', () => {
  const id = randomUUID().slice(0, 8);
  const topic = `test-txn-partitions-${id}.out`;
  // Many quick retries, as the worker's: the second transaction begins while the first one's markers are written.
  const producer = new JsonProducer(kafka, { role: 'test-txn', transactionalId: `test-txn-partitions-${id}`, retries: 50 });
  // A few records: some of the topic's partitions left out, so that a wrong guess shows.
  const records = (batch: string): OutgoingRecord[] => ['1', '2', '3'].map((row) => ({ topic, key: `${batch}:${row}`, value: { id } }));

  before(async () => {
    const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: kafka.brokers });
    try {
      await admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 });
    } finally {
      await admin.close();
    }
    transactionsChannel.subscribe(recordOperation);
  });
  after(async () => {
    transactionsChannel.unsubscribe(recordOperation);
    await producer.close();
    await deleteTopics([topic]);
  });

  it('adds their partitions before they are sent, so that sending adds none', async () => {
    const told = records('told');
    const transaction = await producer.beginTransaction();
    await transaction.addPartitionsOf(told);
    assert.equal(await partitionsAddedBySend(transaction, told), 0, 'every partition the records went to was added ahead');
    await transaction.commit();

    // The same records without being told: sending adds their partitions itself.
    const untold = await producer.beginTransaction();
    assert.equal(await partitionsAddedBySend(untold, records('untold')), 1);
    await untold.commit();

    const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: kafka.brokers });
    try {
      const listed = await admin.listOffsets({
        topics: [{ name: topic, partitions: Array.from({ length: 6 }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
      const written = listed.flatMap((entry) => entry.partitions).reduce((total, partition) => total + partition.offset, 0n);
      // 6 records and a commit marker per transaction and partition written to: both committed.
      assert.ok(written >= 6n + 2n, `${written} offsets readable`);
    } finally {
      await admin.close();
    }
  });
});
