/**
 * k6: single JSON messages at a constant arrival rate, against a running Flowcast.
 *
 *   k6 run loadtest/ingest.ts                                     # scenarios/ingest.json, full profile
 *   k6 run -e PRODUCER_URL=http://flowcast.example:3000 -e PROFILE=quick loadtest/ingest.ts
 *   k6 run -e API_KEY=<key> …                                     # where the producer has API_KEYS
 *
 * Fails (non-zero exit) when p95 latency or the error rate miss the scenario's thresholds.
 */
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import { profileOf, type IngestScenario } from './lib/scenarios.ts';

const scenario = JSON.parse(open('./scenarios/ingest.json')) as IngestScenario;
const profile = profileOf(scenario, __ENV['PROFILE']);
const PRODUCER_URL = (__ENV['PRODUCER_URL'] ?? 'http://localhost:3000').replace(/\/+$/, '');
/** One of the producer's API_KEYS, where it has some (the Helm chart's default). */
const API_KEY = __ENV['API_KEY'];

export const options: Options = {
  scenarios: {
    ingest: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV['RATE'] ?? profile.arrivalRate),
      timeUnit: '1s',
      duration: `${__ENV['DURATION_SECONDS'] ?? profile.durationSeconds}s`,
      preAllocatedVUs: profile.concurrency,
      maxVUs: profile.concurrency * 4,
    },
  },
  thresholds: {
    'http_req_duration{scenario:ingest}': [`p(95)<${scenario.thresholds.p95Ms}`],
    http_req_failed: [`rate<${scenario.thresholds.maxErrorRate}`],
    // Arrivals k6 could not start for want of a free VU: the system fell behind the rate.
    dropped_iterations: ['count==0'],
  },
};

const params = {
  headers: { 'Content-Type': 'application/json', ...(API_KEY === undefined ? {} : { Authorization: `Bearer ${API_KEY}` }) },
  tags: { name: 'send-single' },
};

export default function (): void {
  const body = JSON.stringify({ ...scenario.order, orderNumber: `${scenario.order['orderNumber']}-${__VU}-${__ITER}` });
  const response = http.post(`${PRODUCER_URL}/producers/send/single`, body, params);
  check(response, {
    'accepted (202)': (r) => r.status === 202,
    'has a logId': (r) => r.status === 202 && typeof r.json('logId') === 'string',
  });
}
