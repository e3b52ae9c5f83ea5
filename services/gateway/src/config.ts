import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  ConfigurationError,
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

/** Every variable the gateway reads, with its default. */
const gatewayEnvironment = {
  ...serviceEnvironment(3001),
  ...kafkaEnvironment,
  ...topicsEnvironment,
  ...telemetryEnvironment,
  ...socketAuthEnvironment,
  /** This replica's id in logs and in Redis; set it to the pod name on Kubernetes. */
  INSTANCE_ID: envVar.optionalText(),
  /**
   * Redis for several replicas: Socket.IO fan-out (streams adapter) and the shared status view.
   * Unset: one replica with the in-memory adapter and status view.
   */
  REDIS_URL: envVar.url(),
  /**
   * Redis password (`requirepass`, or the password of the URL's ACL user); wins over a password in
   * REDIS_URL, and needs no URL encoding. Unset: the URL's own, if any.
   */
  REDIS_PASSWORD: envVar.optionalText(),
  /** Prefix of every Redis key and stream the gateway uses. */
  REDIS_KEY_PREFIX: envVar.text('flowcast:'),
  /** Origins allowed to connect (Socket.IO and HTTP), comma-separated; `*` allows all (development). */
  CORS_ORIGINS: envVar.list(['*']),
  /** The gateways' consumer group on `message-events`. */
  GATEWAY_GROUP_ID: envVar.text('flowcast-gateway'),
  /** Where a gateway group that has no committed offsets starts reading `message-events`. */
  GATEWAY_START_FROM: z.enum(['earliest', 'latest']).default('earliest'),
  /** The workers' consumer group, whose members are `activeConsumers`. */
  WORKER_GROUP_ID: envVar.text('flowcast-workers'),
  /** How often `stats-updated` may be emitted (only when the figures changed). */
  STATS_INTERVAL_MS: envVar.integer(2_000, { min: 100 }),
  /** The recent window of `throughputPerSecond` and `p95LatencyMs`, in seconds (the range of PromQL's rate()). */
  STATS_WINDOW_SECONDS: envVar.integer(60, { min: 5, max: 3_600 }),
  /**
   * Prometheus that scrapes every Flowcast service (e.g. `http://prometheus:9090`): statistics are
   * then computed with PromQL over every replica. Unset, or unreachable: this gateway's own figures.
   */
  PROMETHEUS_URL: envVar.url(),
  /** Label matchers added to every PromQL selector, to pick this deployment's series (e.g. `namespace="flowcast"`). */
  PROMETHEUS_SELECTOR: z.string().regex(/^[^{}]*$/, 'must be label matchers without braces').default(''),
  /** Longest wait for Prometheus' answers before a round falls back to local figures. */
  PROMETHEUS_TIMEOUT_MS: envVar.integer(1_500, { min: 100 }),
  /** How long the status view keeps a message or an upload after its last event. */
  STATUS_TTL_SECONDS: envVar.integer(86_400, { min: 60 }),
  /**
   * How long a disconnected client can come back and receive what it missed (connection state
   * recovery); later, or once the stream no longer holds what it missed, it reloads from the
   * status endpoints. Keep SOCKET_STREAM_MAX_LEN ≥ 3 × messages/s × this (in seconds): each
   * message is three events in the stream. The defaults cover 66 s at 500 messages/s.
   */
  SOCKET_RECOVERY_WINDOW_MS: envVar.integer(60_000, { min: 0 }),
  /** Events kept in the Redis stream for fan-out and recovery (approximate trimming; about 450 bytes each). */
  SOCKET_STREAM_MAX_LEN: envVar.integer(100_000, { min: 1_000 }),
  /**
   * Packets a client may have waiting to be sent (Engine.IO's write buffer): a client that stops
   * reading is disconnected once it has more, so that it cannot hold the gateway's memory. It
   * reconnects (and recovers what it missed) when it reads again.
   */
  SOCKET_MAX_BUFFERED_PACKETS: envVar.integer(5_000, { min: 10 }),
  /** Rooms (`subscribe` targets) one connection may hold at once; more are refused with TOO_MANY_SUBSCRIPTIONS. */
  SOCKET_MAX_SUBSCRIPTIONS: envVar.integer(100, { min: 1 }),
  /** Largest message a client may send (Socket.IO's maxHttpBufferSize); a larger one closes its connection. */
  SOCKET_MAX_MESSAGE_BYTES: envVar.integer(16_384, { min: 1_024 }),
  /** Lifecycle events handled together: one status-view round trip per batch. */
  GATEWAY_MAX_BATCH: envVar.integer(500, { min: 1 }),
  /** Where browsers reach the producer, for the dashboard's send form and CSV upload. */
  PRODUCER_PUBLIC_URL: z.url({ error: 'must be a URL' }).default('http://localhost:3000'),
  /**
   * A trace UI link with `{logId}` in it (for example a Jaeger search by the `flowcast.log_id`
   * tag); the dashboard links each message to it. Unset: no trace links.
   */
  TRACE_UI_URL_TEMPLATE: envVar
    .optionalText()
    .refine((value) => value === undefined || value.includes('{logId}'), 'must contain {logId}'),
  /**
   * The built dashboard (static files) served at `/`. Default: the `dist` folder of the
   * @flowcast/dashboard package; `none` serves no dashboard.
   */
  DASHBOARD_DIR: envVar.optionalText(),
};

export interface GatewayConfig {
  service: { port: number; host: string; logLevel: string; shutdownTimeoutMs: number; instanceId: string };
  kafka: KafkaConfig;
  topics: TopicsConfig;
  telemetry: TelemetryConfig;
  redis: { url: string; password: string | undefined; keyPrefix: string } | undefined;
  /** Socket.IO tokens: undefined when connections and the status endpoints are open. */
  auth: { secret: string } | undefined;
  corsOrigins: true | string[];
  groupId: string;
  startFrom: 'earliest' | 'latest';
  workerGroupId: string;
  statsIntervalMs: number;
  statsWindowSeconds: number;
  prometheus: { url: string; selector: string; timeoutMs: number } | undefined;
  statusTtlSeconds: number;
  socket: { recoveryWindowMs: number; streamMaxLen: number; maxBufferedPackets: number; maxSubscriptions: number; maxMessageBytes: number };
  maxBatch: number;
  dashboard: { dir: string | undefined; producerUrl: string; traceUrlTemplate: string | null };
}

/** Reads and validates the gateway's configuration, once, from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const variables = parseEnvironment(gatewayEnvironment, env);
  return {
    service: {
      port: variables.PORT,
      host: variables.HOST,
      logLevel: variables.LOG_LEVEL,
      shutdownTimeoutMs: variables.SHUTDOWN_TIMEOUT_MS,
      instanceId: instanceIdFrom(variables.INSTANCE_ID),
    },
    kafka: kafkaConfigFrom(variables, 'gateway'),
    topics: topicsConfigFrom(variables),
    telemetry: telemetryConfigFrom(variables, 'gateway'),
    redis:
      variables.REDIS_URL === undefined
        ? undefined
        : { url: variables.REDIS_URL, password: variables.REDIS_PASSWORD, keyPrefix: variables.REDIS_KEY_PREFIX },
    auth: variables.SOCKET_AUTH_SECRET === undefined ? undefined : { secret: variables.SOCKET_AUTH_SECRET },
    corsOrigins: variables.CORS_ORIGINS.includes('*') ? true : variables.CORS_ORIGINS,
    groupId: variables.GATEWAY_GROUP_ID,
    startFrom: variables.GATEWAY_START_FROM,
    workerGroupId: variables.WORKER_GROUP_ID,
    statsIntervalMs: variables.STATS_INTERVAL_MS,
    statsWindowSeconds: variables.STATS_WINDOW_SECONDS,
    prometheus:
      variables.PROMETHEUS_URL === undefined
        ? undefined
        : { url: variables.PROMETHEUS_URL.replace(/\/+$/, ''), selector: variables.PROMETHEUS_SELECTOR, timeoutMs: variables.PROMETHEUS_TIMEOUT_MS },
    statusTtlSeconds: variables.STATUS_TTL_SECONDS,
    socket: {
      recoveryWindowMs: variables.SOCKET_RECOVERY_WINDOW_MS,
      streamMaxLen: variables.SOCKET_STREAM_MAX_LEN,
      maxBufferedPackets: variables.SOCKET_MAX_BUFFERED_PACKETS,
      maxSubscriptions: variables.SOCKET_MAX_SUBSCRIPTIONS,
      maxMessageBytes: variables.SOCKET_MAX_MESSAGE_BYTES,
    },
    maxBatch: variables.GATEWAY_MAX_BATCH,
    dashboard: {
      dir: variables.DASHBOARD_DIR === 'none' ? undefined : (variables.DASHBOARD_DIR ?? builtDashboardDir()),
      producerUrl: variables.PRODUCER_PUBLIC_URL.replace(/\/+$/, ''),
      traceUrlTemplate: variables.TRACE_UI_URL_TEMPLATE ?? null,
    },
  };
}

/** The `dist` folder of the installed @flowcast/dashboard workspace, if it is installed. */
function builtDashboardDir(): string | undefined {
  try {
    return join(dirname(fileURLToPath(import.meta.resolve('@flowcast/dashboard/package.json'))), 'dist');
  } catch {
    return undefined;
  }
}

/** The secret the token command (`npm run token`) signs with: SOCKET_AUTH_SECRET, required there. */
export function loadTokenSecret(env: NodeJS.ProcessEnv = process.env): string {
  const { SOCKET_AUTH_SECRET } = parseEnvironment(socketAuthEnvironment, env);
  if (SOCKET_AUTH_SECRET === undefined) throw new ConfigurationError(['SOCKET_AUTH_SECRET: required to sign tokens (the gateway’s secret)']);
  return SOCKET_AUTH_SECRET;
}

export const GATEWAY_CONFIG = Symbol('flowcast.gateway-config');
