import type { IngestScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { closedLoop, keepAlivePool } from '../support/http-load.js';
import { flowcastTopicSpecs, topicsUnder } from '../support/kafka.js';
import { inTurns } from '../support/turns.js';

/**
 * Single messages per second at a fixed concurrency over keep-alive HTTP: the producer
 * service against a bare Fastify handler doing the same Kafka write (the baseline), and
 * against the same handler with Flowcast's HTTP edge (security headers, CORS, the duration
 * histogram, the request deadline), which splits the gap into what the edge costs and what the
 * rest of Flowcast's path does. Runs alternate between the three, each round starting with the
 * next, so that a noisy neighbour slows each.
 */
export async function ingestScenario(context: BenchContext): Promise<void> {
  const { file, profile, runs } = context.scenario<IngestScenario>('ingest');
  const prefix = context.prefix('ingest');
  const topics = topicsUnder(prefix);
  const bareTopic = `${prefix}.bare`;
  await context.kafka.createTopics([...flowcastTopicSpecs(topics), { name: bareTopic, partitions: 6 }]);
  const producer = await context.startService('producer', context.serviceEnv(prefix, topics), 'ingest-producer');
  const bareEnv = { KAFKA_BROKERS: context.config.kafkaBrokers.join(','), TOPIC: bareTopic };
  const bare = await context.startBenchProcess('baselines/bare-ingest-server.js', 'ingest-bare', { env: bareEnv });
  const bareEdge = await context.startBenchProcess('baselines/bare-ingest-server.js', 'ingest-bare-edge', { env: { ...bareEnv, HTTP_EDGE: '1' } });
  const servers = { flowcast: producer, bare, bareEdge };
  const contenders = (Object.keys(servers) as Array<keyof typeof servers>).map((name) => ({
    name,
    server: servers[name],
    pool: keepAlivePool(servers[name].url, profile.concurrency),
  }));
  const request = {
    path: '/producers/send/single',
    headers: { 'content-type': 'application/json' },
    body: (index: number) => JSON.stringify({ ...file.order, orderNumber: `${file.order['orderNumber']}-${index}` }),
    expectStatus: 202,
  };
  const newFigures = () => ({ rate: [] as number[], p50: [] as number[], p99: [] as number[], errors: [] as number[], cpuPerThousand: [] as number[] });
  const figures = { flowcast: newFigures(), bare: newFigures(), bareEdge: newFigures() };
  try {
    for (const contender of contenders) await closedLoop(contender.pool, request, profile.concurrency, profile.warmupSeconds * 1000);
    for (let run = 0; run < runs; run += 1) {
      for (const contender of inTurns(contenders, run)) {
        const cpuBefore = await contender.server.cpuSeconds();
        const result = await closedLoop(contender.pool, request, profile.concurrency, profile.durationSeconds * 1000);
        const cpuSeconds = (await contender.server.cpuSeconds()) - cpuBefore;
        const figure = figures[contender.name];
        // The server's own CPU per message: what its request path costs, apart from how much of
        // the two cores the broker and the load generator left it in that run.
        figure.cpuPerThousand.push((cpuSeconds * 1000 * 1000) / Math.max(1, result.ok + result.errors));
        figure.rate.push(result.ok / (result.elapsedMs / 1000));
        figure.p50.push(result.latency.percentile(0.5));
        figure.p99.push(result.latency.percentile(0.99));
        figure.errors.push(result.errors);
        if (result.errors > 0) context.report.note(`ingest ${contender.name} run ${run + 1}: ${result.errors} failed requests ${JSON.stringify(result.statuses)}`);
      }
    }
  } finally {
    await Promise.allSettled(contenders.map((contender) => contender.pool.close()));
    await Promise.allSettled(contenders.map((contender) => contender.server.stop()));
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
  const common = { scenario: 'ingest', case: `c=${profile.concurrency}` };
  const baseline = (runs: number[]) => ({ name: 'bare Fastify', runs });
  const withEdge = (runs: number[]) => ({ name: 'bare Fastify + edge', runs });
  context.report.add({ ...common, measure: 'throughput', unit: 'msg/s', flowcast: figures.flowcast.rate, baseline: baseline(figures.bare.rate), target: { ratioAtLeast: file.thresholds.minRatioToBaseline } });
  context.report.add({ ...common, measure: 'throughput', unit: 'msg/s', flowcast: figures.flowcast.rate, baseline: withEdge(figures.bareEdge.rate) });
  context.report.add({ ...common, measure: 'latency p50', unit: 'ms', flowcast: figures.flowcast.p50, baseline: baseline(figures.bare.p50) });
  context.report.add({ ...common, measure: 'latency p99', unit: 'ms', flowcast: figures.flowcast.p99, baseline: baseline(figures.bare.p99) });
  context.report.add({ ...common, measure: 'server CPU per 1,000 messages', unit: 'ms', flowcast: figures.flowcast.cpuPerThousand, baseline: baseline(figures.bare.cpuPerThousand) });
  context.report.add({ ...common, measure: 'server CPU per 1,000 messages', unit: 'ms', flowcast: figures.flowcast.cpuPerThousand, baseline: withEdge(figures.bareEdge.cpuPerThousand) });
  context.report.add({ ...common, measure: 'failed requests', unit: 'count', flowcast: figures.flowcast.errors, baseline: baseline(figures.bare.errors), target: { atMost: 0 }, combine: 'sum' });
}
