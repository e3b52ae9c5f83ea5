import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { FlowcastError, type IngestEnvelope } from '@flowcast/common/contracts';
import type { BatchOffsets, OutgoingRecord } from '@flowcast/common/kafka';
import type { ConsumerConfig } from '../config.js';
import type { Processor } from '../processing/processor.js';
import { BatchHandler, STEPS_ALONE_AFTER_MS, type IncomingMessage } from './batch-handler.js';
import type { OutputPublisher } from './output-publisher.js';
import { WorkerMetrics } from './worker-metrics.js';

const config = {
  service: { instanceId: 'worker-1' },
  kafka: { maxMessageBytes: 2_000 },
  topics: { names: { messages: 'messages', messageEvents: 'message-events', ordersProcessed: 'orders.processed', deadLetter: 'messages.dlq' } },
  processing: { maxAttempts: 3, retryDelayMs: 1, retryMaxDelayMs: 2 },
} as unknown as ConsumerConfig;

function envelope(logId: string): IngestEnvelope {
  return { logId, producedAt: new Date().toISOString(), dataType: 'SINGLE_MESSAGE', records: [{ orderNumber: 'A' }] };
}

function message(value: unknown, offset = 0n): IncomingMessage {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { key: undefined, value: Buffer.from(text), topic: 'messages', partition: 0, offset };
}

/** Kafka is the edge: writes and transactions are recorded instead of sent. */
function harness(processor: Processor, { failSend = false } = {}) {
  const writes: OutgoingRecord[][] = [];
  const transactions: Array<{ offsets: BatchOffsets; announced: OutgoingRecord[]; records?: OutgoingRecord[]; aborted: boolean }> = [];
  const output = {
    send: async (records: readonly OutgoingRecord[]) => {
      if (failSend) throw new Error('broker gone');
      writes.push([...records]);
    },
    begin: async (offsets: BatchOffsets, announced: readonly OutgoingRecord[]) => {
      const transaction: (typeof transactions)[number] = { offsets, announced: [...announced], aborted: false };
      transactions.push(transaction);
      return {
        commit: async (records: readonly OutgoingRecord[]) => {
          if (failSend) throw new Error('broker gone');
          transaction.records = [...records];
        },
        abort: async () => void (transaction.aborted = true),
      };
    },
  } as unknown as OutputPublisher;
  const registry = new Registry();
  const handler = new BatchHandler(output, [processor], config, pino({ level: 'silent' }), new WorkerMetrics(registry));
  const topicsOf = (records: OutgoingRecord[]) => records.map((record) => (record.topic === 'message-events' ? (record.value as { type: string }).type : record.topic));
  return { handler, writes, transactions, topicsOf, registry };
}

const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'] as const;

describe('BatchHandler', () => {
  it('writes received and started with the effects and completed when processing is done at once', async () => {
    const { handler, writes, topicsOf } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: (input) => ({ records: [{ topic: 'orders.processed', key: `${input.logId}:1`, value: {} }] }),
    });
    const outcome = await handler.handle([message(envelope(ids[0])), message(envelope(ids[1]), 1n)]);
    assert.deepEqual(outcome, { processed: 2, failed: 0, deadLettered: 0 });
    assert.equal(writes.length, 1);
    assert.deepEqual(topicsOf(writes[0]!), [
      'message-received', 'processing-started', 'message-received', 'processing-started',
      'orders.processed', 'processing-completed', 'orders.processed', 'processing-completed',
    ]);
    assert.ok(writes.flat().every((record) => record.topic !== 'message-events' || ids.includes(record.key as (typeof ids)[number])));
  });

  it('writes received and started on their own, before processing ends, when processing waits', async () => {
    let stepsWrittenFirst: number | undefined;
    const { handler, writes, topicsOf } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: async (input) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        stepsWrittenFirst ??= writes.length;
        return { records: [{ topic: 'orders.processed', key: `${input.logId}:1`, value: {} }] };
      },
    });
    await handler.handle([message(envelope(ids[0])), message(envelope(ids[1]), 1n)]);
    assert.equal(stepsWrittenFirst, 1, 'the steps were written while the first message was processed');
    assert.deepEqual(writes.map(topicsOf), [
      ['message-received', 'processing-started', 'message-received', 'processing-started'],
      ['orders.processed', 'processing-completed', 'orders.processed', 'processing-completed'],
    ]);
  });

  it(`writes received and started on their own once processing has run ${STEPS_ALONE_AFTER_MS} ms`, async () => {
    const { handler, writes, topicsOf } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: () => {
        const until = performance.now() + STEPS_ALONE_AFTER_MS;
        while (performance.now() < until);
        return { records: [] };
      },
    });
    await handler.handle([message(envelope(ids[0])), message(envelope(ids[1]), 1n)]);
    assert.deepEqual(writes.map(topicsOf), [
      ['message-received', 'processing-started', 'message-received', 'processing-started'],
      ['processing-completed', 'processing-completed'],
    ]);
  });

  it('retries a transient failure with backoff and completes when an attempt succeeds', async () => {
    let calls = 0;
    const { handler, writes } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: () => {
        calls += 1;
        if (calls < 3) throw new FlowcastError('PROCESSING_FAILED', 'database timeout', { transient: true });
        return { records: [] };
      },
    });
    assert.deepEqual(await handler.handle([message(envelope(ids[0]))]), { processed: 1, failed: 0, deadLettered: 0 });
    const completed = writes[1]!.find((record) => (record.value as { type?: string }).type === 'processing-completed');
    assert.equal((completed!.value as { attempts: number }).attempts, 3);
  });

  it('dead-letters a message still failing after the last attempt, and fails it', async () => {
    let calls = 0;
    const { handler, writes, topicsOf } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: () => {
        calls += 1;
        throw new Error('connection reset');
      },
    });
    assert.deepEqual(await handler.handle([message(envelope(ids[0]))]), { processed: 0, failed: 1, deadLettered: 1 });
    assert.equal(calls, 3);
    assert.deepEqual(topicsOf(writes[1]!), ['processing-failed', 'messages.dlq']);
    const failed = writes[1]![0]!.value as { error: string; attempts: number };
    assert.match(failed.error, /connection reset \(gave up after 3 attempts\)/);
    const dead = writes[1]![1]!.value as { logId: string; attempts: number; original: unknown };
    assert.equal(dead.logId, ids[0]);
    assert.equal(dead.attempts, 3);
  });

  it('fails an invalid record at once, without retrying or dead-lettering it', async () => {
    let calls = 0;
    const { handler, writes, topicsOf } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: () => {
        calls += 1;
        throw new FlowcastError('INVALID_RECORD', 'Invalid order: quantity: is required');
      },
    });
    assert.deepEqual(await handler.handle([message(envelope(ids[0]))]), { processed: 0, failed: 1, deadLettered: 0 });
    assert.equal(calls, 1);
    assert.deepEqual(writes.map(topicsOf), [['message-received', 'processing-started', 'processing-failed']]);
  });

  it('dead-letters poison records with the reason and emits no lifecycle event for them', async () => {
    const { handler, writes, topicsOf } = harness({ dataTypes: ['SINGLE_MESSAGE'], process: () => ({ records: [] }) });
    const outcome = await handler.handle([message('not json {', 7n), message({ logId: 'x', dataType: 'NOPE' }, 8n)]);
    assert.deepEqual(outcome, { processed: 0, failed: 0, deadLettered: 2 });
    assert.deepEqual(writes.map(topicsOf), [['messages.dlq', 'messages.dlq']], 'dead letters are results');
    const [notJson, notEnvelope] = writes[0]!.map((record) => record.value as { error: { code: string; message: string }; source: { offset: string }; original: unknown });
    assert.equal(notJson!.error.code, 'UNDECODABLE_MESSAGE');
    assert.equal(notJson!.original, 'not json {');
    assert.equal(notJson!.source.offset, '7');
    assert.match(notEnvelope!.error.message, /Not an ingest envelope/);
  });

  it('dead-letters a poison record too large or too deep to be written again with only its start', async () => {
    const { handler, writes } = harness({ dataTypes: ['SINGLE_MESSAGE'], process: () => ({ records: [] }) });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    await handler.handle([message(JSON.stringify({ note: 'x'.repeat(5_000) }), 1n), message(deep, 2n)]);
    const originals = writes[0]!.map((record) => (record.value as { original: { truncated: boolean; bytes: number; start: string } }).original);
    assert.deepEqual(originals.map(({ truncated, bytes }) => [truncated, bytes]), [[true, 5_011], [true, 200_000]]);
    assert.ok(originals.every(({ start }) => start.length <= 1_000));
  });

  it('counts messages by data type and outcome, and none in flight once the batch is written', async () => {
    const { handler, registry } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: (input) => {
        if (input.logId === ids[1]) throw new FlowcastError('INVALID_RECORD', 'Invalid order');
        return { records: [] };
      },
    });
    await handler.handle([message(envelope(ids[0])), message(envelope(ids[1]), 1n), message('not json {', 2n)]);
    const value = async (name: string, labels: Record<string, string> = {}) =>
      (await registry.getSingleMetric(name)!.get()).values.find((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))?.value;
    assert.equal(await value('flowcast_consumer_messages_received_total', { data_type: 'SINGLE_MESSAGE' }), 2);
    assert.equal(await value('flowcast_consumer_messages_received_total', { data_type: 'UNDECODABLE' }), 1);
    assert.equal(await value('flowcast_consumer_messages_processed_total', { data_type: 'SINGLE_MESSAGE', outcome: 'processed' }), 1);
    assert.equal(await value('flowcast_consumer_messages_processed_total', { data_type: 'SINGLE_MESSAGE', outcome: 'failed' }), 1);
    assert.equal(await value('flowcast_consumer_messages_dead_lettered_total', { code: 'UNDECODABLE_MESSAGE' }), 1);
    assert.equal(await value('flowcast_consumer_messages_in_flight'), 0);
  });

  it('given the batch offsets, commits the results with them in one transaction, steps written on their own outside it', async () => {
    const { handler, writes, topicsOf, transactions } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: async (input) => ({ records: [{ topic: 'orders.processed', key: `${input.logId}:1`, value: {} }] }),
    });
    const offsets = { groupId: 'workers', offsets: [{ topic: 'messages', partition: 0, offset: 2n, leaderEpoch: 0 }], member: () => assert.fail('the publisher asks') };
    await handler.handle([message(envelope(ids[0])), message('not json {', 1n)], offsets);
    assert.deepEqual(topicsOf(writes[0]!), ['message-received', 'processing-started'], 'sent at once');
    assert.equal(writes.length, 1);
    assert.equal(transactions.length, 1);
    assert.equal(transactions[0]!.offsets, offsets);
    assert.deepEqual(topicsOf(transactions[0]!.records!), ['messages.dlq', 'orders.processed', 'processing-completed']);
    assert.deepEqual(
      transactions[0]!.announced.map(({ topic, key }) => [topic, key]),
      transactions[0]!.records!.map(({ topic, key }) => [topic, key]),
      'the transaction is told where the results go when it begins',
    );
    assert.equal(transactions[0]!.aborted, false);
  });

  it('given the batch offsets and processing done at once, commits the steps in the transaction too', async () => {
    const { handler, writes, topicsOf, transactions } = harness({
      dataTypes: ['SINGLE_MESSAGE'],
      process: (input) => ({ records: [{ topic: 'orders.processed', key: `${input.logId}:1`, value: {} }] }),
    });
    const offsets = { groupId: 'workers', offsets: [{ topic: 'messages', partition: 0, offset: 1n, leaderEpoch: 0 }], member: () => assert.fail('the publisher asks') };
    await handler.handle([message(envelope(ids[0]))], offsets);
    assert.equal(writes.length, 0);
    assert.deepEqual(topicsOf(transactions[0]!.records!), ['message-received', 'processing-started', 'orders.processed', 'processing-completed']);
    assert.deepEqual(transactions[0]!.announced, transactions[0]!.records);
  });

  it('aborts the transaction when the batch cannot be handled, and commits nothing', async () => {
    const { handler, transactions } = harness({ dataTypes: ['SINGLE_MESSAGE'], process: () => ({ records: [] }) }, { failSend: true });
    const offsets = { groupId: 'workers', offsets: [], member: () => assert.fail('not reached') };
    await assert.rejects(handler.handle([message(envelope(ids[0]))], offsets), /broker gone/);
    assert.equal(transactions[0]!.records, undefined);
    assert.equal(transactions[0]!.aborted, true);
  });

  it('counts nothing as finished when the write fails, and releases the in-flight count', async () => {
    const registry = new Registry();
    const output = { send: async () => Promise.reject(new Error('broker gone')) } as unknown as OutputPublisher;
    const handler = new BatchHandler(output, [{ dataTypes: ['SINGLE_MESSAGE'], process: () => ({ records: [] }) }], config, pino({ level: 'silent' }), new WorkerMetrics(registry));
    await assert.rejects(handler.handle([message(envelope(ids[0]))]), /broker gone/);
    const metrics = await registry.getMetricsAsJSON();
    const total = (name: string) => metrics.find((metric) => metric.name === name)!.values.reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(total('flowcast_consumer_messages_processed_total'), 0);
    assert.equal(total('flowcast_consumer_messages_in_flight'), 0);
  });
});
