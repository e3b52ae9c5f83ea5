import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Controller, Get, Inject } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GATEWAY_ROUTES, type DashboardConfig } from '@flowcast/common/contracts';
import type { Logger } from '@flowcast/common/nest';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';

/** `GET /config.json`: the dashboard's run-time configuration, from the gateway's. */
@Controller()
export class DashboardController {
  readonly #config: DashboardConfig;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.#config = {
      producerUrl: config.dashboard.producerUrl,
      traceUrlTemplate: config.dashboard.traceUrlTemplate,
      socketAuth: config.auth !== undefined,
      instanceId: config.service.instanceId,
    };
  }

  @Get(GATEWAY_ROUTES.dashboardConfig.slice(1))
  config(): DashboardConfig {
    return this.#config;
  }
}

/**
 * Serves the built dashboard at `/`: its hashed assets are cached for good, `index.html` is
 * revalidated so that a new build shows at once. One route per file, found at start, so that
 * the API, `/docs`, the operations endpoints and Socket.IO keep their own paths.
 */
export async function serveDashboard(app: NestFastifyApplication, dir: string | undefined, logger: Logger): Promise<void> {
  if (dir === undefined) return;
  if (!existsSync(join(dir, 'index.html'))) {
    logger.warn({ dir }, 'no built dashboard here (run npm run build); / answers 503');
    app
      .getHttpAdapter()
      .getInstance()
      .get('/', (_request, reply) => {
        // The folder is in the log above, not in the answer: no paths of the server in responses.
        void reply.status(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run npm run build.\n');
      });
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    setHeaders: (reply, path) => {
      void reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
