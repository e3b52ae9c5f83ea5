import { Redis } from 'ioredis';
import { ReadinessProblem, type ReadinessCheck } from '@flowcast/common/nest';

/** Injection token of the gateway's Redis client, `null` when running without Redis. */
export const REDIS_CLIENT = Symbol('flowcast.redis-client');

/**
 * One connection for commands (status view, adapter publishing); the adapter adds its readers
 * (duplicates of this one, with its credentials). `password` wins over the URL's.
 */
export function createRedisClient(url: string, password?: string): Redis {
  return new Redis(url, {
    ...(password === undefined ? {} : { password }),
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
    if (this.redis.status !== 'ready') throw new ReadinessProblem(`connection ${this.redis.status}`);
    await this.redis.ping();
  }
}
