import { trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { tracingEnabled } from '../telemetry/tracing.js';

/** Probes and scrapes: not user traffic, and frequent enough to drown it in the figures. */
const OPERATIONS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per request: the route template (never the URL, so that labels stay bounded) names the
 * HTTP span (with tracing on: the SDK starts before the app) and labels `flowcast_http_request_duration_seconds`, whose `_count` is the
 * request rate by route and status.
 */
export function instrumentHttp(fastify: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'flowcast_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code, and how long they took',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  if (tracingEnabled()) {
    fastify.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      const span = trace.getActiveSpan();
      if (route !== undefined && span !== undefined) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      done();
    });
  }
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (!OPERATIONS_ROUTES.has(route)) {
      duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
    done();
  });
}
