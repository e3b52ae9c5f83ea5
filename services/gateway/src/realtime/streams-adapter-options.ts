import type { RedisStreamsAdapterOptions } from '@socket.io/redis-streams-adapter';
import type { GatewayConfig } from '../config.js';

/**
 * The Redis streams adapter's options, from the gateway's configuration: the stream every
 * replica reads (and the status view appends lifecycle events to), its sessions and channels
 * under the key prefix, text-only entries.
 */
export function streamsAdapterOptions(redis: NonNullable<GatewayConfig['redis']>, socket: GatewayConfig['socket']) {
  return {
    streamName: `${redis.keyPrefix}socket.io`,
    sessionKeyPrefix: `${redis.keyPrefix}sio:session:`,
    channelPrefix: `${redis.keyPrefix}socket.io`,
    maxLen: socket.streamMaxLen,
    onlyPlaintext: true,
  } satisfies Partial<RedisStreamsAdapterOptions>;
}
