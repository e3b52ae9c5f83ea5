import { Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { KafkaMetrics, KafkaReadiness, TopicProvisioner } from '@flowcast/common/kafka';
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
  type ReadinessCheck,
} from '@flowcast/common/nest';
import { GatewayAuth } from './auth/gateway-auth.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.js';
import { DashboardController } from './dashboard/dashboard.js';
import { flowcastAsyncApi } from './docs/asyncapi.js';
import { gatewayOpenApi } from './docs/openapi.js';
import { LifecycleEventsConsumer } from './events/lifecycle-events-consumer.js';
import { Broadcaster } from './realtime/broadcaster.js';
import { ClientLimits } from './realtime/client-limits.js';
import { RealtimeGateway } from './realtime/realtime.gateway.js';
import { createRedisClient, REDIS_CLIENT, RedisReadiness } from './redis/redis-client.js';
import { GatewayMetrics } from './stats/gateway-metrics.js';
import { StatsService } from './stats/stats.service.js';
import { MemoryStatusView } from './status/memory-status-view.js';
import { RedisStatusView } from './status/redis-status-view.js';
import { StatusController } from './status/status.controller.js';
import { STATUS_VIEW, type StatusView } from './status/status-view.js';

/** Closes what the module created outside Nest, after everything that uses it has stopped. */
class ConnectionsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly provisioner: TopicProvisioner,
    private readonly kafka: KafkaReadiness,
    private readonly view: StatusView,
    private readonly redis: Redis | undefined,
  ) {}
  onApplicationBootstrap(): void {
    this.provisioner.start();
  }
  async onApplicationShutdown(): Promise<void> {
    this.provisioner.stop();
    await Promise.allSettled([this.kafka.close(), this.view.close()]);
    await this.redis?.quit().catch(() => undefined);
  }
}

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    const redis = config.redis === undefined ? undefined : createRedisClient(config.redis.url, config.redis.password);
    const view: StatusView =
      redis === undefined || config.redis === undefined
        ? new MemoryStatusView(config.statusTtlSeconds)
        : new RedisStatusView(redis, config.redis.keyPrefix, config.statusTtlSeconds);
    const registry = createMetricsRegistry('gateway');
    const provisioner = new TopicProvisioner(config.kafka, config.topics, ['messageEvents'], logger);
    const kafka = new KafkaReadiness(config.kafka, [config.topics.names.messageEvents]);
    const checks: ReadinessCheck[] = redis === undefined ? [kafka] : [kafka, new RedisReadiness(redis)];
    return {
      module: AppModule,
      controllers: [StatusController, OperationsController, DashboardController, ApiDocsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: KafkaMetrics, useValue: new KafkaMetrics(registry) },
        {
          provide: API_DOCUMENTS,
          useValue: {
            openapi: gatewayOpenApi({ socketAuth: config.auth !== undefined }),
            asyncapi: flowcastAsyncApi(config.topics.names, { socketAuth: config.auth !== undefined }),
          },
        },
        { provide: REDIS_CLIENT, useValue: redis ?? null },
        { provide: STATUS_VIEW, useValue: view },
        { provide: TopicProvisioner, useValue: provisioner },
        { provide: ConnectionsLifecycle, useValue: new ConnectionsLifecycle(provisioner, kafka, view, redis) },
        {
          provide: READINESS_CHECKS,
          useFactory: (events: LifecycleEventsConsumer) => [...checks, events],
          inject: [LifecycleEventsConsumer],
        },
        ShutdownState,
        GatewayAuth,
        ClientLimits,
        RealtimeGateway,
        Broadcaster,
        LifecycleEventsConsumer,
        GatewayMetrics,
        StatsService,
      ],
    };
  }
}
