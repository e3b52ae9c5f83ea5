import { Consumer, ProduceAcks, Producer, stringDeserializer, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
import type { BenchContext } from './context.js';

type WarmUpRecord = MessageToProduce<string, Buffer, string, string>;

/**
 * How the warm-up's clients retry, where the client's default gives up after four attempts a
 * second apart: a broker restarted over its own history loads `__consumer_offsets` and
 * `__transaction_state` after it says it started, answering COORDINATOR_LOAD_IN_PROGRESS
 * meanwhile (`make bench` right after another, which stopped the broker it started: the group's
 * join failed four times and the harness exited). A minute, a second apart.
 */
const WHILE_COORDINATORS_LOAD = { retries: 60, retryDelay: 1_000 };

/**
 * Puts the broker through what the scenarios ask of it before the first one is measured: single
 * acknowledged writes, transactions and a consumer group's commits. A broker just started runs
 * interpreted for its first minutes and creates `__transaction_state` and `__consumer_offsets` on
 * their first use; whichever scenario came first paid for it (ingest, the first, measured 0.76 in
 * a full run against 0.83 twice on a broker used before; the first end-to-end run on a new broker
 * had a p50 of 3.1 s). Nothing here is measured or reported.
 */
export async function warmUpBroker(context: BenchContext, seconds: number): Promise<void> {
  const brokers = context.config.kafkaBrokers;
  const prefix = context.prefix('warmup');
  const topic = `${prefix}.records`;
  await context.kafka.createTopics([{ name: topic, partitions: 6 }]);
  const options = {
    ...WHILE_COORDINATORS_LOAD,
    bootstrapBrokers: brokers,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    acks: ProduceAcks.ALL,
    idempotent: true,
  };
  const single = new Producer<string, Buffer, string, string>({ ...options, clientId: 'flowcast-bench-warmup' });
  const transactional = new Producer<string, Buffer, string, string>({
    ...options,
    clientId: 'flowcast-bench-warmup-txn',
    transactionalId: `${prefix}-txn`,
    // A transactional id the broker knows needs -1 here (see JsonProducer).
    producerId: -1n,
    producerEpoch: -1,
  });
  const consumer = new Consumer<string, Buffer, string, string>({
    ...WHILE_COORDINATORS_LOAD,
    clientId: 'flowcast-bench-warmup',
    bootstrapBrokers: brokers,
    groupId: `${prefix}-group`,
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  const record = (index: number): WarmUpRecord => ({ topic, key: `warmup-${index}`, value: Buffer.from(JSON.stringify({ index, padding: 'x'.repeat(200) })) });
  const deadline = Date.now() + seconds * 1000;
  let written = 0;
  try {
    const singles = async () => {
      while (Date.now() < deadline) await single.send({ messages: [record((written += 1))] });
    };
    const transactions = async () => {
      while (Date.now() < deadline) {
        const transaction = await transactional.beginTransaction();
        await transaction.send({ messages: Array.from({ length: 50 }, () => record((written += 1))) });
        await transaction.commit();
      }
    };
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const commits = async () => {
      for await (const message of stream) {
        await message.commit();
        if (Date.now() >= deadline) break;
      }
    };
    await Promise.all([...Array.from({ length: 16 }, singles), transactions(), commits()]);
    await stream.close();
  } finally {
    await Promise.allSettled([single.close(), transactional.close(), consumer.close(true)]);
    await context.kafka.deleteTopics(prefix).catch(() => undefined);
  }
}
