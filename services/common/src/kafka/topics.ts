import { Admin } from '@platformatic/kafka';
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
    const missing = wanted.filter((spec) => !existing.has(spec.name));
    for (const spec of missing) {
      try {
        await admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: topics.replicationFactor,
        });
      } catch (error) {
        // Another service may have created it in the meantime.
        if (!String((error as Error).message).includes('already exists') && !hasTopicAlreadyExists(error)) throw error;
      }
    }
    return {
      created: missing.map((spec) => spec.name),
      existing: wanted.filter((spec) => existing.has(spec.name)).map((spec) => spec.name),
    };
  } finally {
    await admin.close();
  }
}

function hasTopicAlreadyExists(error: unknown): boolean {
  const errors = error instanceof AggregateError ? error.errors : [error];
  return errors.some(
    (inner) => typeof inner === 'object' && inner !== null && 'apiId' in inner && inner.apiId === 'TOPIC_ALREADY_EXISTS',
  );
}
