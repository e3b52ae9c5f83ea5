import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TopicNames } from '@flowcast/common/contracts';
import { testEnvironment } from './environment.js';
import { deleteTopics } from './kafka.js';
import { startService, type ServiceProcess } from './services.js';

export interface PipelineOptions {
  consumers?: number;
  gateways?: number;
  /** Gateways share Redis (streams adapter, status view); otherwise one gateway, in memory. */
  redis?: boolean;
  producer?: boolean;
  env?: Record<string, string>;
}

/**
 * The real services of one test on topics, groups and Redis keys of its own, so that tests
 * run side by side on one broker and one Redis; `stop` removes all of it.
 */
export class Pipeline {
  readonly id = `t${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
  readonly topics: TopicNames = {
    messages: `${this.id}.messages`,
    messageEvents: `${this.id}.message-events`,
    ordersProcessed: `${this.id}.orders.processed`,
    deadLetter: `${this.id}.messages.dlq`,
  };
  producer: ServiceProcess | undefined;
  readonly consumers: ServiceProcess[] = [];
  readonly gateways: ServiceProcess[] = [];

  private constructor(private readonly options: PipelineOptions) {}

  static async start(options: PipelineOptions = {}): Promise<Pipeline> {
    const pipeline = new Pipeline(options);
    try {
      // The consumer creates the topics; start it first so that the others find them.
      for (let index = 0; index < (options.consumers ?? 1); index += 1) await pipeline.addConsumer();
      const starting: Array<Promise<unknown>> = [];
      if (options.producer ?? true) {
        starting.push(startService('producer', pipeline.env()).then((service) => (pipeline.producer = service)));
      }
      for (let index = 0; index < (options.gateways ?? 1); index += 1) starting.push(pipeline.addGateway());
      await Promise.all(starting);
    } catch (error) {
      await pipeline.stop();
      throw error;
    }
    return pipeline;
  }

  /** The environment every service of this pipeline shares, plus `extra`. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: testEnvironment.kafkaBrokers,
      TOPIC_MESSAGES: this.topics.messages,
      TOPIC_MESSAGE_EVENTS: this.topics.messageEvents,
      TOPIC_ORDERS_PROCESSED: this.topics.ordersProcessed,
      TOPIC_DEAD_LETTER: this.topics.deadLetter,
      CONSUMER_GROUP_ID: `${this.id}-workers`,
      WORKER_GROUP_ID: `${this.id}-workers`,
      GATEWAY_GROUP_ID: `${this.id}-gateways`,
      STATS_INTERVAL_MS: '250',
      PROCESSING_RETRY_DELAY_MS: '20',
      ...(this.options.redis ? { REDIS_URL: testEnvironment.redisUrl, REDIS_KEY_PREFIX: `${this.id}:` } : {}),
      ...this.options.env,
      ...extra,
    };
  }

  get producerUrl(): string {
    if (this.producer === undefined) throw new Error('this pipeline has no producer');
    return this.producer.url;
  }

  gatewayUrl(index = 0): string {
    const gateway = this.gateways[index];
    if (gateway === undefined) throw new Error(`no gateway ${index}`);
    return gateway.url;
  }

  #started = { consumer: 0, gateway: 0 };

  async addConsumer(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    this.#started.consumer += 1;
    const consumer = await startService('consumer', this.env({ INSTANCE_ID: `${this.id}-consumer-${this.#started.consumer}`, ...extra }));
    this.consumers.push(consumer);
    return consumer;
  }

  async addGateway(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    this.#started.gateway += 1;
    const gateway = await startService('gateway', this.env({ INSTANCE_ID: `${this.id}-gateway-${this.#started.gateway}`, ...extra }));
    this.gateways.push(gateway);
    return gateway;
  }

  async stop(): Promise<void> {
    const services = [this.producer, ...this.consumers, ...this.gateways].filter((service) => service !== undefined);
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    await deleteTopics(Object.values(this.topics)).catch(() => undefined);
    if (this.options.redis) await deleteRedisKeys(`${this.id}:*`);
  }
}

async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(testEnvironment.redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
