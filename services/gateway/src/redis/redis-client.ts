import { Redis } from 'ioredis';
import type { ReadinessCheck } from '@flowcast/common/nest';

/** Injection token of the gateway's Redis client, `null` when running without Redis. */
export const REDIS_CLIENT = Symbol('flowcast.redis-client');

/** One connection for commands (status view, adapter publishing); the adapter adds its readers. */
export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    // Commands wait through a short outage, then fail so that the caller can retry the batch.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: 'flowcast-gateway',
  });
}

export class RedisReadiness implements ReadinessCheck {
  readonly name = 'redis';
  constructor(private readonly redis: Redis) {}
  async check(): Promise<void> {
    if (this.redis.status !== 'ready') throw new Error(`connection ${this.redis.status}`);
    await this.redis.ping();
  }
}
