import 'reflect-metadata';
import { createLogger, runService } from '@flowcast/common/nest';
import type { Telemetry } from '@flowcast/common/telemetry/launch';
import { AppModule } from './app.module.js';
import type { ConsumerConfig } from './config.js';

/** The consumer application; `main.ts` imports it once telemetry runs. */
export async function run(config: ConsumerConfig, telemetry: Telemetry): Promise<void> {
  const logger = createLogger('consumer', config.service.logLevel).child({ consumerId: config.service.instanceId });
  await runService({
    name: 'consumer',
    module: AppModule.forRoot(config, logger),
    logger,
    service: config.service,
    telemetry,
  });
}
