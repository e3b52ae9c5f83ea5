import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { TopicsConfig } from '@flowcast/common/config';
import { ensureTopics } from '@flowcast/common/kafka';
import { deleteTopics, partitionCount, testKafkaConfig } from './support/kafka.js';

/**
 * `make dev` starts the three services at once on an empty broker, and each creates the topics
 * it uses: one of them loses the race for a topic the others create meanwhile.
 */
describe('topics created by several services at once', () => {
  const prefix = `test-provisioning-${randomUUID().slice(0, 8)}`;
  const topics: TopicsConfig = {
    names: { messages: `${prefix}.messages`, messageEvents: `${prefix}.events`, ordersProcessed: `${prefix}.orders`, deadLetter: `${prefix}.dlq` },
    specs: {
      messages: { name: `${prefix}.messages`, partitions: 3 },
      messageEvents: { name: `${prefix}.events`, partitions: 2 },
      ordersProcessed: { name: `${prefix}.orders`, partitions: 2 },
      deadLetter: { name: `${prefix}.dlq`, partitions: 1 },
    },
    replicationFactor: 1,
    createMissing: true,
  };

  after(() => deleteTopics(Object.values(topics.names)));

  it('exist once every creator resolves, and a creator that lost the race is not failed by it', async () => {
    const roles = ['messages', 'messageEvents'] as const;
    const creators = Array.from({ length: 4 }, (_, index) => ensureTopics(testKafkaConfig(`test-provisioning-${index}`), topics, roles));
    const reports = await Promise.all(creators);
    // Each topic was created by exactly one of them; the others found it existing or lost the race.
    for (const role of roles) {
      const name = topics.specs[role].name;
      assert.equal(reports.filter((report) => report.created.includes(name)).length, 1, `${name} created once`);
      assert.equal(await partitionCount(name), topics.specs[role].partitions);
    }
  });
});
