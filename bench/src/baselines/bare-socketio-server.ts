/**
 * Baseline of the fan-out scenario: a bare socket.io 4 server broadcasting the same events to
 * the same clients as the gateway: the same Redis streams adapter (every broadcast goes
 * through Redis, as across gateway replicas), the same transports and connection state
 * recovery, the same rooms, and the same greeting to each new client. No Nest, no Kafka,
 * no status view: it generates the events itself.
 *
 * Environment: REDIS_URL, REDIS_KEY_PREFIX. IPC:
 * `{ type: 'broadcast', id, ratePerSecond, durationMs }` → `{ type: 'reply', id, emitted, startedAt }`.
 */
import { Redis } from 'ioredis';
import { ROOM_ALL, toSocketEvent } from '@flowcast/common/contracts';
import { constantArrivals } from '../support/http-load.js';
import { LifecycleSequence } from '../support/lifecycle.js';
import { bareIoServer, listenAndAnnounce } from './bare-io-server.js';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const { http, io } = bareIoServer(redis, process.env['REDIS_KEY_PREFIX'] ?? 'bench:');

const sequence = new LifecycleSequence();
process.on('message', (message: { type?: string; id?: number; ratePerSecond?: number; durationMs?: number }) => {
  if (message.type !== 'broadcast') return;
  const startedAt = Date.now();
  let emitted = 0;
  void constantArrivals(message.ratePerSecond!, message.durationMs!, Number.POSITIVE_INFINITY, async (_index, plannedAt) => {
    // Stamped with the planned time, as the harness stamps Flowcast's: a server whose event loop
    // is late to emit must not hide that lateness from the delay its clients measure.
    const event = sequence.next(new Date(performance.timeOrigin + plannedAt));
    const { name, payload } = toSocketEvent(event);
    io.to([ROOM_ALL, `log:${event.logId}`]).emit(name, payload);
    emitted += 1;
  }).then(() => process.send!({ type: 'reply', id: message.id, emitted, startedAt }));
});

listenAndAnnounce(http);
process.once('SIGTERM', () => {
  void io.close();
  redis.disconnect();
  process.exit(0);
});
