import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerScenario, IngestScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { fillTopic } from '../support/kafka.js';
import type { MeasuredProcess } from '../support/processes.js';
import { inTurns } from '../support/turns.js';

const POLL_MS = 25;
const TIMEOUT_MS = 600_000;

/**
 * Messages per second per worker process: workers drain a messages topic filled beforehand,
 * timed by the offsets their group commits (which Flowcast commits only once a batch's events
 * are written), from the first commit seen to the last. Against a bare consume → produce loop
 * writing the same records with the same client. Each run is a fresh group on the same input.
 */
export async function consumerScenario(context: BenchContext): Promise<void> {
  const { file, profile, runs } = context.scenario<ConsumerScenario>('consumer');
  const order = context.scenario<IngestScenario>('ingest').file.order;
  const prefix = context.prefix('consumer');
  const input = `${prefix}.messages`;
  await context.kafka.createTopics([{ name: input, partitions: 6 }]);
  await fillTopic(context.config.kafkaBrokers, input, profile.messages, (index) => {
    const logId = randomUUID();
    const envelope = { logId, producedAt: new Date().toISOString(), dataType: 'SINGLE_MESSAGE', records: [{ ...order, orderNumber: `C-${index}` }] };
    return { key: logId, value: Buffer.from(JSON.stringify(envelope)) };
  });
  const rates = new Map<number, { flowcast: number[]; bare: number[] }>();
  try {
    for (const workers of profile.workers) {
      const figures = { flowcast: [] as number[], bare: [] as number[] };
      rates.set(workers, figures);
      for (let run = 0; run < runs; run += 1) {
        for (const name of inTurns(['flowcast', 'bare'] as const, run)) {
          figures[name].push((await drain(context, name, input, workers, profile.messages)) / workers);
        }
      }
    }
  } finally {
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
  for (const [workers, figures] of rates) {
    context.report.add({
      scenario: 'consumer',
      case: `${workers} worker${workers === 1 ? '' : 's'}, ${profile.messages.toLocaleString('en-US')} msgs`,
      measure: 'throughput per worker',
      unit: 'msg/s',
      flowcast: figures.flowcast,
      baseline: { name: 'bare loop', runs: figures.bare },
      target: { ratioAtLeast: file.thresholds.minRatioToBaseline },
    });
  }
}

/** Starts `workers` processes in a fresh group on `input`, and returns the group's messages/s. */
async function drain(context: BenchContext, kind: 'flowcast' | 'bare', input: string, workers: number, messages: number): Promise<number> {
  const prefix = context.prefix(`consumer-${kind}`);
  const topics = { messages: input, messageEvents: `${prefix}.message-events`, ordersProcessed: `${prefix}.orders.processed`, deadLetter: `${prefix}.messages.dlq` };
  await context.kafka.createTopics([
    { name: topics.messageEvents, partitions: 6 },
    { name: topics.ordersProcessed, partitions: 6 },
    { name: topics.deadLetter, partitions: 1 },
  ]);
  const groupId = `${prefix}-workers`;
  const started: MeasuredProcess[] = [];
  try {
    const env = context.serviceEnv(prefix, topics, { CONSUMER_GROUP_ID: groupId, GROUP_ID: groupId });
    const start = (index: number) =>
      kind === 'flowcast'
        ? context.startService('consumer', env, `${prefix}-${index}`)
        : context.startBenchProcess('baselines/bare-consume-produce.js', `${prefix}-${index}`, { env });
    started.push(...(await Promise.all(Array.from({ length: workers }, (_, index) => start(index + 1)))));
    const rate = await committedRate(context, groupId, input, messages);
    // Both contenders must have done the whole job: three lifecycle events per message (the
    // workers' transactions, exactly-once, add a commit marker per partition and batch).
    const events = await context.kafka.written(topics.messageEvents, 6);
    if (events < 3 * messages) throw new Error(`${kind} workers wrote ${events} lifecycle events for ${messages} messages (expected ${3 * messages})`);
    return rate;
  } finally {
    await Promise.allSettled(started.map((process) => process.stop()));
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
}

/** Messages per second between the first commit seen and the commit of the last message. */
async function committedRate(context: BenchContext, groupId: string, topic: string, messages: number): Promise<number> {
  const deadline = performance.now() + TIMEOUT_MS;
  let first: { at: number; committed: number } | undefined;
  while (performance.now() < deadline) {
    const committed = await context.kafka.committed(groupId, topic);
    const at = performance.now();
    if (committed > 0 && first === undefined) first = { at, committed };
    if (committed >= messages) {
      if (first === undefined || first.committed >= messages) throw new Error(`${groupId} committed everything between two polls: too few messages to time`);
      return (messages - first.committed) / ((at - first.at) / 1000);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${groupId} did not commit ${messages} messages within ${TIMEOUT_MS / 1000} s`);
}
