import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@flowcast/common/contracts';
import type { EndToEndScenario, IngestScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { constantArrivals, keepAlivePool } from '../support/http-load.js';
import { flowcastTopicSpecs, topicsUnder } from '../support/kafka.js';
import type { MeasuredProcess } from '../support/processes.js';
import { LatencyHistogram } from '../support/stats.js';
import { inTurns } from '../support/turns.js';

const LIFECYCLE = ['message-received', 'processing-started', 'processing-completed'] as const;
type Step = (typeof LIFECYCLE)[number];

interface Tracked {
  plannedAt: number;
  acceptedAt: number;
  steps: Map<Step | 'processing-failed', number>;
  /** Each step's own timestamp, stamped by the worker (wall clock, milliseconds). */
  stamps: Map<Step | 'processing-failed', number>;
  duplicates: number;
}

interface RunResult {
  latency: LatencyHistogram;
  /** Where the time goes: to the 202, and to the client receiving message-received. */
  toAccepted: LatencyHistogram;
  toReceived: LatencyHistogram;
  /**
   * The same split by the events' timestamps, which the worker stamps (one machine, one clock,
   * millisecond steps): from the send to the worker stamping message-received (the producer and
   * the worker picking the message up), and from each event's stamp to the client (its write,
   * for processing-completed its transaction, and the gateway).
   */
  toReceivedStamp: LatencyHistogram;
  receivedStampToClient: LatencyHistogram;
  completedStampToClient: LatencyHistogram;
  accepted: number;
  httpErrors: number;
  dropped: number;
  lostEvents: number;
  failed: number;
  duplicates: number;
}

/** One contender's whole pipeline as a client sees it: where to POST, where to listen. */
interface Pipeline {
  ingestUrl: string;
  gatewayUrl: string;
  processes: MeasuredProcess[];
}

/** A pipeline with its client: the Socket.IO connection, its tracker, the HTTP pool. */
interface Driven {
  pipeline: Pipeline;
  socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  tracker: EventTracker;
  pool: ReturnType<typeof keepAlivePool>;
}

/**
 * Messages at fixed arrival rates through the whole pipeline (producer, one worker, one
 * gateway), timed from the planned send of the POST to a Socket.IO client receiving
 * `processing-completed`; events that never arrive within the drain time count as lost.
 * The targets are absolute. The baseline, run in turns with Flowcast, is the simplest pipeline
 * doing the same job on the same broker and Redis: the bare ingest server, the bare worker in
 * one transaction per batch (exactly-once, as Flowcast's), and a bare Socket.IO server with the
 * same Redis streams adapter emitting each lifecycle event as its consumer reads it.
 */
export async function endToEndScenario(context: BenchContext): Promise<void> {
  const { file, profile, runs } = context.scenario<EndToEndScenario>('end-to-end');
  const order = context.scenario<IngestScenario>('ingest').file.order;
  const prefixes = { flowcast: context.prefix('e2e'), bare: context.prefix('e2e-bare') };
  const redis: Record<string, string> = profile.redis ? { REDIS_URL: context.config.redisUrl } : {};
  const pipelines: Pipeline[] = [];
  const driven: Driven[] = [];
  const results = new Map<number, { flowcast: RunResult[]; bare: RunResult[] }>();
  try {
    for (const prefix of Object.values(prefixes)) await context.kafka.createTopics(flowcastTopicSpecs(topicsUnder(prefix)));
    const flowcast = await startFlowcast(context, prefixes.flowcast, redis);
    pipelines.push(flowcast);
    const bare = await startBare(context, prefixes.bare, redis);
    pipelines.push(bare);
    for (const pipeline of pipelines) driven.push(await drive(pipeline));
    const contenders = { flowcast: driven[0]!, bare: driven[1]! };
    for (const rate of profile.ratesPerSecond) {
      // Warm-up at the rate: JIT, connections, the groups' first fetches.
      for (const contender of driven) await runOnce(contender, order, rate, 1_000, profile.drainSeconds);
      const outcomes = { flowcast: [] as RunResult[], bare: [] as RunResult[] };
      results.set(rate, outcomes);
      for (let run = 0; run < runs; run += 1) {
        for (const name of inTurns(['flowcast', 'bare'] as const, run)) {
          outcomes[name].push(await runOnce(contenders[name], order, rate, profile.durationSeconds * 1000, profile.drainSeconds));
        }
      }
    }
  } finally {
    for (const { socket, pool } of driven) {
      socket.close();
      await pool.close();
    }
    await Promise.allSettled(pipelines.flatMap(({ processes }) => processes.map((process) => process.stop())));
    for (const prefix of Object.values(prefixes)) {
      await context.kafka.deleteTopics(prefix).catch(() => undefined);
      await context.deleteRedisKeys(prefix).catch(() => undefined);
    }
  }
  for (const [rate, { flowcast: outcomes, bare }] of results) {
    const common = { scenario: 'end-to-end', case: `${rate}/s for ${profile.durationSeconds} s${profile.redis ? ', Redis' : ''}` };
    const pick = (select: (outcome: RunResult) => number) => outcomes.map(select);
    const versus = (select: (outcome: RunResult) => number) => ({ flowcast: outcomes.map(select), baseline: { name: 'bare pipeline', runs: bare.map(select) } });
    context.report.add({ ...common, measure: 'latency p50', unit: 'ms', ...versus((outcome) => outcome.latency.percentile(0.5)), target: { atMost: file.thresholds.p50Ms } });
    context.report.add({ ...common, measure: 'latency p95', unit: 'ms', ...versus((outcome) => outcome.latency.percentile(0.95)) });
    context.report.add({ ...common, measure: 'latency p99', unit: 'ms', ...versus((outcome) => outcome.latency.percentile(0.99)), target: { atMost: file.thresholds.p99Ms } });
    context.report.add({ ...common, measure: 'latency max', unit: 'ms', ...versus((outcome) => outcome.latency.max) });
    context.report.add({ ...common, measure: 'p50 to the 202', unit: 'ms', ...versus((outcome) => outcome.toAccepted.percentile(0.5)) });
    context.report.add({ ...common, measure: 'p50 to message-received', unit: 'ms', flowcast: pick((outcome) => outcome.toReceived.percentile(0.5)) });
    context.report.add({ ...common, measure: 'p99 to message-received', unit: 'ms', flowcast: pick((outcome) => outcome.toReceived.percentile(0.99)) });
    for (const [measure, histogram] of [
      ['to the worker stamping message-received', (outcome: RunResult) => outcome.toReceivedStamp],
      ['message-received stamp to the client', (outcome: RunResult) => outcome.receivedStampToClient],
    ] as const) {
      context.report.add({ ...common, measure: `p50 ${measure}`, unit: 'ms', flowcast: pick((outcome) => histogram(outcome).percentile(0.5)) });
      context.report.add({ ...common, measure: `p99 ${measure}`, unit: 'ms', flowcast: pick((outcome) => histogram(outcome).percentile(0.99)) });
    }
    // The bare worker stamps processing-completed as it builds the batch's records, before its transaction.
    const completed = (quantile: number) => (outcome: RunResult) => outcome.completedStampToClient.percentile(quantile);
    context.report.add({ ...common, measure: 'p50 processing-completed stamp to the client', unit: 'ms', ...versus(completed(0.5)) });
    context.report.add({ ...common, measure: 'p99 processing-completed stamp to the client', unit: 'ms', ...versus(completed(0.99)) });
    const lost = (outcome: RunResult) => outcome.lostEvents;
    const refused = (outcome: RunResult) => outcome.httpErrors + outcome.dropped;
    context.report.add({ ...common, measure: 'lost events', unit: 'count', ...versus(lost), target: { atMost: file.thresholds.maxLostEvents }, combine: 'sum' });
    context.report.add({ ...common, measure: 'failed or dropped requests', unit: 'count', ...versus(refused), target: { atMost: 0 }, combine: 'sum' });
    for (const [name, runsOf] of [['Flowcast', outcomes], ['bare pipeline', bare]] as const) {
      const failed = runsOf.reduce((sum, outcome) => sum + outcome.failed, 0);
      const duplicates = runsOf.reduce((sum, outcome) => sum + outcome.duplicates, 0);
      if (failed + duplicates > 0) context.report.note(`end-to-end ${rate}/s, ${name}: ${failed} processing-failed, ${duplicates} duplicate events`);
    }
  }
}

/** Flowcast's three services from their build, as `make dev` runs them. */
async function startFlowcast(context: BenchContext, prefix: string, redis: Record<string, string>): Promise<Pipeline> {
  const env = context.serviceEnv(prefix, topicsUnder(prefix), redis);
  const processes = [await context.startService('consumer', env, 'e2e-consumer')];
  const [producer, gateway] = await Promise.all([context.startService('producer', env, 'e2e-producer'), context.startService('gateway', env, 'e2e-gateway')]);
  processes.push(producer, gateway);
  return { ingestUrl: producer.url, gatewayUrl: gateway.url, processes };
}

/** The bare pipeline: the baselines' ingest server, worker (one transaction per batch) and events gateway. */
async function startBare(context: BenchContext, prefix: string, redis: Record<string, string>): Promise<Pipeline> {
  const topics = topicsUnder(prefix);
  const env = (groupId: string) => context.serviceEnv(prefix, topics, { ...redis, TOPIC: topics.messages, GROUP_ID: `${prefix}-${groupId}`, EXACTLY_ONCE: '1' });
  const processes = await Promise.all([
    context.startBenchProcess('baselines/bare-ingest-server.js', 'e2e-bare-ingest', { env: env('ingest') }),
    context.startBenchProcess('baselines/bare-consume-produce.js', 'e2e-bare-worker', { env: env('workers') }),
    context.startBenchProcess('baselines/bare-events-gateway.js', 'e2e-bare-gateway', { env: env('gateways') }),
  ]);
  return { ingestUrl: processes[0].url, gatewayUrl: processes[2].url, processes };
}

async function drive(pipeline: Pipeline): Promise<Driven> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(pipeline.gatewayUrl, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { pipeline, socket, tracker: new EventTracker(socket), pool: keepAlivePool(pipeline.ingestUrl, 32) };
}

async function runOnce({ pipeline, tracker, pool }: Driven, order: Record<string, unknown>, rate: number, durationMs: number, drainSeconds: number): Promise<RunResult> {
  tracker.reset();
  let httpErrors = 0;
  const arrivals = await constantArrivals(rate, durationMs, 2_000, async (index, plannedAt) => {
    try {
      const response = await pool.request({
        method: 'POST',
        path: '/producers/send/single',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...order, orderNumber: `E2E-${index}` }),
      });
      const body = (await response.body.json()) as { logId?: string };
      if (response.statusCode !== 202 || typeof body.logId !== 'string') httpErrors += 1;
      else tracker.accepted(body.logId, plannedAt);
    } catch {
      httpErrors += 1;
    }
  });
  const deadline = performance.now() + drainSeconds * 1000;
  while (!tracker.complete() && performance.now() < deadline) await sleep(50);
  // A contender that died lost its events for a reason the figures would not show.
  const exited = pipeline.processes.filter((process) => !process.running);
  if (exited.length > 0) throw new Error(`${exited.map(({ name }) => name).join(', ')} exited during the run; see the logs`);
  return { ...tracker.result(), httpErrors, dropped: arrivals.dropped };
}

/** Follows every accepted message's lifecycle events as one Socket.IO client receives them. */
class EventTracker {
  #tracked = new Map<string, Tracked>();
  /** Events that arrived before their POST's answer was read. */
  #early = new Map<string, Array<[Step | 'processing-failed', number, number]>>();

  constructor(socket: Socket<ServerToClientEvents, ClientToServerEvents>) {
    for (const step of [...LIFECYCLE, 'processing-failed'] as const) {
      socket.on(step, (payload: { logId: string; timestamp: string }) => this.#saw(payload.logId, step, performance.now(), Date.parse(payload.timestamp)));
    }
  }

  reset(): void {
    this.#tracked = new Map();
    this.#early = new Map();
  }

  accepted(logId: string, plannedAt: number): void {
    const tracked: Tracked = { plannedAt, acceptedAt: performance.now(), steps: new Map(), stamps: new Map(), duplicates: 0 };
    this.#tracked.set(logId, tracked);
    for (const [step, at, stamp] of this.#early.get(logId) ?? []) this.#record(tracked, step, at, stamp);
    this.#early.delete(logId);
  }

  complete(): boolean {
    for (const tracked of this.#tracked.values()) if (!tracked.steps.has('processing-completed') && !tracked.steps.has('processing-failed')) return false;
    return true;
  }

  result(): Omit<RunResult, 'httpErrors' | 'dropped'> {
    const latency = new LatencyHistogram();
    const toAccepted = new LatencyHistogram();
    const toReceived = new LatencyHistogram();
    const toReceivedStamp = new LatencyHistogram();
    const receivedStampToClient = new LatencyHistogram();
    const completedStampToClient = new LatencyHistogram();
    // performance.now() on the wall clock, to compare with the workers' stamps.
    const wall = (at: number) => performance.timeOrigin + at;
    let lostEvents = 0;
    let failed = 0;
    let duplicates = 0;
    for (const tracked of this.#tracked.values()) {
      const completedAt = tracked.steps.get('processing-completed');
      if (completedAt !== undefined) latency.record(completedAt - tracked.plannedAt);
      toAccepted.record(tracked.acceptedAt - tracked.plannedAt);
      const receivedAt = tracked.steps.get('message-received');
      if (receivedAt !== undefined) toReceived.record(receivedAt - tracked.plannedAt);
      const receivedStamp = tracked.stamps.get('message-received');
      if (receivedAt !== undefined && receivedStamp !== undefined) {
        toReceivedStamp.record(Math.max(0, receivedStamp - wall(tracked.plannedAt)));
        receivedStampToClient.record(Math.max(0, wall(receivedAt) - receivedStamp));
      }
      const completedStamp = tracked.stamps.get('processing-completed');
      if (completedAt !== undefined && completedStamp !== undefined) completedStampToClient.record(Math.max(0, wall(completedAt) - completedStamp));
      if (tracked.steps.has('processing-failed')) failed += 1;
      const last = tracked.steps.has('processing-failed') ? 'processing-failed' : 'processing-completed';
      lostEvents += ['message-received', 'processing-started', last].filter((step) => !tracked.steps.has(step as Step)).length;
      duplicates += tracked.duplicates;
    }
    return { latency, toAccepted, toReceived, toReceivedStamp, receivedStampToClient, completedStampToClient, accepted: this.#tracked.size, lostEvents, failed, duplicates };
  }

  #saw(logId: string, step: Step | 'processing-failed', at: number, stamp: number): void {
    const tracked = this.#tracked.get(logId);
    if (tracked !== undefined) this.#record(tracked, step, at, stamp);
    else this.#early.set(logId, [...(this.#early.get(logId) ?? []), [step, at, stamp]]);
  }

  #record(tracked: Tracked, step: Step | 'processing-failed', at: number, stamp: number): void {
    if (tracked.steps.has(step)) {
      tracked.duplicates += 1;
      return;
    }
    tracked.steps.set(step, at);
    tracked.stamps.set(step, stamp);
  }
}
