import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { KafkaReadiness } from './kafka-readiness.js';
import type { TopicProvisioner } from './topic-provisioner.js';

/** A service's Kafka housekeeping: its topics created once the app is up, and its readiness client closed on shutdown. */
export class TopicsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly provisioner: TopicProvisioner,
    private readonly readiness: KafkaReadiness,
  ) {}

  onApplicationBootstrap(): void {
    this.provisioner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.provisioner.stop();
    await this.readiness.close();
  }
}
