/**
 * The shape of the scenario files in loadtest/scenarios/: one file per scenario, read by the
 * Node harness (bench/) and by the k6 scripts, so that rates, sizes, durations and thresholds
 * have one source. Each file has a `full` profile (the measurement; what k6 runs by default)
 * and a `quick` one (a smoke run: `BENCH_QUICK=1 make bench`, `k6 run -e PROFILE=quick`).
 *
 * This module uses no k6 or Node API.
 */

export const PROFILES = ['full', 'quick'] as const;
export type ProfileName = (typeof PROFILES)[number];

export interface Scenario<Profile, Thresholds> {
  description: string;
  profiles: Record<ProfileName, Profile>;
  /** What a run must achieve; the harness prints them beside the figures, k6 fails a run that misses them. */
  thresholds: Thresholds;
}

/** Single JSON messages: the harness at fixed concurrency (closed loop), k6 at a fixed arrival rate. */
export interface IngestProfile {
  /** Keep-alive connections, each with one request in flight (harness); VUs preallocated (k6). */
  concurrency: number;
  /** k6: requests started per second, whatever the latency. */
  arrivalRate: number;
  durationSeconds: number;
  warmupSeconds: number;
  runs: number;
}
export interface IngestThresholds {
  minRatioToBaseline: number;
  p95Ms: number;
  maxErrorRate: number;
}
export type IngestScenario = Scenario<IngestProfile, IngestThresholds> & {
  /** The body of each message; `orderNumber` gets a unique suffix per request. */
  order: Record<string, string | number>;
};

/** CSV uploads of generated order files. */
export interface CsvProfile {
  /** Data rows of each file the harness uploads (it generates them on disk). */
  rowCounts: number[];
  runs: number;
  /** k6: rows of the file each upload sends (or the file in CSV_FILE). */
  k6Rows: number;
  /** k6: uploads started per minute. */
  uploadsPerMinute: number;
  durationSeconds: number;
}
export interface CsvThresholds {
  minRatioToBaseline: number;
  /** Producer peak memory growth from the second-largest to the largest file. */
  maxPeakMemoryGrowthMb: number;
  uploadP95Ms: number;
  maxErrorRate: number;
}
export type CsvScenario = Scenario<CsvProfile, CsvThresholds>;

/** From the POST to a Socket.IO client receiving `processing-completed`, at fixed arrival rates. */
export interface EndToEndProfile {
  ratesPerSecond: number[];
  durationSeconds: number;
  /** Longest wait after the last request for the events still on their way; later ones count as lost. */
  drainSeconds: number;
  runs: number;
  /** Gateways share Redis (streams adapter, status view), as in production. */
  redis: boolean;
}
export interface EndToEndThresholds {
  p50Ms: number;
  p99Ms: number;
  maxLostEvents: number;
}
export type EndToEndScenario = Scenario<EndToEndProfile, EndToEndThresholds>;

/** Many Socket.IO clients on one gateway receiving every broadcast. */
export interface FanoutProfile {
  clients: number;
  /** Harness: child processes the clients are spread over. k6: connections each VU opens. */
  clientProcesses: number;
  connectionsPerVu: number;
  /** New connections per second while connecting. */
  connectRate: number;
  broadcastsPerSecond: number;
  durationSeconds: number;
  runs: number;
}
export interface FanoutThresholds {
  deliveryP99Ms: number;
  maxHeapPerConnectionKb: number;
  minRatioToBaseline: number;
  maxLostDeliveries: number;
}
export type FanoutScenario = Scenario<FanoutProfile, FanoutThresholds>;

/** Workers draining a topic filled beforehand. */
export interface ConsumerProfile {
  messages: number;
  /** Worker processes of each measurement: messages/s is given per worker. */
  workers: number[];
  runs: number;
}
export interface ConsumerThresholds {
  minRatioToBaseline: number;
}
export type ConsumerScenario = Scenario<ConsumerProfile, ConsumerThresholds>;

/** A worker's batch alone: its first write and its transaction, back to back. */
export interface TransactionProfile {
  /** Batches timed per run and contender. */
  cycles: number;
  /** Messages in each batch. */
  batchSize: number;
  runs: number;
}
export type TransactionScenario = Scenario<TransactionProfile, Record<string, never>>;

/** The Kafka client in use against kafkajs: produce and consume the same records. */
export interface KafkaClientsProfile {
  messages: number;
  messageBytes: number;
  /** Records per produce request. */
  batchSize: number;
  runs: number;
}
export type KafkaClientsScenario = Scenario<KafkaClientsProfile, Record<string, never>>;

/** The profile named `name` (default `full`); an unknown name is an error, not a silent default. */
export function profileOf<Profile>(scenario: Scenario<Profile, unknown>, name: string | undefined): Profile {
  const chosen = name === undefined || name === '' ? 'full' : name;
  if (!(PROFILES as readonly string[]).includes(chosen)) throw new Error(`unknown profile ${chosen}: use ${PROFILES.join(' or ')}`);
  return scenario.profiles[chosen as ProfileName];
}
