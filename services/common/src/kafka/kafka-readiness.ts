import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from '../config/shared-environment.js';
import { ReadinessProblem, type ReadinessCheck } from '../nest/operations.js';
import { baseClientOptions } from './client-options.js';
import { kafkaConfigurationProblem } from './kafka-errors.js';

/** Ready when the cluster answers a metadata request for the topics the service uses. */
export class KafkaReadiness implements ReadinessCheck {
  readonly name = 'kafka';
  readonly #admin: Admin;

  constructor(
    kafka: KafkaConfig,
    private readonly topics: readonly string[],
  ) {
    this.#admin = new Admin({ ...baseClientOptions(kafka, 'readiness'), retries: 0 });
  }

  async check(): Promise<void> {
    const metadata = await this.#admin.metadata({ topics: [...this.topics], forceUpdate: true }).catch((error: unknown) => {
      const problem = kafkaConfigurationProblem(error);
      throw problem === undefined ? error : new ReadinessProblem(problem, { cause: error });
    });
    const missing = this.topics.filter((topic) => !metadata.topics.has(topic));
    if (missing.length > 0) throw new ReadinessProblem(`topics missing: ${missing.join(', ')}`);
  }

  async close(): Promise<void> {
    await this.#admin.close();
  }
}
