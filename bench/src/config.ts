import { z } from 'zod';
import { envVar, parseEnvironment } from '@flowcast/common/config';
import { PROFILES, type ProfileName } from '#loadtest/scenarios.js';

export const SCENARIO_NAMES = ['ingest', 'csv', 'end-to-end', 'fanout', 'consumer', 'transaction', 'kafka-clients'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Every variable the harness reads; scripts/bench.sh sets the brokers and Redis it started. */
const benchEnvironment = {
  /** `1`: the scenarios' quick profile, a smoke run of a few minutes; otherwise BENCH_PROFILE. */
  BENCH_QUICK: envVar.boolean(false),
  /** `full` (the measurement) or `quick`. */
  BENCH_PROFILE: z.enum(PROFILES).default('full'),
  /** Scenarios to run, comma-separated (default: all, in the order of SCENARIO_NAMES). */
  BENCH_ONLY: envVar.list(SCENARIO_NAMES),
  /** Overrides every scenario's number of runs (the median needs at least 3). */
  BENCH_RUNS: envVar.integer(0, { min: 0, max: 100 }),
  /**
   * Extra environment for every Flowcast service the harness starts, `NAME=value` pairs
   * separated by commas: to measure a setting before changing its default, e.g.
   * `BENCH_SERVICE_ENV=CONSUMER_FETCH_MAX_WAIT_MS=20`.
   */
  BENCH_SERVICE_ENV: envVar.list([]),
  /** Where results (JSON) and the services' logs go. */
  BENCH_RESULTS_DIR: envVar.optionalText(),
  FLOWCAST_BENCH_KAFKA_BROKERS: envVar.list(['127.0.0.1:29092']),
  FLOWCAST_BENCH_REDIS_URL: envVar.text('redis://127.0.0.1:26379'),
};

export interface BenchConfig {
  profile: ProfileName;
  scenarios: ScenarioName[];
  runsOverride: number | undefined;
  serviceEnv: Record<string, string>;
  resultsDir: string;
  kafkaBrokers: string[];
  redisUrl: string;
}

export const ROOT = new URL('../../', import.meta.url).pathname;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const variables = parseEnvironment(benchEnvironment, env);
  const unknown = variables.BENCH_ONLY.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})`);
  const serviceEnv: Record<string, string> = {};
  for (const pair of variables.BENCH_SERVICE_ENV) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (match === null) throw new Error(`BENCH_SERVICE_ENV: expected NAME=value, got ${pair}`);
    serviceEnv[match[1]!] = match[2]!;
  }
  return {
    serviceEnv,
    profile: variables.BENCH_QUICK ? 'quick' : variables.BENCH_PROFILE,
    scenarios: SCENARIO_NAMES.filter((name) => variables.BENCH_ONLY.includes(name)),
    runsOverride: variables.BENCH_RUNS === 0 ? undefined : variables.BENCH_RUNS,
    resultsDir: variables.BENCH_RESULTS_DIR ?? `${ROOT}bench/results`,
    kafkaBrokers: variables.FLOWCAST_BENCH_KAFKA_BROKERS,
    redisUrl: variables.FLOWCAST_BENCH_REDIS_URL,
  };
}
