import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_TOPIC_NAMES, type TopicNames } from '../contracts/topics.js';
import { envVar } from './environment.js';

/** Variables every service reads: where it listens, how it logs, how long it may take to stop. */
export const serviceEnvironment = (defaultPort: number) => ({
  /** HTTP port (0 picks a free one). */
  PORT: envVar.port(defaultPort),
  /** Interface to listen on. */
  HOST: envVar.text('0.0.0.0'),
  /** fatal | error | warn | info | debug | trace | silent. */
  LOG_LEVEL: envVar.logLevel(),
  /** Longest a graceful shutdown (SIGTERM) may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: envVar.integer(15_000, { min: 100 }),
});

/** How to reach Kafka. */
export const kafkaEnvironment = {
  /** Comma-separated bootstrap brokers, host:port. */
  KAFKA_BROKERS: envVar.list(['localhost:9092']),
  /** Client id prefix sent to the brokers; defaults to the service name. */
  KAFKA_CLIENT_ID: envVar.optionalText(),
  /** SASL mechanism, when the cluster requires authentication. */
  KAFKA_SASL_MECHANISM: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).optional(),
  KAFKA_SASL_USERNAME: envVar.optionalText(),
  KAFKA_SASL_PASSWORD: envVar.optionalText(),
  /** Connect to the brokers over TLS. */
  KAFKA_TLS: envVar.boolean(false),
  /** PEM file of the CA that signed the brokers' certificates (TLS). */
  KAFKA_TLS_CA_FILE: envVar.optionalText(),
  /** Verify the brokers' certificates (TLS); turn off only for development. */
  KAFKA_TLS_REJECT_UNAUTHORIZED: envVar.boolean(true),
  /** How long to wait for a broker connection. */
  KAFKA_CONNECT_TIMEOUT_MS: envVar.integer(3_000, { min: 100 }),
  /** How long to wait for a broker's answer to one request. */
  KAFKA_REQUEST_TIMEOUT_MS: envVar.integer(10_000, { min: 100 }),
  /**
   * Largest Kafka message a service writes, in bytes: the brokers' `message.max.bytes` (1 MiB by
   * default) less room for what a worker adds when it dead-letters one. The producer refuses a
   * larger message with 413 and splits CSV batches to fit; a worker shortens a dead letter's
   * copy of a larger original.
   */
  KAFKA_MAX_MESSAGE_BYTES: envVar.integer(1_000_000, { min: 16_384 }),
  /**
   * Consumer group protocol: `consumer` (KIP-848, incremental rebalances without stopping the
   * group) or `classic`.
   */
  KAFKA_GROUP_PROTOCOL: z.enum(['consumer', 'classic']).default('consumer'),
};

/** Socket.IO tokens: the gateway verifies them; the producer signs one per accepted message or upload. */
export const socketAuthEnvironment = {
  /**
   * HMAC secret of the Socket.IO tokens (JWT, HS256), at least 32 characters. Set on the gateway,
   * clients need a token to connect and to read the status endpoints; set on the producer too, each
   * 202 answer carries a token for its own message or upload. Unset: no tokens (development).
   */
  SOCKET_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (an HS256 key of 256 bits)').optional(),
};

/** Topic names and how to create them when missing. */
export const topicsEnvironment = {
  TOPIC_MESSAGES: envVar.text(DEFAULT_TOPIC_NAMES.messages),
  TOPIC_MESSAGE_EVENTS: envVar.text(DEFAULT_TOPIC_NAMES.messageEvents),
  TOPIC_ORDERS_PROCESSED: envVar.text(DEFAULT_TOPIC_NAMES.ordersProcessed),
  TOPIC_DEAD_LETTER: envVar.text(DEFAULT_TOPIC_NAMES.deadLetter),
  /** Partitions of `messages`: the most consumers that can work in parallel. */
  TOPIC_MESSAGES_PARTITIONS: envVar.integer(6, { min: 1 }),
  /** Partitions of `message-events`: the most gateways that can consume in parallel. */
  TOPIC_MESSAGE_EVENTS_PARTITIONS: envVar.integer(6, { min: 1 }),
  TOPIC_ORDERS_PROCESSED_PARTITIONS: envVar.integer(6, { min: 1 }),
  TOPIC_DEAD_LETTER_PARTITIONS: envVar.integer(1, { min: 1 }),
  TOPIC_REPLICATION_FACTOR: envVar.integer(1, { min: 1 }),
  /** Create missing topics at start (local development); on Kubernetes Strimzi owns them. */
  KAFKA_CREATE_TOPICS: envVar.boolean(true),
};

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  tls?: { ca?: string; rejectUnauthorized: boolean };
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes: number;
  groupProtocol: 'consumer' | 'classic';
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface TopicsConfig {
  names: TopicNames;
  specs: Record<keyof TopicNames, TopicSpec>;
  replicationFactor: number;
  createMissing: boolean;
}

type KafkaVariables = z.infer<z.ZodObject<typeof kafkaEnvironment>>;
type TopicVariables = z.infer<z.ZodObject<typeof topicsEnvironment>>;

export function kafkaConfigFrom(variables: KafkaVariables, serviceName: string): KafkaConfig {
  const sasl =
    variables.KAFKA_SASL_MECHANISM === undefined
      ? undefined
      : {
          mechanism: variables.KAFKA_SASL_MECHANISM,
          username: variables.KAFKA_SASL_USERNAME ?? '',
          password: variables.KAFKA_SASL_PASSWORD ?? '',
        };
  const ca = variables.KAFKA_TLS_CA_FILE === undefined ? undefined : readFileSync(variables.KAFKA_TLS_CA_FILE, 'utf8');
  return {
    brokers: variables.KAFKA_BROKERS,
    clientId: `${variables.KAFKA_CLIENT_ID ?? `flowcast-${serviceName}`}-${hostname()}-${process.pid}`,
    ...(sasl === undefined ? {} : { sasl }),
    ...(variables.KAFKA_TLS
      ? { tls: { rejectUnauthorized: variables.KAFKA_TLS_REJECT_UNAUTHORIZED, ...(ca === undefined ? {} : { ca }) } }
      : {}),
    connectTimeoutMs: variables.KAFKA_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: variables.KAFKA_REQUEST_TIMEOUT_MS,
    maxMessageBytes: variables.KAFKA_MAX_MESSAGE_BYTES,
    groupProtocol: variables.KAFKA_GROUP_PROTOCOL,
  };
}

export function topicsConfigFrom(variables: TopicVariables): TopicsConfig {
  const names: TopicNames = {
    messages: variables.TOPIC_MESSAGES,
    messageEvents: variables.TOPIC_MESSAGE_EVENTS,
    ordersProcessed: variables.TOPIC_ORDERS_PROCESSED,
    deadLetter: variables.TOPIC_DEAD_LETTER,
  };
  return {
    names,
    specs: {
      messages: { name: names.messages, partitions: variables.TOPIC_MESSAGES_PARTITIONS },
      messageEvents: { name: names.messageEvents, partitions: variables.TOPIC_MESSAGE_EVENTS_PARTITIONS },
      ordersProcessed: { name: names.ordersProcessed, partitions: variables.TOPIC_ORDERS_PROCESSED_PARTITIONS },
      deadLetter: { name: names.deadLetter, partitions: variables.TOPIC_DEAD_LETTER_PARTITIONS },
    },
    replicationFactor: variables.TOPIC_REPLICATION_FACTOR,
    createMissing: variables.KAFKA_CREATE_TOPICS,
  };
}

/** A stable id for this instance: the pod name on Kubernetes, else host and pid. */
export function instanceIdFrom(explicit: string | undefined): string {
  return explicit ?? `${hostname()}-${process.pid}`;
}
