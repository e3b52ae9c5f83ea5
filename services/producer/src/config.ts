import {
  envVar,
  instanceIdFrom,
  kafkaConfigFrom,
  kafkaEnvironment,
  parseEnvironment,
  serviceEnvironment,
  socketAuthEnvironment,
  telemetryConfigFrom,
  telemetryEnvironment,
  topicsConfigFrom,
  topicsEnvironment,
  type KafkaConfig,
  type TelemetryConfig,
  type TopicsConfig,
} from '@flowcast/common/config';
import { z } from 'zod';
import { ORDER_FIELDS } from '@flowcast/common/contracts';

const MIB = 1024 * 1024;

/** Every variable the producer reads, with its default. */
const producerEnvironment = {
  ...serviceEnvironment(3000),
  ...kafkaEnvironment,
  ...topicsEnvironment,
  ...telemetryEnvironment,
  ...socketAuthEnvironment,
  /** Lifetime of the Socket.IO token of each 202 answer (with SOCKET_AUTH_SECRET), in seconds. */
  SOCKET_TOKEN_TTL_SECONDS: envVar.integer(3_600, { min: 60 }),
  /**
   * API keys, comma-separated, each at least 16 characters. Set: the ingest endpoints answer 401
   * unless the request sends one as `Authorization: Bearer <key>` or `X-API-Key: <key>`
   * (`/healthz`, `/readyz`, `/metrics` and `/docs` stay open). Unset: open (development).
   */
  API_KEYS: envVar
    .list([])
    .refine((keys) => keys.every((key) => key.length >= 16), 'every key must be at least 16 characters')
    .refine((keys) => keys.every((key) => /^[\x21-\x7e]+$/.test(key)), 'keys are printable ASCII without spaces or commas'),
  /**
   * Requests to the ingest endpoints per client per RATE_LIMIT_WINDOW_MS, on each replica; a
   * client is its API key, or its address without one. Over it: 429 with Retry-After. 0: no limit.
   */
  RATE_LIMIT_MAX: envVar.integer(0, { min: 0 }),
  /** The rate limit's window. */
  RATE_LIMIT_WINDOW_MS: envVar.integer(60_000, { min: 1_000 }),
  /**
   * Which proxies to trust for the client's address (rate limits, logs): `false`, `true` (any),
   * a hop count (1: the ingress in front of the pod), or addresses/CIDRs, comma-separated.
   */
  TRUST_PROXY: z
    .string()
    .transform((value): boolean | number | string[] =>
      value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value.split(',').map((item) => item.trim()),
    )
    .default(false),
  /**
   * Longest a request may take to arrive, body included, in milliseconds: a stalled or endless
   * upload is answered 408 and its connection closed, and nothing of it is accepted.
   */
  REQUEST_TIMEOUT_MS: envVar.integer(300_000, { min: 1_000 }),
  INSTANCE_ID: envVar.optionalText(),
  /**
   * Origins whose browser pages may call the ingest API, comma-separated; `*` allows all
   * (development). The dashboard is served by the gateway, another origin: list the gateway's.
   */
  CORS_ORIGINS: envVar.list(['*']),
  /** Largest JSON body of `POST /producers/send/single`, in bytes (413 above). */
  MAX_BODY_BYTES: envVar.integer(1 * MIB, { min: 1024 }),
  /** Largest CSV file of `POST /producers/upload/csv`, in bytes (413 above). */
  MAX_UPLOAD_BYTES: envVar.integer(100 * MIB, { min: 1024 }),
  /** Rows per Kafka message of a CSV upload. */
  CSV_BATCH_SIZE: envVar.integer(100, { min: 1, max: 100_000 }),
  /** Largest CSV record (one row, all its fields), in bytes: bounds memory on hostile input. */
  CSV_MAX_RECORD_BYTES: envVar.integer(1 * MIB, { min: 64 }),
  /** Most columns a CSV header may have. */
  CSV_MAX_COLUMNS: envVar.integer(1_000, { min: 1 }),
  /**
   * Columns the header must name, comma-separated; `none` accepts any header. The default is the
   * fields of the default order processor, so that a file without a header row is refused.
   */
  CSV_REQUIRED_COLUMNS: envVar.list(ORDER_FIELDS),
  /** Uploads streamed into Kafka at once; each holds one transactional producer. */
  CSV_MAX_CONCURRENT_UPLOADS: envVar.integer(4, { min: 1, max: 64 }),
  /** Most batches of one upload sent in one Kafka request; parsing goes on while one is in flight. */
  CSV_BATCHES_PER_WRITE: envVar.integer(8, { min: 1, max: 256 }),
  /** Longest wait for Kafka to acknowledge a write before answering 503. */
  KAFKA_SEND_TIMEOUT_MS: envVar.integer(5_000, { min: 100 }),
  /**
   * Longest a single message waits for the producer's Kafka request in flight to be answered,
   * so that it leaves in one request with the others that came meanwhile (Kafka's `linger.ms`).
   * 0: the messages of one turn of the event loop leave at once, whatever is in flight.
   */
  KAFKA_LINGER_MS: envVar.integer(5, { min: 0, max: 1_000 }),
  /** `Retry-After` of a 503 when Kafka is unavailable, in seconds. */
  RETRY_AFTER_SECONDS: envVar.integer(5, { min: 1 }),
};

export interface ProducerConfig {
  service: { port: number; host: string; logLevel: string; shutdownTimeoutMs: number; instanceId: string };
  kafka: KafkaConfig;
  topics: TopicsConfig;
  telemetry: TelemetryConfig;
  corsOrigins: true | string[];
  limits: { maxBodyBytes: number; maxUploadBytes: number };
  csv: {
    batchSize: number;
    maxRecordBytes: number;
    maxColumns: number;
    requiredColumns: readonly string[];
    maxConcurrentUploads: number;
    batchesPerWrite: number;
  };
  delivery: { sendTimeoutMs: number; lingerMs: number; retryAfterSeconds: number };
  /** The HTTP edge: API keys (none: open), rate limit (undefined: none), proxies, request deadline. */
  edge: {
    apiKeys: readonly string[];
    rateLimit: { max: number; windowMs: number } | undefined;
    trustProxy: boolean | number | string[];
    requestTimeoutMs: number;
  };
  /** Socket.IO tokens in the 202 answers; undefined without SOCKET_AUTH_SECRET. */
  socketTokens: { secret: string; ttlSeconds: number } | undefined;
}

/** Reads and validates the producer's configuration, once, from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const variables = parseEnvironment(producerEnvironment, env);
  const required = variables.CSV_REQUIRED_COLUMNS;
  return {
    service: {
      port: variables.PORT,
      host: variables.HOST,
      logLevel: variables.LOG_LEVEL,
      shutdownTimeoutMs: variables.SHUTDOWN_TIMEOUT_MS,
      instanceId: instanceIdFrom(variables.INSTANCE_ID),
    },
    kafka: kafkaConfigFrom(variables, 'producer'),
    topics: topicsConfigFrom(variables),
    telemetry: telemetryConfigFrom(variables, 'producer'),
    corsOrigins: variables.CORS_ORIGINS.includes('*') ? true : variables.CORS_ORIGINS,
    limits: { maxBodyBytes: variables.MAX_BODY_BYTES, maxUploadBytes: variables.MAX_UPLOAD_BYTES },
    csv: {
      batchSize: variables.CSV_BATCH_SIZE,
      maxRecordBytes: variables.CSV_MAX_RECORD_BYTES,
      maxColumns: variables.CSV_MAX_COLUMNS,
      requiredColumns: required.length === 1 && required[0] === 'none' ? [] : required,
      maxConcurrentUploads: variables.CSV_MAX_CONCURRENT_UPLOADS,
      batchesPerWrite: variables.CSV_BATCHES_PER_WRITE,
    },
    delivery: { sendTimeoutMs: variables.KAFKA_SEND_TIMEOUT_MS, lingerMs: variables.KAFKA_LINGER_MS, retryAfterSeconds: variables.RETRY_AFTER_SECONDS },
    edge: {
      apiKeys: variables.API_KEYS,
      rateLimit: variables.RATE_LIMIT_MAX === 0 ? undefined : { max: variables.RATE_LIMIT_MAX, windowMs: variables.RATE_LIMIT_WINDOW_MS },
      trustProxy: variables.TRUST_PROXY,
      requestTimeoutMs: variables.REQUEST_TIMEOUT_MS,
    },
    socketTokens:
      variables.SOCKET_AUTH_SECRET === undefined
        ? undefined
        : { secret: variables.SOCKET_AUTH_SECRET, ttlSeconds: variables.SOCKET_TOKEN_TTL_SECONDS },
  };
}

export const PRODUCER_CONFIG = Symbol('flowcast.producer-config');
