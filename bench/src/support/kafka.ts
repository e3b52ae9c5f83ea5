import { Admin, ProduceAcks, Producer, stringSerializer } from '@platformatic/kafka';
import type { TopicNames } from '@flowcast/common/contracts';

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** The harness's own admin connection: topics of each scenario, group offsets while measuring. */
export class BenchKafka {
  readonly #admin: Admin;

  constructor(readonly brokers: string[]) {
    this.#admin = new Admin({ clientId: 'flowcast-bench-admin', bootstrapBrokers: brokers });
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.#admin.listTopics());
    for (const topic of topics) {
      if (!existing.has(topic.name)) await this.#admin.createTopics({ topics: [topic.name], partitions: topic.partitions, replicas: 1 });
    }
  }

  /** Deletes every topic whose name starts with `prefix` (a scenario's, after it ran). */
  async deleteTopics(prefix: string): Promise<void> {
    const topics = (await this.#admin.listTopics()).filter((name) => name.startsWith(prefix));
    if (topics.length > 0) await this.#admin.deleteTopics({ topics });
  }

  /** Sum over the topic's partitions of the offsets `groupId` committed (0 before its first commit). */
  async committed(groupId: string, topic: string): Promise<number> {
    const groups = await this.#admin.listConsumerGroupOffsets({ groups: [groupId] });
    let total = 0n;
    for (const entry of groups.flatMap((group) => group.topics).filter((candidate) => candidate.name === topic)) {
      for (const partition of entry.partitions) if (partition.committedOffset > 0n) total += partition.committedOffset;
    }
    return Number(total);
  }

  /** Offsets written to `topic` (sum of its partitions' end offsets): its records, plus a marker per transaction and partition. */
  async written(topic: string, partitions: number): Promise<number> {
    const listed = await this.#admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
    });
    return Number(listed.flatMap((entry) => entry.partitions).reduce((total, partition) => total + partition.offset, 0n));
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }
}

/** Topic names of one measurement, all under `prefix`, so that cleanup is one prefix. */
export function topicsUnder(prefix: string): TopicNames {
  return {
    messages: `${prefix}.messages`,
    messageEvents: `${prefix}.message-events`,
    ordersProcessed: `${prefix}.orders.processed`,
    deadLetter: `${prefix}.messages.dlq`,
  };
}

/** The partitions Flowcast's defaults give each topic (TOPIC_*_PARTITIONS). */
export function flowcastTopicSpecs(topics: TopicNames): TopicSpec[] {
  return [
    { name: topics.messages, partitions: 6 },
    { name: topics.messageEvents, partitions: 6 },
    { name: topics.ordersProcessed, partitions: 6 },
    { name: topics.deadLetter, partitions: 1 },
  ];
}

/**
 * Writes `count` records to `topic` as fast as the broker takes them (requests of 500, four in
 * flight): the input of the consumer scenarios, written before the clock starts.
 */
export async function fillTopic(brokers: string[], topic: string, count: number, record: (index: number) => { key: string; value: Buffer }): Promise<void> {
  const producer = new Producer<string, Buffer, string, string>({
    clientId: 'flowcast-bench-fill',
    bootstrapBrokers: brokers,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    acks: ProduceAcks.ALL,
  });
  try {
    const REQUEST = 500;
    const IN_FLIGHT = 4;
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const first = next;
        next = Math.min(count, next + REQUEST);
        const messages = [];
        for (let index = first; index < next; index += 1) messages.push({ topic, ...record(index) });
        await producer.send({ messages });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  } finally {
    await producer.close();
  }
}
