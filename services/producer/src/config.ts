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
import { ORDER_FIELDS } from '@flowcast/common/contracts';

const MIB = 1024 * 1024;

/** Every variable the producer reads, with its default. */
const producerEnvironment = {
  ...serviceEnvironment(3000),
  ...kafkaEnvironment,
  ...topicsEnvironment,
  ...telemetryEnvironment,
  /** Stable id of this instance in logs and transactional ids; defaults to host and pid. */
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
  delivery: { sendTimeoutMs: number; retryAfterSeconds: number };
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
    delivery: { sendTimeoutMs: variables.KAFKA_SEND_TIMEOUT_MS, retryAfterSeconds: variables.RETRY_AFTER_SECONDS },
  };
}

export const PRODUCER_CONFIG = Symbol('flowcast.producer-config');
