import type { KafkaConfig, TopicsConfig } from '../config/shared-environment.js';
import type { TopicRole } from '../contracts/topics.js';
import type { Logger } from '../nest/logging.js';
import { kafkaConfigurationProblem } from './kafka-errors.js';
import { ensureTopics } from './topics.js';

const RETRY_EVERY_MS = 2_000;

/**
 * Creates the service's missing topics at start when configured to (local development),
 * retrying until the cluster answers, without holding up start-up: readiness stays false
 * meanwhile. `ready` resolves once the topics exist.
 */
export class TopicProvisioner {
  readonly ready: Promise<void>;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #resolve!: () => void;

  constructor(
    private readonly kafka: KafkaConfig,
    private readonly topics: TopicsConfig,
    private readonly roles: readonly TopicRole[],
    private readonly logger: Logger,
  ) {
    this.ready = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  start(): void {
    if (!this.topics.createMissing) {
      this.#resolve();
      return;
    }
    void this.#attempt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    try {
      const report = await ensureTopics(this.kafka, this.topics, this.roles);
      if (report.created.length > 0) this.logger.info({ topics: report.created }, 'created topics');
      this.#resolve();
    } catch (error) {
      const problem = kafkaConfigurationProblem(error);
      if (problem === undefined) this.logger.warn({ err: error, retryInMs: RETRY_EVERY_MS }, 'cannot reach Kafka to create topics yet');
      else this.logger.error({ err: error, retryInMs: RETRY_EVERY_MS }, `cannot create topics: ${problem}`);
      this.#timer = setTimeout(() => void this.#attempt(), RETRY_EVERY_MS);
    }
  }
}
