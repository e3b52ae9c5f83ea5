import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK, resources } from '@opentelemetry/sdk-node';
import type { TelemetryConfig } from '../config/telemetry-environment.js';

/** Flushes what tracing still holds; called once the service has stopped. */
export interface Telemetry {
  shutdown(): Promise<void>;
}

/** Requests that are not user traffic: probes, scrapes and Socket.IO's long-polling. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics|socket\.io\/)/;

/**
 * Starts OpenTelemetry for this process. It must run before the application's modules load,
 * so that node:http is instrumented when Fastify requires it.
 *
 * With tracing on: the Node SDK with the W3C propagator, HTTP server spans, and the OTLP
 * exporter the standard `OTEL_*` variables describe (protocol, headers, sampler, batching).
 * Metrics stay with prom-client on `/metrics` and logs on stdout, so the SDK exports neither.
 * With tracing off: only the context manager, so that log lines still carry the logId of the
 * message being handled; spans are non-recording and nothing is exported.
 */
export function startTelemetry(config: TelemetryConfig, instanceId: string): Telemetry {
  if (!config.tracing) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return { shutdown: async () => undefined };
  }
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    resource: resources.resourceFromAttributes({ 'service.namespace': 'flowcast', 'service.instance.id': instanceId }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        // Outgoing calls are the exporter's own and Kafka's (not HTTP): nothing to trace.
        disableOutgoingRequestInstrumentation: true,
      }),
    ],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
