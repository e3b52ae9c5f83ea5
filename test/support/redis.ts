import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ROOT } from './environment.js';

const run = promisify(execFile);

/** A Redis of a test's own (scripts/redis.sh: no persistence, as the chart's default), for tests that stop and restart it. */
export class DedicatedRedis {
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await run(`${ROOT}scripts/redis.sh`, ['start'], { env: { ...process.env, REDIS_PORT: String(this.port) } });
  }

  async stop(): Promise<void> {
    await run(`${ROOT}scripts/redis.sh`, ['stop'], { env: { ...process.env, REDIS_PORT: String(this.port) } });
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(`${ROOT}.local/redis-${this.port}`, { recursive: true, force: true });
  }
}

/** A port for a dedicated Redis, away from the suite's shared one. */
export function dedicatedRedisPort(offset: number): number {
  return Number(process.env['FLOWCAST_TEST_REDIS_PORT'] ?? 16379) + 100 + offset * 10;
}
