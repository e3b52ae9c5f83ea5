import 'reflect-metadata';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { createLogger, runService } from '@flowcast/common/nest';
import type { Telemetry } from '@flowcast/common/telemetry/launch';
import { AppModule } from './app.module.js';
import type { GatewayConfig } from './config.js';
import { serveDashboard } from './dashboard/dashboard.js';
import { FlowcastIoAdapter } from './realtime/flowcast-io-adapter.js';
import { REDIS_CLIENT } from './redis/redis-client.js';

/** The gateway application; `main.ts` imports it once telemetry runs. */
export async function run(config: GatewayConfig, telemetry: Telemetry): Promise<void> {
  const logger = createLogger('gateway', config.service.logLevel).child({ instanceId: config.service.instanceId });
  await runService({
    name: 'gateway',
    module: AppModule.forRoot(config, logger),
    logger,
    service: config.service,
    telemetry,
    configure: async (app) => {
      app.enableCors({ origin: config.corsOrigins, credentials: true });
      await serveDashboard(app, config.dashboard.dir, logger);
      const redis = app.get<Redis | null>(REDIS_CLIENT);
      app.useWebSocketAdapter(
        new FlowcastIoAdapter(app, {
          corsOrigins: config.corsOrigins,
          recoveryWindowMs: config.socket.recoveryWindowMs,
          ...(redis === null || config.redis === undefined
            ? {}
            : {
                adapter: createAdapter(redis, {
                  streamName: `${config.redis.keyPrefix}socket.io`,
                  sessionKeyPrefix: `${config.redis.keyPrefix}sio:session:`,
                  channelPrefix: `${config.redis.keyPrefix}socket.io`,
                  maxLen: config.socket.streamMaxLen,
                  onlyPlaintext: true,
                }),
              }),
        }),
      );
      if (redis === null) logger.info('no REDIS_URL: single replica with the in-memory adapter and status view');
    },
  });
}
