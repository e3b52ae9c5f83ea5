import 'reflect-metadata';
import { createLogger, exitOnStartupFailure, runService } from '@flowcast/common/nest';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('consumer', config.service.logLevel).child({ consumerId: config.service.instanceId });
  await runService({
    name: 'consumer',
    module: AppModule.forRoot(config, logger),
    logger,
    port: config.service.port,
    host: config.service.host,
    shutdownTimeoutMs: config.service.shutdownTimeoutMs,
  });
}

main().catch((error: unknown) => exitOnStartupFailure('consumer', error));
