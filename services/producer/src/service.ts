import 'reflect-metadata';
import { createLogger, runService } from '@flowcast/common/nest';
import type { Telemetry } from '@flowcast/common/telemetry/launch';
import { AppModule } from './app.module.js';
import type { ProducerConfig } from './config.js';
import { installIngestEdge } from './edge/ingest-edge.js';
import { IngestService } from './ingest/ingest.service.js';
import { registerSingleRoute } from './ingest/single-route.js';

/** The producer application; `main.ts` imports it once telemetry runs. */
export async function run(config: ProducerConfig, telemetry: Telemetry): Promise<void> {
  const logger = createLogger('producer', config.service.logLevel);
  await runService({
    name: 'producer',
    module: AppModule.forRoot(config, logger),
    logger,
    service: config.service,
    telemetry,
    bodyLimit: config.limits.maxBodyBytes,
    // Node.js' own deadline is a backstop: the edge answers 408 with an error body first.
    http: { trustProxy: config.edge.trustProxy, requestTimeoutMs: config.edge.requestTimeoutMs + 10_000 },
    // Browser pages of other origins (the dashboard, served by the gateway) send and upload here.
    cors: { origins: config.corsOrigins, exposedHeaders: ['Retry-After'] },
    configure: async (app) => {
      // Only JSON and multipart are accepted; anything else is a 415, not a string body.
      const fastify = app.getHttpAdapter().getInstance();
      fastify.removeContentTypeParser('text/plain');
      // The edge first: its route hooks attach to the ingest routes registered after it.
      await installIngestEdge(app, config, logger);
      registerSingleRoute(fastify, app.get(IngestService));
    },
  });
}
