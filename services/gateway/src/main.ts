import 'reflect-metadata';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { createLogger, exitOnStartupFailure, runService } from '@flowcast/common/nest';
import { AppModule } from './app.module.js';
import { loadConfig } from './config.js';
import { FlowcastIoAdapter } from './realtime/flowcast-io-adapter.js';
import { REDIS_CLIENT } from './redis/redis-client.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('gateway', config.service.logLevel).child({ instanceId: config.service.instanceId });
  await runService({
    name: 'gateway',
    module: AppModule.forRoot(config, logger),
    logger,
    port: config.service.port,
    host: config.service.host,
    shutdownTimeoutMs: config.service.shutdownTimeoutMs,
    configure: (app) => {
      app.enableCors({ origin: config.corsOrigins, credentials: true });
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

main().catch((error: unknown) => exitOnStartupFailure('gateway', error));
