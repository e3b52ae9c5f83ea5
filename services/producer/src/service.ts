import 'reflect-metadata';
import { createLogger, runService } from '@flowcast/common/nest';
import type { Telemetry } from '@flowcast/common/telemetry/launch';
import { AppModule } from './app.module.js';
import type { ProducerConfig } from './config.js';
import { installIngestEdge } from './edge/ingest-edge.js';

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
      app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
      await installIngestEdge(app, config, logger);
    },
  });
}
