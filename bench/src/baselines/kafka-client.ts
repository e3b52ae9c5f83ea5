/**
 * One Kafka client library, driven over IPC so that each library runs in a process of its own:
 * `node kafka-client.js platformatic|kafkajs`.
 *
 * - `{ type: 'produce', id, topic, messages, messageBytes, batchSize }`: writes `messages`
 *   records in requests of `batchSize`, one request in flight, acks=all, idempotent;
 * - `{ type: 'consume', id, topic, groupId, messages }`: reads them from the start in a new
 *   group, timed from the moment the group is joined (partitions assigned) to the last record,
 *   fetches waiting at most 200 ms. Timing from the first record instead would flatter a small
 *   topic that one fetch returns whole.
 *
 * Each answers `{ type: 'reply', id, ms }`. Each library is used through its fastest ordinary
 * API: @platformatic/kafka's message stream, kafkajs's `eachBatch`. kafkajs only speaks the
 * classic group protocol; @platformatic/kafka uses KIP-848's, as Flowcast does (the protocol
 * matters to joining, which is not timed).
 */
import { performance } from 'node:perf_hooks';
import { Consumer, ProduceAcks, Producer, stringDeserializer, stringSerializer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';

interface Request {
  type: 'produce' | 'consume';
  id: number;
  topic: string;
  messages: number;
  messageBytes?: number;
  batchSize?: number;
  groupId?: string;
}

const library = process.argv[2];
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const MAX_WAIT_MS = 200;

function batches(request: Request): Array<Array<{ key: string; value: Buffer }>> {
  const value = Buffer.alloc(request.messageBytes!, 'x');
  const result: Array<Array<{ key: string; value: Buffer }>> = [];
  for (let first = 0; first < request.messages; first += request.batchSize!) {
    const batch = [];
    for (let index = first; index < Math.min(request.messages, first + request.batchSize!); index += 1) batch.push({ key: `key-${index}`, value });
    result.push(batch);
  }
  return result;
}

const platformatic = {
  producer: undefined as Producer<string, Buffer, string, string> | undefined,
  async produce(request: Request): Promise<number> {
    this.producer ??= new Producer({
      clientId: 'bench-platformatic',
      bootstrapBrokers: brokers,
      serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      acks: ProduceAcks.ALL,
      idempotent: true,
    });
    const requests = batches(request);
    const started = performance.now();
    for (const batch of requests) await this.producer.send({ messages: batch.map((message) => ({ topic: request.topic, ...message })) });
    return performance.now() - started;
  },
  async consume(request: Request): Promise<number> {
    const consumer = new Consumer<string, Buffer, string, string>({
      clientId: 'bench-platformatic',
      bootstrapBrokers: brokers,
      groupId: request.groupId!,
      groupProtocol: 'consumer',
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      maxWaitTime: MAX_WAIT_MS,
    });
    try {
      // consume() resolves once the group is joined and the partitions assigned.
      const stream = await consumer.consume({ topics: [request.topic], mode: 'earliest', autocommit: false });
      const started = performance.now();
      let received = 0;
      const elapsed = await new Promise<number>((resolve) => {
        stream.on('data', () => {
          received += 1;
          if (received === request.messages) resolve(performance.now() - started);
        });
      });
      await stream.close();
      return elapsed;
    } finally {
      await consumer.close(true);
    }
  },
};

const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
const kafkajs = {
  producer: undefined as ReturnType<Kafka['producer']> | undefined,
  async produce(request: Request): Promise<number> {
    if (this.producer === undefined) {
      this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    const requests = batches(request);
    const started = performance.now();
    for (const batch of requests) await this.producer.send({ topic: request.topic, acks: -1, messages: batch });
    return performance.now() - started;
  },
  async consume(request: Request): Promise<number> {
    const consumer = kafka.consumer({ groupId: request.groupId!, maxWaitTimeInMs: MAX_WAIT_MS });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: request.topic, fromBeginning: true });
      let received = 0;
      let started = 0;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        started = performance.now();
      });
      return await new Promise<number>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              received += batch.messages.length;
              if (received >= request.messages) resolve(performance.now() - started);
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
  },
};

const client = library === 'kafkajs' ? kafkajs : library === 'platformatic' ? platformatic : undefined;
if (client === undefined) throw new Error('usage: kafka-client.js platformatic|kafkajs');
process.on('message', (request: Request) => {
  const work = request.type === 'produce' ? client.produce(request) : client.consume(request);
  work.then(
    (ms) => process.send!({ type: 'reply', id: request.id, ms }),
    (error: unknown) => process.send!({ type: 'reply', id: request.id, error: String(error) }),
  );
});
process.send?.({ type: 'listening', port: 0 });
process.once('SIGTERM', () => process.exit(0));
