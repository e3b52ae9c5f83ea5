import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { ROOT } from './environment.js';

const run = promisify(execFile);

export interface DedicatedBrokerOptions {
  /** `scram`: SASL/SCRAM-SHA-512 only, plain text on the port and TLS on port + 2 (scripts/kafka.sh). */
  security?: 'plaintext' | 'scram';
}

/** The SCRAM user scripts/kafka.sh creates for clients (KAFKA_SCRAM_USERNAME / _PASSWORD defaults). */
export const SCRAM_USER = { username: 'flowcast', password: 'flowcast-secret' } as const;

/** A Kafka broker of a test's own (scripts/kafka.sh), for tests that stop and restart it. */
export class DedicatedBroker {
  constructor(
    readonly port: number,
    readonly options: DedicatedBrokerOptions = {},
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** With security `scram`: the SASL_SSL listener, by the name its certificate carries. */
  get tlsBrokers(): string {
    return `localhost:${this.port + 2}`;
  }

  /** With security `scram`: the CA that signed the broker's certificate (PEM). */
  get caFile(): string {
    return `${ROOT}.local/kafka-${this.port}/tls/ca.pem`;
  }

  #env(): NodeJS.ProcessEnv {
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_SECURITY: this.options.security ?? 'plaintext' };
  }

  async start(): Promise<void> {
    await run(`${ROOT}scripts/kafka.sh`, ['start'], { env: { ...this.#env(), KAFKA_HEAP: '512m' } });
  }

  async stop(): Promise<void> {
    await run(`${ROOT}scripts/kafka.sh`, ['stop'], { env: this.#env() });
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(`${ROOT}.local/kafka-${this.port}`, { recursive: true, force: true });
  }
}

/** A port for a dedicated broker, away from the suite's shared one (each offset owns ten ports). */
export function dedicatedBrokerPort(offset: number): number {
  return Number(process.env['FLOWCAST_TEST_KAFKA_PORT'] ?? 19092) + 100 + offset * 10;
}
