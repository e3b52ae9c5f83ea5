import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify';
import { FlowcastError } from '@flowcast/common/contracts';
import { API_CSP, requestDeadline, useSecurityHeaders, type Logger } from '@flowcast/common/nest';
import type { ProducerConfig } from '../config.js';
import { ApiKeys } from './api-keys.js';

/** The ingest endpoints: the routes the edge guards. Operations and docs stay open. */
const INGEST_PREFIX = '/producers/';
const CHALLENGE = 'Bearer realm="flowcast"';

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the API key the request presented, once verified. */
    apiKeyId?: string;
  }
}

/**
 * The producer's HTTP edge, in the order a request meets it: security headers (every route);
 * then, on the ingest endpoints only, the rate limit (per API key, else per client address),
 * the API key, and the deadline by which the whole request must have arrived.
 *
 * `/healthz`, `/readyz`, `/metrics` and `/docs` need no key: the kubelet and Prometheus call them
 * without credentials, and they carry no user data (readiness names no address).
 */
export async function installIngestEdge(app: NestFastifyApplication, config: ProducerConfig, logger: Logger): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  useSecurityHeaders(fastify, API_CSP);
  const keys = new ApiKeys(config.edge.apiKeys);
  const hooks: Array<onRequestHookHandler | onRequestAsyncHookHandler> = [];

  const limit = config.edge.rateLimit;
  if (limit !== undefined) {
    await app.register(rateLimit, { global: false });
    hooks.push(
      // Its type says preHandler; the plugin runs it on onRequest by default, as here.
      fastify.rateLimit({
        max: limit.max,
        timeWindow: limit.windowMs,
        // A verified key is the client; an unknown key counts against the address that sent it.
        keyGenerator: (request) => {
          const id = keys.identify(ApiKeys.presented(request.headers));
          return id === undefined ? `address:${request.ip}` : `key:${id}`;
        },
        errorResponseBuilder: (_request, context) => {
          const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
          return new FlowcastError('RATE_LIMITED', `Too many requests: at most ${context.max} per ${limit.windowMs / 1000} s. Retry in ${seconds} s`, {
            details: { retryAfterSeconds: seconds },
          });
        },
      }) as onRequestAsyncHookHandler,
    );
  }

  if (keys.enabled) {
    hooks.push(async (request: FastifyRequest): Promise<void> => {
      const presented = ApiKeys.presented(request.headers);
      const id = keys.identify(presented);
      if (id !== undefined) {
        request.apiKeyId = id;
        return;
      }
      logger.info({ method: request.method, url: request.url, presented: presented !== undefined }, 'refused: no valid API key');
      throw new FlowcastError(
        'UNAUTHORIZED',
        presented === undefined ? 'An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>' : 'The API key is not valid',
        { headers: { 'WWW-Authenticate': presented === undefined ? CHALLENGE : `${CHALLENGE}, error="invalid_token"` } },
      );
    });
  }

  hooks.push(requestDeadline(config.edge.requestTimeoutMs, logger));

  // Route hooks, not instance hooks: they run on the ingest routes only, after the rate limiter's.
  fastify.addHook('onRoute', (route) => {
    if (!route.url.startsWith(INGEST_PREFIX) || route.method === 'OPTIONS') return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, ...hooks];
  });
}
