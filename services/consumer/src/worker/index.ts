/**
 * A worker's batch handling without the service around it: what the bench harness needs to
 * time a batch in its own process (`bench/src/scenarios/transaction.ts`).
 */
export { loadConfig, type ConsumerConfig } from '../config.js';
export { OrderProcessor } from '../processing/order-processor.js';
export { BatchHandler, type IncomingMessage } from './batch-handler.js';
export { OutputPublisher } from './output-publisher.js';
export { WorkerMetrics } from './worker-metrics.js';
