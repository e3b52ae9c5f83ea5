import cors from '@fastify/cors';
import type { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { FlowcastError } from '../contracts/errors.js';
import type { Telemetry } from '../telemetry/sdk.js';
import { HttpErrorFilter } from './http-error-filter.js';
import { instrumentHttp } from './http-metrics.js';
import { NestPinoLogger, type Logger } from './logging.js';
import { METRICS_REGISTRY, ShutdownState } from './operations.js';

export { exitOnStartupFailure } from '../config/startup-failure.js';

export interface ServiceOptions {
  name: string;
  module: Type | DynamicModule;
  logger: Logger;
  /** Where to listen, and the longest a graceful shutdown may take (each service's `config.service`). */
  service: { port: number; host: string; shutdownTimeoutMs: number };
  /** Largest request body Fastify parses, in bytes. */
  bodyLimit?: number;
  /**
   * The HTTP edge: which proxies to trust for the client address (Fastify's `trustProxy`: a hop
   * count, addresses, or true), and the longest a request may take to arrive, after which Node.js
   * answers 408 and closes the connection (0: no limit).
   */
  http?: { trustProxy?: boolean | number | string[]; requestTimeoutMs?: number };
  /**
   * Browser pages of these origins (true: any) may call the service with credentials; the
   * headers of `exposedHeaders` are readable by them. None when absent.
   */
  cors?: { origins: true | string[]; exposedHeaders?: string[] };
  /** Runs after the app is created and before it listens (plugins, adapters). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Flushed last on shutdown, so that the spans of the final requests are exported. */
  telemetry?: Telemetry;
}

/** Fastify's `trustProxy`: a hop count as the function Fastify would make of it (its types take no number). */
function trustProxyOption(trust: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** How long, after SIGTERM, the HTTP server goes on serving with `Connection: close` before it closes. */
const DRAIN_MS = 1_000;

/**
 * Creates the service's Nest application on Fastify, listens, and stops it gracefully on
 * SIGTERM or SIGINT: readiness fails at once, every response from then on closes its
 * connection (so that clients stop reusing keep-alive connections before the server closes
 * them), modules finish their work, and the process exits, at the latest after
 * `shutdownTimeoutMs`. A request that still comes once the server has stopped listening gets a
 * 503 with Retry-After; the requests in flight are answered.
 */
export async function runService(options: ServiceOptions): Promise<NestFastifyApplication> {
  const { logger } = options;
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const adapter = new FastifyAdapter({
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.http?.trustProxy === undefined ? {} : { trustProxy: trustProxyOption(options.http.trustProxy) }),
    ...(options.http?.requestTimeoutMs === undefined ? {} : { requestTimeout: options.http.requestTimeoutMs }),
    // Requests carry their own ids in logs; Fastify's default logger is replaced by ours.
    logger: false,
    // Answered below, in Flowcast's error format and with Retry-After.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: new NestPinoLogger(logger),
    bufferLogs: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  if (options.cors !== undefined) await useCors(fastify, options.cors);
  app.useGlobalFilters(new HttpErrorFilter(logger));
  instrumentHttp(fastify, app.get<Registry>(METRICS_REGISTRY));
  refuseWhileClosing(app);
  await options.configure?.(app);
  installShutdown(app, options);

  await app.listen({ port: options.service.port, host: options.service.host });
  const address = app.getHttpServer().address() as AddressInfo;
  logger.info({ port: address.port, host: options.service.host, event: 'listening' }, `${options.name} listening on port ${address.port}`);
  return app;
}

/**
 * CORS by `@fastify/cors` itself, registered before every other hook so that every answer
 * carries it (a 503 while closing, a 401, a 429 included: a page can read why it was refused).
 * Not through Nest's `enableCors`, which copies the headers to the raw response once more on
 * every request, for Nest middleware (none here): that cost the producer a tenth of its
 * single-message throughput (its ratio to the bare handler went from 0.75 to 0.86, all else equal).
 */
export async function useCors(fastify: FastifyInstance, options: NonNullable<ServiceOptions['cors']>): Promise<void> {
  const { origins } = options;
  await fastify.register(cors, {
    // A request without Origin is not a CORS request (curl, a server, a same-origin GET): its
    // answer gets only `Vary: Origin`, not headers no client reads (docs/performance.md, change 25).
    origin: (origin, callback) => callback(null, origin === undefined ? false : origins),
    credentials: true,
    ...(options.exposedHeaders === undefined ? {} : { exposedHeaders: options.exposedHeaders }),
  });
}

/** Once shutdown has begun, responses close their connections; once the server stopped listening, requests get a 503. */
function refuseWhileClosing(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const shutdown = app.get(ShutdownState, { strict: false });
  // Callback hooks: they run on every request, and an async one costs a promise each time.
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (fastify.server.listening) return done();
    const error = new FlowcastError('SERVICE_UNAVAILABLE', 'The service is shutting down: retry the request', { details: { retryAfterSeconds: 1 } });
    void reply.code(503).header('retry-after', '1').header('connection', 'close').type('application/json; charset=utf-8').send(error.toBody());
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (shutdown.stopping) void reply.header('connection', 'close');
    done(null, payload);
  });
}

function installShutdown(app: INestApplication, options: ServiceOptions): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    app.get(ShutdownState, { strict: false }).beginShutdown();
    const deadline = setTimeout(() => {
      options.logger.error({ timeoutMs: options.service.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.service.shutdownTimeoutMs);
    deadline.unref();
    sleep(Math.min(DRAIN_MS, options.service.shutdownTimeoutMs / 4))
      .then(() => app.close())
      .then(() => options.telemetry?.shutdown().catch((error: unknown) => options.logger.warn({ err: error }, 'flushing traces failed')))
      .then(() => {
        options.logger.info('stopped');
        options.logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
