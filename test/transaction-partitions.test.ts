import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JsonProducer, type JsonTransaction, type OutgoingRecord } from '@flowcast/common/kafka';
import { operationsOf } from './support/client-operations.js';
import { createTopic, deleteTopics, readTopic, testKafkaConfig } from './support/kafka.js';

const kafka = testKafkaConfig('test-transaction-partitions');

/** The client's transaction operations (its diagnostics channel), as they start. */
const operations: string[] = [];
const transactionOperations = operationsOf<{ operation: string }>('plt:kafka:producer:transactions', (context) => void operations.push(context.operation));

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
    await createTopic(topic, 6);
    transactionOperations.watch();
  });
  after(async () => {
    transactionOperations.unwatch();
    await producer.close();
    await deleteTopics([topic]);
  });

  it('adds their partitions before they are sent, so that sending adds none', async () => {
    const told = records('told');
    const transaction = await producer.beginTransaction();
    await transaction.addPartitionsOf(told);
    assert.equal(await partitionsAddedBySend(transaction, told), 0, 'every partition the records went to was added ahead');
    await transaction.commit();

    // Records sent without the transaction being told first: sending adds their partitions itself.
    const untold = await producer.beginTransaction();
    const untoldRecords = records('untold');
    assert.equal(await partitionsAddedBySend(untold, untoldRecords), 1);
    await untold.commit();

    // Both committed: every record readable by a read_committed consumer, once.
    const read = await readTopic(topic, { idleMs: 1_000 });
    assert.deepEqual(read.map(({ key }) => key).sort(), [...told, ...untoldRecords].map(({ key }) => key).sort());
  });
});
