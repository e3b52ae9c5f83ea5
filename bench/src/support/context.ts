import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { TopicNames } from '@flowcast/common/contracts';
import { profileOf, type ProfileName, type Scenario } from '#loadtest/scenarios.js';
import { ROOT, type BenchConfig, type ScenarioName } from '../config.js';
import { BenchKafka } from './kafka.js';
import { MeasuredProcess } from './processes.js';
import type { Report } from './report.js';

export type ServiceName = 'producer' | 'consumer' | 'gateway';

/** A scenario file read from loadtest/scenarios/, with the chosen profile and its number of runs. */
export interface LoadedScenario<File extends Scenario<{ runs: number }, unknown>> {
  file: File;
  profile: File['profiles'][ProfileName];
  runs: number;
}

/** What every scenario gets: configuration, the report, Kafka admin, and process starters. */
export class BenchContext {
  readonly kafka: BenchKafka;
  readonly runId = `bench-${Date.now().toString(36)}`;
  #started = 0;

  constructor(
    readonly config: BenchConfig,
    readonly report: Report,
  ) {
    this.kafka = new BenchKafka(config.kafkaBrokers);
  }

  get logsDir(): string {
    return `${this.config.resultsDir}/logs/${this.runId}`;
  }

  scenario<File extends Scenario<{ runs: number }, unknown>>(name: ScenarioName): LoadedScenario<File> {
    const file = JSON.parse(readFileSync(`${ROOT}loadtest/scenarios/${name}.json`, 'utf8')) as File;
    const profile = profileOf(file, this.config.profile) as File['profiles'][ProfileName];
    return { file, profile, runs: this.config.runsOverride ?? profile.runs };
  }

  /** A prefix for the topics, groups and Redis keys of one measurement. */
  prefix(label: string): string {
    this.#started += 1;
    return `${this.runId}-${label}-${this.#started}`;
  }

  /**
   * Deletes the Redis keys of a measurement (`prefix`: status views, the streams adapter's
   * stream): left behind, they grew Redis by ~300 MB over a day of runs and slowed the next.
   */
  async deleteRedisKeys(prefix: string): Promise<void> {
    const redis = new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }

  /** The environment a Flowcast service of this measurement runs with. */
  serviceEnv(prefix: string, topics: TopicNames, extra: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: this.config.kafkaBrokers.join(','),
      TOPIC_MESSAGES: topics.messages,
      TOPIC_MESSAGE_EVENTS: topics.messageEvents,
      TOPIC_ORDERS_PROCESSED: topics.ordersProcessed,
      TOPIC_DEAD_LETTER: topics.deadLetter,
      CONSUMER_GROUP_ID: `${prefix}-workers`,
      WORKER_GROUP_ID: `${prefix}-workers`,
      GATEWAY_GROUP_ID: `${prefix}-gateways`,
      REDIS_KEY_PREFIX: `${prefix}:`,
      LOG_LEVEL: 'info',
      ...extra,
      ...this.config.serviceEnv,
    };
  }

  /**
   * Starts a Flowcast service from its build with Node's flags from its start script, as `make
   * dev`, the image and the chart do, and waits until it is ready.
   */
  async startService(name: ServiceName, env: Record<string, string>, label: string = name): Promise<MeasuredProcess> {
    const manifest = JSON.parse(readFileSync(`${ROOT}services/${name}/package.json`, 'utf8')) as { scripts: { start: string } };
    const nodeFlags = manifest.scripts.start.split(' ').slice(1, -1);
    const service = await MeasuredProcess.start(label, `${ROOT}services/${name}/dist/main.js`, { env, nodeFlags, logFile: `${this.logsDir}/${label}.log` });
    await service.waitReady();
    return service;
  }

  /** Starts a process of the harness itself (a baseline, client processes) from bench/dist. */
  async startBenchProcess(script: string, label: string, options: { env?: Record<string, string>; args?: string[]; listens?: boolean } = {}): Promise<MeasuredProcess> {
    return MeasuredProcess.start(label, `${ROOT}bench/dist/${script}`, { ...options, logFile: `${this.logsDir}/${label}.log` });
  }
}
