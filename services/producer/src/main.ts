import 'reflect-metadata';
import { createLogger, exitOnStartupFailure, runService } from '@flowcast/common/nest';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('producer', config.service.logLevel);
  await runService({
    name: 'producer',
    module: AppModule.forRoot(config, logger),
    logger,
    port: config.service.port,
    host: config.service.host,
    shutdownTimeoutMs: config.service.shutdownTimeoutMs,
    bodyLimit: config.limits.maxBodyBytes,
    configure: (app) => {
      // Only JSON and multipart are accepted; anything else is a 415, not a string body.
      app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
    },
  });
}

main().catch((error: unknown) => exitOnStartupFailure('producer', error));
