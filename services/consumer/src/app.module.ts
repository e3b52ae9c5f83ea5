import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaMetrics, KafkaReadiness, TopicProvisioner, TopicsLifecycle } from '@flowcast/common/kafka';
import {
  createMetricsRegistry,
  LOGGER,
  METRICS_REGISTRY,
  OperationsController,
  READINESS_CHECKS,
  ShutdownState,
  type Logger,
} from '@flowcast/common/nest';
import { CONSUMER_CONFIG, type ConsumerConfig } from './config.js';
import { OrderProcessor } from './processing/order-processor.js';
import { PROCESSORS } from './processing/processor.js';
import { BatchHandler } from './worker/batch-handler.js';
import { MessageWorker } from './worker/message-worker.js';
import { OutputPublisher } from './worker/output-publisher.js';
import { WorkerMetrics } from './worker/worker-metrics.js';

@Module({})
export class AppModule {
  static forRoot(config: ConsumerConfig, logger: Logger): DynamicModule {
    const { names } = config.topics;
    const provisioner = new TopicProvisioner(
      config.kafka,
      config.topics,
      ['messages', 'messageEvents', 'ordersProcessed', 'deadLetter'],
      logger,
    );
    const registry = createMetricsRegistry('consumer');
    const readiness = new KafkaReadiness(config.kafka, [names.messages, names.messageEvents, names.ordersProcessed, names.deadLetter]);
    return {
      module: AppModule,
      controllers: [OperationsController],
      providers: [
        { provide: CONSUMER_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: KafkaMetrics, useValue: new KafkaMetrics(registry) },
        { provide: TopicProvisioner, useValue: provisioner },
        { provide: TopicsLifecycle, useValue: new TopicsLifecycle(provisioner, readiness) },
        { provide: PROCESSORS, useValue: [new OrderProcessor(names.ordersProcessed)] },
        {
          provide: READINESS_CHECKS,
          useFactory: (worker: MessageWorker) => [readiness, worker],
          inject: [MessageWorker],
        },
        ShutdownState,
        OutputPublisher,
        WorkerMetrics,
        BatchHandler,
        MessageWorker,
      ],
    };
  }
}
