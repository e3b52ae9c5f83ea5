import { z } from 'zod';
import { envVar } from './environment.js';

/**
 * The standard OpenTelemetry variables that decide whether a service exports traces. The SDK
 * reads these and the other `OTEL_*` variables itself (protocol, headers, sampler, resource
 * attributes, batch delays); they are named here so that Flowcast exports nothing unless an
 * endpoint is given, rather than the SDK's default of sending to localhost:4318.
 */
export const telemetryEnvironment = {
  /** OTLP/HTTP collector base URL (traces go to `<url>/v1/traces`); unset: no trace is exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: envVar.url(),
  /** OTLP/HTTP traces URL, used as it is; overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: envVar.url(),
  /** `none` turns trace export off whatever the endpoint; `console` prints spans (debugging). */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).default('otlp'),
  /** true: no OpenTelemetry at all. */
  OTEL_SDK_DISABLED: envVar.boolean(false),
  /** The `service.name` of this service's spans; defaults to `flowcast-<service>`. */
  OTEL_SERVICE_NAME: envVar.optionalText(),
};

export interface TelemetryConfig {
  /** Whether spans are recorded and exported. */
  tracing: boolean;
  serviceName: string;
}

type TelemetryVariables = z.infer<z.ZodObject<typeof telemetryEnvironment>>;

export function telemetryConfigFrom(variables: TelemetryVariables, service: string): TelemetryConfig {
  const endpoint = variables.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? variables.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporting =
    variables.OTEL_TRACES_EXPORTER === 'console' || (variables.OTEL_TRACES_EXPORTER === 'otlp' && endpoint !== undefined);
  return {
    tracing: !variables.OTEL_SDK_DISABLED && exporting,
    serviceName: variables.OTEL_SERVICE_NAME ?? `flowcast-${service}`,
  };
}
