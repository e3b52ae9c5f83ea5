import { Admin, findErrorBy } from '@platformatic/kafka';
import type { KafkaConfig, TopicsConfig } from '../config/shared-environment.js';
import type { TopicRole } from '../contracts/topics.js';
import { baseClientOptions } from './client-options.js';

export interface TopicsReport {
  created: string[];
  existing: string[];
}

/**
 * Creates the topics of `roles` that do not exist yet, with their configured partitions.
 * Topics that exist are left as they are (on Kubernetes, Strimzi owns them).
 */
export async function ensureTopics(
  kafka: KafkaConfig,
  topics: TopicsConfig,
  roles: readonly TopicRole[],
): Promise<TopicsReport> {
  const admin = new Admin(baseClientOptions(kafka, 'admin'));
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = roles.map((role) => topics.specs[role]);
    const created: string[] = [];
    for (const spec of wanted.filter((spec) => !existing.has(spec.name))) {
      try {
        await admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: topics.replicationFactor,
        });
        created.push(spec.name);
      } catch (error) {
        // Another service created it since the listing (the client nests the broker's answer
        // two errors deep: the request's, then the topic's).
        if (!(error instanceof Error) || findErrorBy(error, 'apiId', 'TOPIC_ALREADY_EXISTS') === null) throw error;
        existing.add(spec.name);
      }
    }
    return { created, existing: wanted.filter((spec) => existing.has(spec.name)).map((spec) => spec.name) };
  } finally {
    await admin.close();
  }
}
