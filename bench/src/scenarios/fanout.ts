import { setTimeout as sleep } from 'node:timers/promises';
import { ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import type { FanoutScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { constantArrivals } from '../support/http-load.js';
import { flowcastTopicSpecs, topicsUnder } from '../support/kafka.js';
import { LifecycleSequence } from '../support/lifecycle.js';
import type { MeasuredProcess } from '../support/processes.js';
import { LatencyHistogram, type HistogramData } from '../support/stats.js';

const KB = 1024;
const DRAIN_MS = 15_000;

interface TargetFigures {
  deliveriesPerSecond: number[];
  p50: number[];
  p99: number[];
  max: number[];
  lost: number[];
  heapPerConnectionKb: number[];
  rssPerConnectionKb: number[];
}

/** Emits `ratePerSecond` broadcasts for `durationMs`; resolves when the last one is out. */
type Emitter = (ratePerSecond: number, durationMs: number) => Promise<{ emitted: number; startedAt: number }>;

/**
 * Thousands of Socket.IO clients (spread over child processes) on one gateway with the Redis
 * streams adapter, receiving lifecycle events written to message-events at a fixed rate:
 * delivery delay to every client, lost deliveries, delivered events per second and the
 * gateway's heap per connection; then the same clients on a bare socket.io server
 * broadcasting the same events through the same adapter.
 */
export async function fanoutScenario(context: BenchContext): Promise<void> {
  const { file, profile, runs } = context.scenario<FanoutScenario>('fanout');
  const prefix = context.prefix('fanout');
  const topics = topicsUnder(prefix);
  await context.kafka.createTopics(flowcastTopicSpecs(topics));
  const clientProcesses = await Promise.all(
    Array.from({ length: profile.clientProcesses }, (_, index) => context.startBenchProcess('fanout-clients.js', `fanout-clients-${index + 1}`)),
  );
  const events = new Producer<string, Buffer, string, string>({
    clientId: 'flowcast-bench-events',
    bootstrapBrokers: context.config.kafkaBrokers,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    acks: ProduceAcks.LEADER,
  });
  const sequence = new LifecycleSequence();
  const measure = (server: MeasuredProcess, emit: Emitter) => measureServer(server, emit, clientProcesses, profile, runs);
  let flowcast: TargetFigures | undefined;
  let bare: TargetFigures | undefined;
  try {
    const gateway = await context.startService('gateway', context.serviceEnv(prefix, topics, { REDIS_URL: context.config.redisUrl }), 'fanout-gateway');
    try {
      flowcast = await measure(gateway, async (ratePerSecond, durationMs) => {
        const startedAt = Date.now();
        const arrivals = await constantArrivals(ratePerSecond, durationMs, 10_000, async (_index, plannedAt) => {
          const event = sequence.next(new Date(performance.timeOrigin + plannedAt));
          await events.send({ messages: [{ topic: topics.messageEvents, key: event.logId, value: Buffer.from(JSON.stringify(event)) }] });
        });
        return { emitted: arrivals.started, startedAt };
      });
    } finally {
      await gateway.stop();
    }
    const server = await context.startBenchProcess('baselines/bare-socketio-server.js', 'fanout-bare', {
      env: { REDIS_URL: context.config.redisUrl, REDIS_KEY_PREFIX: `${prefix}:bare:` },
    });
    try {
      bare = await measure(server, async (ratePerSecond, durationMs) => {
        const reply = await server.request({ type: 'broadcast', ratePerSecond, durationMs });
        return { emitted: reply['emitted'] as number, startedAt: reply['startedAt'] as number };
      });
    } finally {
      await server.stop();
    }
  } finally {
    await events.close();
    await Promise.allSettled(clientProcesses.map((child) => child.stop()));
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
    await context.deleteRedisKeys(prefix).catch(() => undefined);
  }
  const common = { scenario: 'fanout', case: `${profile.clients.toLocaleString('en-US')} clients, ${profile.broadcastsPerSecond}/s` };
  const baseline = (runs: number[]) => ({ name: 'bare socket.io', runs });
  const { thresholds } = file;
  context.report.add({ ...common, measure: 'deliveries/s', unit: 'events/s', flowcast: flowcast.deliveriesPerSecond, baseline: baseline(bare.deliveriesPerSecond), target: { ratioAtLeast: thresholds.minRatioToBaseline } });
  context.report.add({ ...common, measure: 'delivery p50', unit: 'ms', flowcast: flowcast.p50, baseline: baseline(bare.p50) });
  context.report.add({ ...common, measure: 'delivery p99', unit: 'ms', flowcast: flowcast.p99, baseline: baseline(bare.p99), target: { atMost: thresholds.deliveryP99Ms } });
  context.report.add({ ...common, measure: 'delivery max', unit: 'ms', flowcast: flowcast.max, baseline: baseline(bare.max) });
  context.report.add({ ...common, measure: 'lost deliveries', unit: 'count', flowcast: flowcast.lost, baseline: baseline(bare.lost), target: { atMost: thresholds.maxLostDeliveries }, combine: 'sum' });
  context.report.add({ ...common, measure: 'heap per connection', unit: 'KB', flowcast: flowcast.heapPerConnectionKb, baseline: baseline(bare.heapPerConnectionKb), target: { atMost: thresholds.maxHeapPerConnectionKb } });
  context.report.add({ ...common, measure: 'RSS per connection', unit: 'KB', flowcast: flowcast.rssPerConnectionKb, baseline: baseline(bare.rssPerConnectionKb) });
}

async function measureServer(server: MeasuredProcess, emit: Emitter, clientProcesses: readonly MeasuredProcess[], profile: FanoutScenario['profiles']['full'], runs: number): Promise<TargetFigures> {
  const figures: TargetFigures = { deliveriesPerSecond: [], p50: [], p99: [], max: [], lost: [], heapPerConnectionKb: [], rssPerConnectionKb: [] };
  const shares = clientProcesses.map((_, index) => Math.floor(profile.clients / clientProcesses.length) + (index < profile.clients % clientProcesses.length ? 1 : 0));
  const before = await server.memory(true);
  const connected = await Promise.all(
    clientProcesses.map((child, index) => child.request({ type: 'connect', url: server.url, count: shares[index]!, ratePerSecond: profile.connectRate / clientProcesses.length })),
  );
  try {
    const connectedCount = connected.reduce((sum, answer) => sum + (answer['connected'] as number), 0);
    if (connectedCount !== profile.clients) throw new Error(`${server.name}: only ${connectedCount} of ${profile.clients} clients connected`);
    await sleep(1_000);
    const after = await server.memory(true);
    const perConnection = (bytes: number) => bytes / profile.clients / KB;
    // Memory is read once per server; each run repeats the same figure so that the table shows it beside the others.
    const heap = perConnection(after.heapUsed - before.heapUsed);
    const rss = perConnection(after.rss - before.rss);
    // A short round first: the gateway's first fetches, JIT, Redis stream reads.
    await round(emit, clientProcesses, profile.broadcastsPerSecond, 1_000, profile.clients);
    for (let run = 0; run < runs; run += 1) {
      const result = await round(emit, clientProcesses, profile.broadcastsPerSecond, profile.durationSeconds * 1000, profile.clients);
      const histogram = result.histogram;
      figures.deliveriesPerSecond.push(result.received / (Math.max(1, result.lastAt - result.startedAt) / 1000));
      figures.p50.push(histogram.percentile(0.5));
      figures.p99.push(histogram.percentile(0.99));
      figures.max.push(histogram.max);
      figures.lost.push(result.missing);
      figures.heapPerConnectionKb.push(heap);
      figures.rssPerConnectionKb.push(rss);
    }
  } finally {
    await Promise.all(clientProcesses.map((child) => child.request({ type: 'disconnect' })));
  }
  return figures;
}

async function round(emit: Emitter, clientProcesses: readonly MeasuredProcess[], ratePerSecond: number, durationMs: number, clients: number) {
  await Promise.all(clientProcesses.map((child) => child.request({ type: 'reset' })));
  const { emitted, startedAt } = await emit(ratePerSecond, durationMs);
  const deadline = Date.now() + DRAIN_MS;
  while (Date.now() < deadline) {
    const progress = await Promise.all(clientProcesses.map((child) => child.request({ type: 'progress' })));
    if (progress.reduce((sum, answer) => sum + (answer['received'] as number), 0) >= emitted * clients) break;
    await sleep(100);
  }
  const reports = await Promise.all(clientProcesses.map((child) => child.request({ type: 'report', expected: emitted })));
  const histogram = new LatencyHistogram();
  for (const report of reports) histogram.merge(report['histogram'] as HistogramData);
  return {
    histogram,
    startedAt,
    received: reports.reduce((sum, report) => sum + (report['received'] as number), 0),
    missing: reports.reduce((sum, report) => sum + (report['missing'] as number), 0),
    lastAt: Math.max(...reports.map((report) => report['lastAt'] as number)),
  };
}
