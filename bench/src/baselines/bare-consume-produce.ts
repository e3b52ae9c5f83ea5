/**
 * Baseline of the consumer scenario: the simplest worker loop. One group member reads what has
 * been fetched (up to CONSUMER_MAX_BATCH records, the same client options as Flowcast's
 * BatchConsumer: read_committed, the KIP-848 protocol, the same prefetch and fetch wait),
 * parses each envelope, writes the same records a Flowcast worker writes per message (three
 * lifecycle events and one processed order) in one request with the same producer settings
 * (acks=all, idempotent), then commits each partition's last offset. No schema validation,
 * no Nest, no second write per batch.
 *
 * With EXACTLY_ONCE=1 (the end-to-end scenario's bare pipeline), each batch is one transaction
 * in the client's own steps, each after the one before: the group added, the records written,
 * each partition's offset committed, the commit. Its retries come every 2 ms for a second (a
 * transaction begun while the previous one's markers are written is refused until they are,
 * which took over 50 ms on a busy machine). It
 * joins its group with the classic protocol: the client's own transactional offset commit
 * sends the classic generation, which a KIP-848 group refuses (ILLEGAL_GENERATION); Flowcast's
 * BatchConsumer sends the member epoch instead.
 *
 * Environment: KAFKA_BROKERS, GROUP_ID, TOPIC_MESSAGES, TOPIC_MESSAGE_EVENTS,
 * TOPIC_ORDERS_PROCESSED, CONSUMER_MAX_BATCH (1024), CONSUMER_PREFETCH (1024), EXACTLY_ONCE.
 */
import { Consumer, FetchIsolationLevels, stringDeserializer, type Message, type MessageToProduce } from '@platformatic/kafka';
import { baselineProducer } from './producer.js';

const env = process.env;
const brokers = (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const maxBatch = Number(env['CONSUMER_MAX_BATCH'] ?? 1024);
const eventsTopic = env['TOPIC_MESSAGE_EVENTS']!;
const ordersTopic = env['TOPIC_ORDERS_PROCESSED']!;

const exactlyOnce = env['EXACTLY_ONCE'] === '1';
const producer = exactlyOnce
  ? baselineProducer('bench-bare-worker', { retries: 500, retryDelay: 2, transactionalId: `bench-bare-worker-${process.pid}` })
  : // The defaults of Flowcast's JsonProducer, as the worker's OutputPublisher uses it.
    baselineProducer('bench-bare-worker', { retries: 3, retryDelay: 100 });
const consumer = new Consumer<string, Buffer, string, string>({
  clientId: 'bench-bare-worker',
  bootstrapBrokers: brokers,
  groupId: env['GROUP_ID']!,
  groupProtocol: exactlyOnce ? 'classic' : 'consumer',
  deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  maxWaitTime: 200,
  highWaterMark: Number(env['CONSUMER_PREFETCH'] ?? 1024),
});

type Consumed = Message<string, Buffer, string, string>;
type Outgoing = MessageToProduce<string, Buffer, string, string>;

function outputs(message: Consumed, consumerId: string): Outgoing[] {
  const envelope = JSON.parse(message.value!.toString('utf8')) as { logId: string; producedAt: string; dataType: string; records: Array<Record<string, unknown>> };
  const event = (type: string, extra: Record<string, unknown> = {}): Outgoing => ({
    topic: eventsTopic,
    key: envelope.logId,
    value: Buffer.from(JSON.stringify({ type, logId: envelope.logId, timestamp: new Date().toISOString(), dataType: envelope.dataType, consumerId, producedAt: envelope.producedAt, rowCount: envelope.records.length, ...extra })),
  });
  const orders = envelope.records.map((record, index): Outgoing => {
    const quantity = Number(record['quantity']);
    const price = Number(record['price']);
    const value = { logId: envelope.logId, row: index + 1, ...record, quantity, price, lineTotal: Math.round(quantity * price * 100) / 100, processedAt: new Date().toISOString() };
    return { topic: ordersTopic, key: `${envelope.logId}:${index + 1}`, value: Buffer.from(JSON.stringify(value)) };
  });
  return [event('message-received'), event('processing-started'), ...orders, event('processing-completed', { durationMs: 0, attempts: 1 })];
}

const stream = await consumer.consume({ topics: [env['TOPIC_MESSAGES']!], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
process.send?.({ type: 'listening', port: 0 });
process.once('SIGTERM', () => {
  void stream
    .close()
    .then(() => Promise.allSettled([consumer.close(true), producer.close()]))
    .finally(() => process.exit(0));
});

const consumerId = `bare-${process.pid}`;
// A 'readable' listener for the stream's whole life, as in BatchConsumer: without one the
// stream counts as unconsumed and stops fetching.
let wake: (() => void) | undefined;
stream.on('readable', () => wake?.());
for (;;) {
  const batch: Consumed[] = [];
  while (batch.length < maxBatch) {
    const message = stream.read() as Consumed | null;
    if (message === null) break;
    batch.push(message);
  }
  if (batch.length === 0) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (stream.readableLength > 0) resolve();
    });
    wake = undefined;
    continue;
  }
  const messages = batch.flatMap((message) => outputs(message, consumerId));
  const last = new Map<number, Consumed>();
  for (const message of batch) last.set(message.partition, message);
  if (exactlyOnce) {
    const transaction = await producer.beginTransaction();
    await transaction.addConsumer(consumer);
    await transaction.send({ messages });
    await Promise.all([...last.values()].map((message) => transaction.addOffset(message)));
    await transaction.commit();
    continue;
  }
  await producer.send({ messages });
  for (const message of last.values()) void Promise.resolve(message.commit()).catch(() => undefined);
}
