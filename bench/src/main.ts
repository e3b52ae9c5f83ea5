/**
 * `make bench`: measures Flowcast's services against their baselines on the broker and Redis
 * that scripts/bench.sh started, prints the medians and ratios, and writes them as JSON under
 * bench/results/. Benchmarks are not tests: nothing here passes or fails on a figure.
 */
import { loadConfig, type ScenarioName } from './config.js';
import { consumerScenario } from './scenarios/consumer.js';
import { csvScenario } from './scenarios/csv.js';
import { endToEndScenario } from './scenarios/end-to-end.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { ingestScenario } from './scenarios/ingest.js';
import { kafkaClientsScenario } from './scenarios/kafka-clients.js';
import { transactionScenario } from './scenarios/transaction.js';
import { warmUpBroker } from './support/broker-warm-up.js';
import { BenchContext } from './support/context.js';
import { killChildrenOnExit } from './support/processes.js';
import { Report } from './support/report.js';

const SCENARIOS: Record<ScenarioName, (context: BenchContext) => Promise<void>> = {
  ingest: ingestScenario,
  csv: csvScenario,
  'end-to-end': endToEndScenario,
  fanout: fanoutScenario,
  consumer: consumerScenario,
  transaction: transactionScenario,
  'kafka-clients': kafkaClientsScenario,
};

/** How long the broker is put through its paces before the first scenario (see broker-warm-up.ts). */
const BROKER_WARM_UP_SECONDS = 30;

killChildrenOnExit();
const config = loadConfig();
const report = new Report(config.profile);
const context = new BenchContext(config, report);
const failed: string[] = [];
if (config.runsOverride !== undefined && config.runsOverride < 3) report.note(`BENCH_RUNS=${config.runsOverride}: fewer than three runs, the medians are not medians`);
if (Object.keys(config.serviceEnv).length > 0) report.note(`services ran with ${JSON.stringify(config.serviceEnv)}`);
process.stderr.write(`[bench] profile ${config.profile}, scenarios ${config.scenarios.join(', ')}; logs in ${context.logsDir}\n`);
const warmUpStarted = Date.now();
await warmUpBroker(context, config.profile === 'full' ? BROKER_WARM_UP_SECONDS : 2);
process.stderr.write(`[bench] broker warmed up in ${Math.round((Date.now() - warmUpStarted) / 1000)} s\n`);
for (const name of config.scenarios) {
  const started = Date.now();
  report.recordLoad(name);
  process.stderr.write(`[bench] ${name}…\n`);
  try {
    await SCENARIOS[name](context);
    process.stderr.write(`[bench] ${name} done in ${Math.round((Date.now() - started) / 1000)} s\n`);
  } catch (error) {
    failed.push(name);
    report.note(`${name} did not complete: ${error instanceof Error ? error.message : String(error)}`);
    process.stderr.write(`[bench] ${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
await context.kafka.close();
report.print();
process.stdout.write(`results: ${report.write(config.resultsDir)}\n`);
// A scenario that could not run is a broken harness, not a slow product.
process.exit(failed.length === 0 ? 0 : 1);
