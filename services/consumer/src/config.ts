import { z } from 'zod';
import {
  envVar,
  instanceIdFrom,
  kafkaConfigFrom,
  kafkaEnvironment,
  parseEnvironment,
  serviceEnvironment,
  telemetryConfigFrom,
  telemetryEnvironment,
  topicsConfigFrom,
  topicsEnvironment,
  type KafkaConfig,
  type TelemetryConfig,
  type TopicsConfig,
} from '@flowcast/common/config';

/** Every variable the consumer reads, with its default. */
const consumerEnvironment = {
  ...serviceEnvironment(3002),
  ...kafkaEnvironment,
  ...topicsEnvironment,
  ...telemetryEnvironment,
  /** The consumer group the workers share; partitions of `messages` are spread over its members. */
  CONSUMER_GROUP_ID: envVar.text('flowcast-workers'),
  /** This worker's id in `processing-completed.consumerId`; set it to the pod name on Kubernetes. */
  INSTANCE_ID: envVar.optionalText(),
  /** Attempts at processing a message whose failure is transient, before it is dead-lettered. */
  PROCESSING_MAX_ATTEMPTS: envVar.integer(3, { min: 1, max: 20 }),
  /** First retry delay; each further retry doubles it, up to PROCESSING_RETRY_MAX_DELAY_MS. */
  PROCESSING_RETRY_DELAY_MS: envVar.integer(200, { min: 0 }),
  PROCESSING_RETRY_MAX_DELAY_MS: envVar.integer(5_000, { min: 0 }),
  /**
   * Most messages handled together: their events and effects are written in one request, and
   * (exactly-once) committed in one transaction. A batch only gets this large under a backlog;
   * at 1,024 a transaction's fixed cost is spread over 4 × more messages than at 256
   * (1 worker draining a backlog: 14.8k → 21.5k msg/s; docs/performance.md).
   */
  CONSUMER_MAX_BATCH: envVar.integer(1_024, { min: 1, max: 10_000 }),
  /**
   * `exactly-once`: a batch's results (orders, completion and failure events, dead letters) and
   * its offsets are one Kafka transaction, so a crash or a rebalance never writes a result
   * twice. `at-least-once`: results, then offsets; after a crash a batch's results may be
   * written again (same keys; the status view counts each message once). `message-received`
   * and `processing-started` are written before processing either way, outside any transaction.
   */
  PROCESSING_GUARANTEE: z.enum(['exactly-once', 'at-least-once']).default('exactly-once'),
  /**
   * How long the broker lets a worker's transaction stay open (exactly-once): after a worker
   * dies mid-transaction, read_committed readers of the partitions it wrote to (the gateways,
   * downstream users) wait at most this long, plus the broker's abort check interval.
   */
  CONSUMER_TRANSACTION_TIMEOUT_MS: envVar.integer(5_000, { min: 1_000, max: 900_000 }),
  /** Messages fetched ahead of processing, per worker. */
  CONSUMER_PREFETCH: envVar.integer(1_024, { min: 1 }),
  /** Longest a fetch waits for new messages when there are none. */
  CONSUMER_FETCH_MAX_WAIT_MS: envVar.integer(200, { min: 1 }),
  /** How often the worker measures its lag on `messages` (`flowcast_kafka_consumer_lag`). */
  CONSUMER_LAG_INTERVAL_MS: envVar.integer(5_000, { min: 100 }),
};

export interface ConsumerConfig {
  service: { port: number; host: string; logLevel: string; shutdownTimeoutMs: number; instanceId: string };
  kafka: KafkaConfig;
  topics: TopicsConfig;
  telemetry: TelemetryConfig;
  groupId: string;
  processing: { maxAttempts: number; retryDelayMs: number; retryMaxDelayMs: number };
  guarantee: { exactlyOnce: boolean; transactionTimeoutMs: number };
  batching: { maxBatch: number; prefetch: number; fetchMaxWaitMs: number; lagIntervalMs: number };
}

/** Reads and validates the consumer's configuration, once, from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  const variables = parseEnvironment(consumerEnvironment, env);
  return {
    service: {
      port: variables.PORT,
      host: variables.HOST,
      logLevel: variables.LOG_LEVEL,
      shutdownTimeoutMs: variables.SHUTDOWN_TIMEOUT_MS,
      instanceId: instanceIdFrom(variables.INSTANCE_ID),
    },
    kafka: kafkaConfigFrom(variables, 'consumer'),
    topics: topicsConfigFrom(variables),
    telemetry: telemetryConfigFrom(variables, 'consumer'),
    groupId: variables.CONSUMER_GROUP_ID,
    processing: {
      maxAttempts: variables.PROCESSING_MAX_ATTEMPTS,
      retryDelayMs: variables.PROCESSING_RETRY_DELAY_MS,
      retryMaxDelayMs: variables.PROCESSING_RETRY_MAX_DELAY_MS,
    },
    guarantee: {
      exactlyOnce: variables.PROCESSING_GUARANTEE === 'exactly-once',
      transactionTimeoutMs: variables.CONSUMER_TRANSACTION_TIMEOUT_MS,
    },
    batching: {
      maxBatch: variables.CONSUMER_MAX_BATCH,
      prefetch: variables.CONSUMER_PREFETCH,
      fetchMaxWaitMs: variables.CONSUMER_FETCH_MAX_WAIT_MS,
      lagIntervalMs: variables.CONSUMER_LAG_INTERVAL_MS,
    },
  };
}

export const CONSUMER_CONFIG = Symbol('flowcast.consumer-config');
