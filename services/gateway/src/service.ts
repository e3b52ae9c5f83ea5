import 'reflect-metadata';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { createLogger, runService, useSecurityHeaders } from '@flowcast/common/nest';
import type { Telemetry } from '@flowcast/common/telemetry/launch';
import { AppModule } from './app.module.js';
import type { GatewayConfig } from './config.js';
import { serveDashboard } from './dashboard/dashboard.js';
import { FlowcastIoAdapter } from './realtime/flowcast-io-adapter.js';
import { streamsAdapterOptions } from './realtime/streams-adapter-options.js';
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
    cors: { origins: config.corsOrigins },
    configure: async (app) => {
      useSecurityHeaders(app.getHttpAdapter().getInstance(), dashboardCsp(config.dashboard.producerUrl));
      await serveDashboard(app, config.dashboard.dir, logger);
      const redis = app.get<Redis | null>(REDIS_CLIENT);
      app.useWebSocketAdapter(
        new FlowcastIoAdapter(app, {
          corsOrigins: config.corsOrigins,
          recoveryWindowMs: config.socket.recoveryWindowMs,
          maxMessageBytes: config.socket.maxMessageBytes,
          ...(redis === null || config.redis === undefined
            ? {}
            : {
                adapter: createAdapter(redis, streamsAdapterOptions(config.redis, config.socket)),
              }),
        }),
      );
      if (redis === null) logger.info('no REDIS_URL: single replica with the in-memory adapter and status view');
    },
  });
}

/**
 * The dashboard's Content-Security-Policy: its own scripts only, styles inline as well (Vue's
 * static markup carries style attributes), and connections to its own origin (REST, Socket.IO
 * over WebSocket and polling) and to the producer, which the page sends messages to.
 */
function dashboardCsp(producerUrl: string): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", new URL(producerUrl).origin],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}
