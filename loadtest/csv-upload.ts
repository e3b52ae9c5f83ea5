/**
 * k6: CSV uploads at a constant rate, against a running Flowcast. Each upload sends a file of
 * `k6Rows` generated orders, or the file named by CSV_FILE (its data rows counted here).
 *
 *   k6 run loadtest/csv-upload.ts
 *   k6 run -e PRODUCER_URL=http://flowcast.example:3000 -e CSV_FILE=/data/orders.csv loadtest/csv-upload.ts
 *
 * k6 resolves a relative CSV_FILE against this script's folder, not the working directory.
 *
 * Reports `csv_rows_per_second` per upload; fails when the upload p95 or the error rate miss the
 * scenario's thresholds.
 */
import { check } from 'k6';
import http from 'k6/http';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { orderCsv } from './lib/orders.ts';
import { profileOf, type CsvScenario } from './lib/scenarios.ts';

const scenario = JSON.parse(open('./scenarios/csv.json')) as CsvScenario;
const profile = profileOf(scenario, __ENV['PROFILE']);
const PRODUCER_URL = (__ENV['PRODUCER_URL'] ?? 'http://localhost:3000').replace(/\/+$/, '');
/** One of the producer's API_KEYS, where it has some (the Helm chart's default). */
const API_KEY = __ENV['API_KEY'];

// Built once per VU in the init context; a file of 10 000 rows is about 400 kB.
const content = __ENV['CSV_FILE'] === undefined ? orderCsv(profile.k6Rows, `K6${__VU}`) : open(__ENV['CSV_FILE']);
const dataRows = content.split('\n').filter((line) => line.trim() !== '').length - 1;

const rowsPerSecond = new Trend('csv_rows_per_second');

export const options: Options = {
  scenarios: {
    uploads: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV['UPLOADS_PER_MINUTE'] ?? profile.uploadsPerMinute),
      timeUnit: '1m',
      duration: `${__ENV['DURATION_SECONDS'] ?? profile.durationSeconds}s`,
      preAllocatedVUs: 4,
      maxVUs: 16,
    },
  },
  thresholds: {
    'http_req_duration{scenario:uploads}': [`p(95)<${scenario.thresholds.uploadP95Ms}`],
    http_req_failed: [`rate<${scenario.thresholds.maxErrorRate}`],
  },
};

export default function (): void {
  const response = http.post(`${PRODUCER_URL}/producers/upload/csv`, { file: http.file(content, 'orders.csv', 'text/csv') }, {
    tags: { name: 'upload-csv' },
    timeout: '300s',
    ...(API_KEY === undefined ? {} : { headers: { Authorization: `Bearer ${API_KEY}` } }),
  });
  const accepted = check(response, {
    'accepted (202)': (r) => r.status === 202,
    'every row counted': (r) => r.status === 202 && r.json('totalRows') === dataRows,
  });
  if (accepted && response.timings.duration > 0) rowsPerSecond.add(dataRows / (response.timings.duration / 1000));
}
