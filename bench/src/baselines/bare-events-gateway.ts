/**
 * The gateway of the bare pipeline (baseline of the end-to-end scenario): one consumer of the
 * lifecycle events topic, with the gateway's read_committed isolation, group protocol and fetch
 * wait, emitting each event as it is read to the rooms the gateway uses, through the bare
 * Socket.IO server (`bare-io-server.ts`: the Redis streams adapter when REDIS_URL is set).
 * Offsets are committed automatically; no status view, no deduplication, no broadcast record.
 *
 * Environment: KAFKA_BROKERS, TOPIC_MESSAGE_EVENTS, GROUP_ID, REDIS_URL, REDIS_KEY_PREFIX.
 */
import { Consumer, FetchIsolationLevels, stringDeserializer, type Message } from '@platformatic/kafka';
import { Redis } from 'ioredis';
import { ROOM_ALL, toSocketEvent, type LifecycleEvent } from '@flowcast/common/contracts';
import { bareIoServer, listenAndAnnounce } from './bare-io-server.js';

const env = process.env;
const redis = env['REDIS_URL'] === undefined ? undefined : new Redis(env['REDIS_URL']);
const { http, io } = bareIoServer(redis, env['REDIS_KEY_PREFIX'] ?? 'bench:');

const consumer = new Consumer<string, Buffer, string, string>({
  clientId: 'bench-bare-gateway',
  bootstrapBrokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
  groupId: env['GROUP_ID']!,
  groupProtocol: 'consumer',
  deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  maxWaitTime: 100,
});
const stream = await consumer.consume({ topics: [env['TOPIC_MESSAGE_EVENTS']!], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
stream.on('data', (message: Message<string, Buffer, string, string>) => {
  const event = JSON.parse(message.value!.toString('utf8')) as LifecycleEvent;
  const { name, payload } = toSocketEvent(event);
  const rooms = [ROOM_ALL, `log:${event.logId}`];
  if (event.uploadId !== undefined) rooms.push(`upload:${event.uploadId}`);
  (io.to(rooms).emit as (event: string, payload: unknown) => boolean)(name, payload);
});

listenAndAnnounce(http);
process.once('SIGTERM', () => {
  void stream
    .close()
    .then(() => Promise.allSettled([consumer.close(true), io.close()]))
    .finally(() => {
      redis?.disconnect();
      process.exit(0);
    });
});
