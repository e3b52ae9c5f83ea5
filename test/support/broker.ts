import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { ROOT } from './environment.js';

const run = promisify(execFile);

/** A Kafka broker of a test's own (scripts/kafka.sh), for tests that stop and restart it. */
export class DedicatedBroker {
  constructor(readonly port: number) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await run(`${ROOT}scripts/kafka.sh`, ['start'], { env: { ...process.env, KAFKA_PORT: String(this.port), KAFKA_HEAP: '512m' } });
  }

  async stop(): Promise<void> {
    await run(`${ROOT}scripts/kafka.sh`, ['stop'], { env: { ...process.env, KAFKA_PORT: String(this.port) } });
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(`${ROOT}.local/kafka-${this.port}`, { recursive: true, force: true });
  }
}

/** A port for a dedicated broker, away from the suite's shared one. */
export function dedicatedBrokerPort(offset: number): number {
  return Number(process.env['FLOWCAST_TEST_KAFKA_PORT'] ?? 19092) + 100 + offset * 10;
}
