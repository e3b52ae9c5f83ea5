import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { GroupCoordinator, JsonProducer, KafkaMetrics, type BatchOffsets, type OutgoingRecord } from '@flowcast/common/kafka';
import { BatchHandler, loadConfig, OrderProcessor, OutputPublisher, WorkerMetrics, type IncomingMessage } from '@flowcast/consumer/worker';
import type { IngestScenario, TransactionScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { LatencyHistogram } from '../support/stats.js';

/** Cycles of one contender in a row; the first of each is not timed (the other contender's transaction came before it). */
const BLOCK = 20;

interface Contender {
  /** Handles one batch of messages as a busy worker would, back to back with the one before. */
  cycle(batch: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A worker's batch, timed alone from its start to its transaction's commit, back to back as a
 * busy worker runs them: the part of the end-to-end latency that is the worker's own.
 * Flowcast's `BatchHandler` (decoding, processing, then `message-received`,
 * `processing-started`, the results and the group's offsets in one transaction: the order
 * processor is done at once) against the same writes made the plain way with the same client:
 * the group added to a transaction, the records, the offsets and the commit, each after the one
 * before. Both commit their offsets as a group without members; the two alternate in blocks of
 * cycles.
 */
export async function transactionScenario(context: BenchContext): Promise<void> {
  const { profile, runs } = context.scenario<TransactionScenario>('transaction');
  const order = context.scenario<IngestScenario>('ingest').file.order;
  const prefix = context.prefix('txn');
  const topics = { messages: `${prefix}.messages`, messageEvents: `${prefix}.message-events`, ordersProcessed: `${prefix}.orders.processed`, deadLetter: `${prefix}.messages.dlq` };
  await context.kafka.createTopics([
    { name: topics.messages, partitions: 6 },
    { name: topics.messageEvents, partitions: 6 },
    { name: topics.ordersProcessed, partitions: 6 },
    { name: topics.deadLetter, partitions: 1 },
  ]);
  const config = loadConfig(context.serviceEnv(prefix, topics, { INSTANCE_ID: `${prefix}-flowcast` }));
  const envelopes = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ logId: randomUUID(), producedAt: new Date().toISOString(), dataType: 'SINGLE_MESSAGE' as const, records: [{ ...order, orderNumber: `T-${index}` }] }));

  const groups = { flowcast: `${prefix}-flowcast`, plain: `${prefix}-plain` };
  const coordinator = new GroupCoordinator(config.kafka, 'bench-coordinator');
  let coordinatorIds: number[];
  try {
    coordinatorIds = await Promise.all([coordinator.coordinatorId(groups.flowcast), coordinator.coordinatorId(groups.plain)]);
  } finally {
    await coordinator.close();
  }
  const [flowcastCoordinator, plainCoordinator] = coordinatorIds as [number, number];

  const output = new OutputPublisher(config, new KafkaMetrics(new Registry()));
  const handler = new BatchHandler(output, [new OrderProcessor(topics.ordersProcessed)], config, pino({ level: 'silent' }), new WorkerMetrics(new Registry()));
  const flowcastOffsets = new GroupOffsets(groups.flowcast, topics.messages, flowcastCoordinator);
  const flowcast: Contender = {
    cycle: async (batch) => {
      const messages: IncomingMessage[] = envelopes(batch).map((envelope, index) => ({
        key: envelope.logId,
        value: Buffer.from(JSON.stringify(envelope)),
        topic: topics.messages,
        partition: 0,
        offset: BigInt(index),
      }));
      await handler.handle(messages, flowcastOffsets.next(batch));
    },
    close: () => output.onApplicationShutdown(),
  };

  const transactional = new JsonProducer(config.kafka, { role: 'bench-plain-txn', transactionalId: `${prefix}-plain`, retries: 50 });
  const plainOffsets = new GroupOffsets(groups.plain, topics.messages, plainCoordinator);
  const plain: Contender = {
    cycle: async (batch) => {
      const batchEnvelopes = envelopes(batch);
      const event = (logId: string, type: string): OutgoingRecord => ({ topic: topics.messageEvents, key: logId, value: { type, logId, timestamp: new Date().toISOString() } });
      const offsets = plainOffsets.next(batch);
      const transaction = await transactional.beginTransaction();
      await transaction.addOffsetsGroup(offsets);
      await transaction.send([
        ...batchEnvelopes.flatMap(({ logId }) => [event(logId, 'message-received'), event(logId, 'processing-started')]),
        ...batchEnvelopes.flatMap(({ logId, records }) => [
          { topic: topics.ordersProcessed, key: `${logId}:1`, value: { logId, row: 1, ...records[0], processedAt: new Date().toISOString() } },
          event(logId, 'processing-completed'),
        ]),
      ]);
      await transaction.commitOffsets(offsets);
      await transaction.commit();
    },
    close: () => transactional.close(),
  };

  const cycles = { flowcast: [] as LatencyHistogram[], plain: [] as LatencyHistogram[] };
  try {
    for (let run = 0; run < runs; run += 1) {
      const timed = { flowcast: new LatencyHistogram(), plain: new LatencyHistogram() };
      // A block of each first, untimed: producers, connections and the JIT warm up.
      for (const contender of [flowcast, plain]) for (let index = 0; index < BLOCK; index += 1) await contender.cycle(profile.batchSize);
      while (timed.flowcast.count < profile.cycles) {
        for (const [name, contender] of [['flowcast', flowcast], ['plain', plain]] as const) {
          for (let index = 0; index < BLOCK; index += 1) {
            const started = performance.now();
            await contender.cycle(profile.batchSize);
            if (index > 0) timed[name].record(performance.now() - started);
          }
        }
      }
      cycles.flowcast.push(timed.flowcast);
      cycles.plain.push(timed.plain);
    }
  } finally {
    await Promise.allSettled([flowcast.close(), plain.close()]);
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
  const common = { scenario: 'transaction', case: `${profile.batchSize} messages a batch`, unit: 'ms' };
  for (const [measure, quantile] of [['batch p50', 0.5], ['batch p99', 0.99]] as const) {
    context.report.add({
      ...common,
      measure,
      flowcast: cycles.flowcast.map((histogram) => histogram.percentile(quantile)),
      baseline: { name: 'plain sequence', runs: cycles.plain.map((histogram) => histogram.percentile(quantile)) },
    });
  }
}

/**
 * Offsets a batch commits for a group without members (a simple consumer: no member id, no
 * generation): partition 0 of the topic moves on by the batch's size each time.
 */
class GroupOffsets {
  #offset = 0n;

  constructor(
    private readonly groupId: string,
    private readonly topic: string,
    private readonly coordinatorId: number,
  ) {}

  next(batch: number): BatchOffsets {
    this.#offset += BigInt(batch);
    const { groupId, topic, coordinatorId } = this;
    return {
      groupId,
      offsets: [{ topic, partition: 0, offset: this.#offset, leaderEpoch: -1 }],
      member: () => ({ groupId, memberId: '', generationId: -1, coordinatorId }),
    };
  }
}
