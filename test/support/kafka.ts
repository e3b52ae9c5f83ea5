import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { KafkaConfig } from '@flowcast/common/config';
import { testEnvironment } from './environment.js';

const brokers = testEnvironment.kafkaBrokers.split(',');

/** The services' Kafka settings for the test broker, for tests that use the common Kafka classes directly. */
export function testKafkaConfig(clientId: string): KafkaConfig {
  return { brokers, clientId, connectTimeoutMs: 5_000, requestTimeoutMs: 10_000, maxMessageBytes: 1_048_576, groupProtocol: 'consumer' };
}

export interface ReadRecord {
  key: string;
  value: string;
  partition: number;
  offset: bigint;
  headers: Map<string, string>;
}

/**
 * Reads a topic from the start, as a downstream user would (read_committed by default), until
 * `expected` records arrived or nothing new came for `idleMs`.
 */
export async function readTopic(
  topic: string,
  { expected, idleMs = 2_000, committedOnly = true, from = brokers }: { expected?: number; idleMs?: number; committedOnly?: boolean; from?: string[] } = {},
): Promise<ReadRecord[]> {
  const consumer = new Consumer({
    groupId: `test-reader-${Math.random().toString(36).slice(2)}`,
    clientId: 'test-reader',
    bootstrapBrokers: from,
    deserializers: stringDeserializers,
    isolationLevel: committedOnly ? 1 : 0,
    maxWaitTime: 200,
  });
  const records: ReadRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    let idle: NodeJS.Timeout = setTimeout(() => void stream.close(), idleMs);
    for await (const message of stream) {
      records.push({
        key: message.key,
        value: message.value,
        partition: message.partition,
        offset: message.offset,
        headers: message.headers,
      });
      clearTimeout(idle);
      if (expected !== undefined && records.length >= expected) break;
      idle = setTimeout(() => void stream.close(), idleMs);
    }
    clearTimeout(idle);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return records;
}

/** Writes one record as it is, bypassing the producer service (poison messages). */
export async function produceRaw(topic: string, key: string, value: string): Promise<void> {
  const producer = new Producer({ clientId: 'test-writer', bootstrapBrokers: brokers, serializers: stringSerializers });
  try {
    await producer.send({ messages: [{ topic, key, value }] });
  } finally {
    await producer.close();
  }
}

export async function createTopic(topic: string, partitions: number): Promise<void> {
  await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions, replicas: 1 }));
}

async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: brokers });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** Sum of the partitions' end offsets: 0 means nothing was ever written to the topic. */
export async function endOffsetTotal(topic: string): Promise<bigint> {
  return withAdmin(async (admin) => {
    const listed = await admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: await partitionCountWith(admin, topic) }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
    });
    return listed.flatMap((entry) => entry.partitions).reduce((sum, partition) => sum + partition.offset, 0n);
  });
}

async function partitionCountWith(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.metadata({ topics: [topic] });
  return metadata.topics.get(topic)?.partitionsCount ?? 0;
}

export function partitionCount(topic: string): Promise<number> {
  return withAdmin((admin) => partitionCountWith(admin, topic));
}

export async function deleteTopics(topics: readonly string[]): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  });
}

/** Per partition, the end offset of a topic (after its last record or transaction marker). */
export async function endOffsets(topic: string): Promise<bigint[]> {
  return withAdmin(async (admin) => {
    const count = await partitionCountWith(admin, topic);
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
    const ends = Array.from({ length: count }, () => 0n);
    for (const partition of listed.flatMap((entry) => entry.partitions)) ends[partition.partitionIndex] = partition.offset;
    return ends;
  });
}

/** Per partition, the offset a consumer group committed on a topic (-1: none), as lag exporters read it. */
export async function committedOffsets(groupId: string, topic: string): Promise<bigint[]> {
  return withAdmin(async (admin) => {
    const count = await partitionCountWith(admin, topic);
    const [group] = await admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: count }, (_, index) => index) }] }] });
    const committed = Array.from({ length: count }, () => -1n);
    for (const partition of group?.topics.find((entry) => entry.name === topic)?.partitions ?? []) committed[partition.partitionIndex] = partition.committedOffset;
    return committed;
  });
}
