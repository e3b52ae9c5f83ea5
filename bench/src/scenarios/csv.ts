import { openAsBlob } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FormData, type Pool } from 'undici';
import type { CsvScenario } from '#loadtest/scenarios.js';
import type { BenchContext } from '../support/context.js';
import { orderCsvFile } from '../support/csv-files.js';
import { keepAlivePool } from '../support/http-load.js';
import { flowcastTopicSpecs, topicsUnder } from '../support/kafka.js';
import type { MeasuredProcess } from '../support/processes.js';

const MB = 1024 * 1024;

interface UploadFigures {
  rowsPerSecond: number[];
  peakRssMb: number[];
  peakHeapMb: number[];
}

/**
 * CSV rows per second for each file size, from the first byte sent to the 202, and the
 * producer's peak memory during the upload; against a bare script streaming the same file from
 * disk through csv-parse into the same transactional producer.
 */
export async function csvScenario(context: BenchContext): Promise<void> {
  const { file, profile, runs } = context.scenario<CsvScenario>('csv');
  const prefix = context.prefix('csv');
  const topics = topicsUnder(prefix);
  const bareTopic = `${prefix}.bare`;
  await context.kafka.createTopics([...flowcastTopicSpecs(topics), { name: bareTopic, partitions: 6 }]);
  const files = new Map<number, string>();
  for (const rows of profile.rowCounts) files.set(rows, await orderCsvFile(rows));
  const producer = await context.startService('producer', context.serviceEnv(prefix, topics), 'csv-producer');
  const bare = await context.startBenchProcess('baselines/bare-csv-producer.js', 'csv-bare', {
    env: { KAFKA_BROKERS: context.config.kafkaBrokers.join(','), TOPIC: bareTopic },
  });
  const pool = keepAlivePool(producer.url, 1);
  const results = new Map<number, { flowcast: UploadFigures; bare: UploadFigures }>();
  try {
    // One small upload each first: connections, metadata and the transaction coordinator.
    const smallest = files.get(profile.rowCounts[0]!)!;
    await uploadToFlowcast(pool, smallest);
    await bare.request({ type: 'upload', file: smallest });
    for (const rows of profile.rowCounts) {
      const path = files.get(rows)!;
      const figures = { flowcast: emptyFigures(), bare: emptyFigures() };
      results.set(rows, figures);
      for (let run = 0; run < runs; run += 1) {
        await measured(producer, figures.flowcast, rows, () => uploadToFlowcast(pool, path));
        await measured(bare, figures.bare, rows, async () => {
          const reply = await bare.request({ type: 'upload', file: path });
          if (reply['error'] !== undefined || reply['rows'] !== rows) throw new Error(`bare upload of ${rows} rows failed: ${JSON.stringify(reply)}`);
        });
      }
    }
  } finally {
    await pool.close();
    await Promise.allSettled([producer.stop(), bare.stop()]);
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
  const baseline = (runs: number[]) => ({ name: 'bare csv-parse', runs });
  for (const [rows, figures] of results) {
    const common = { scenario: 'csv', case: `${rows.toLocaleString('en-US')} rows` };
    context.report.add({ ...common, measure: 'rows/s', unit: 'rows/s', flowcast: figures.flowcast.rowsPerSecond, baseline: baseline(figures.bare.rowsPerSecond), target: { ratioAtLeast: file.thresholds.minRatioToBaseline } });
    context.report.add({ ...common, measure: 'peak RSS', unit: 'MB', flowcast: figures.flowcast.peakRssMb, baseline: baseline(figures.bare.peakRssMb) });
    context.report.add({ ...common, measure: 'peak heap used', unit: 'MB', flowcast: figures.flowcast.peakHeapMb, baseline: baseline(figures.bare.peakHeapMb) });
  }
  // The memory target compares the two largest files: streaming means memory does not follow size.
  const sizes = [...results.keys()].sort((a, b) => a - b);
  if (sizes.length >= 2) {
    const [smaller, larger] = [results.get(sizes.at(-2)!)!, results.get(sizes.at(-1)!)!];
    const growth = (pick: (figures: { flowcast: UploadFigures; bare: UploadFigures }) => number[]) => pick(larger).map((value, index) => value - (pick(smaller)[index] ?? 0));
    context.report.add({
      scenario: 'csv',
      case: `${sizes.at(-2)!.toLocaleString('en-US')} → ${sizes.at(-1)!.toLocaleString('en-US')} rows`,
      measure: 'peak RSS growth',
      unit: 'MB',
      flowcast: growth((figures) => figures.flowcast.peakRssMb),
      baseline: baseline(growth((figures) => figures.bare.peakRssMb)),
      target: { atMost: file.thresholds.maxPeakMemoryGrowthMb },
    });
  }
}

function emptyFigures(): UploadFigures {
  return { rowsPerSecond: [], peakRssMb: [], peakHeapMb: [] };
}

/** Runs one upload between a reset of the process's peak memory and a reading of it. */
async function measured(process: MeasuredProcess, figures: UploadFigures, rows: number, upload: () => Promise<unknown>): Promise<void> {
  await process.resetPeak();
  const started = performance.now();
  await upload();
  const elapsedMs = performance.now() - started;
  const memory = await process.memory();
  figures.rowsPerSecond.push(rows / (elapsedMs / 1000));
  figures.peakRssMb.push(memory.peakRss / MB);
  figures.peakHeapMb.push(memory.peakHeapUsed / MB);
}

/** Streams the file from disk as multipart field `file`; resolves on the 202. */
async function uploadToFlowcast(pool: Pool, path: string): Promise<void> {
  const form = new FormData();
  form.append('file', await openAsBlob(path, { type: 'text/csv' }), 'orders.csv');
  const response = await pool.request({ method: 'POST', path: '/producers/upload/csv', body: form, headersTimeout: 600_000, bodyTimeout: 600_000 });
  const body = await response.body.text();
  if (response.statusCode !== 202) throw new Error(`upload of ${path} answered ${response.statusCode}: ${body.slice(0, 300)}`);
}
