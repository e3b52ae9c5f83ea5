import { Module, type DynamicModule } from '@nestjs/common';
import { MultipartModule } from '@nestjs/platform-fastify/multipart';
import { KafkaMetrics, KafkaReadiness, TopicProvisioner, TopicsLifecycle } from '@flowcast/common/kafka';
import {
  API_DOCUMENTS,
  ApiDocsController,
  createMetricsRegistry,
  LOGGER,
  METRICS_REGISTRY,
  OperationsController,
  READINESS_CHECKS,
  ShutdownState,
  type Logger,
} from '@flowcast/common/nest';
import { PRODUCER_CONFIG, type ProducerConfig } from './config.js';
import { producerOpenApi } from './docs/openapi.js';
import { IngestController } from './ingest/ingest.controller.js';
import { IngestMetrics } from './ingest/ingest-metrics.js';
import { IngestPublisher } from './ingest/ingest-publisher.js';
import { IngestService } from './ingest/ingest.service.js';

@Module({})
export class AppModule {
  static forRoot(config: ProducerConfig, logger: Logger): DynamicModule {
    const readiness = new KafkaReadiness(config.kafka, [config.topics.names.messages]);
    const registry = createMetricsRegistry('producer');
    return {
      module: AppModule,
      imports: [
        MultipartModule.register({
          limits: { fileSize: config.limits.maxUploadBytes, files: 1, fields: 20, parts: 21 },
        }),
      ],
      controllers: [IngestController, OperationsController, ApiDocsController],
      providers: [
        { provide: PRODUCER_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: KafkaMetrics, useValue: new KafkaMetrics(registry) },
        { provide: READINESS_CHECKS, useValue: [readiness] },
        { provide: API_DOCUMENTS, useValue: { openapi: producerOpenApi(config) } },
        {
          provide: TopicsLifecycle,
          useValue: new TopicsLifecycle(new TopicProvisioner(config.kafka, config.topics, ['messages'], logger), readiness),
        },
        ShutdownState,
        IngestMetrics,
        IngestPublisher,
        IngestService,
      ],
    };
  }
}
