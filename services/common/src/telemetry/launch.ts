import type { TelemetryConfig } from '../config/telemetry-environment.js';
import { exitOnStartupFailure } from '../config/startup-failure.js';
import { startTelemetry, type Telemetry } from './sdk.js';

export type { Telemetry } from './sdk.js';

/** What a service's application module exports: runs the service until it is stopped. */
export interface ServiceApplication<Config> {
  run(config: Config, telemetry: Telemetry): Promise<unknown>;
}

/**
 * A service's entry point: reads the configuration, starts telemetry, and only then imports the
 * application (`load`), since OpenTelemetry instruments modules as they load (node:http through
 * Fastify) and ESM imports are evaluated before the importing module's body runs. A bad
 * configuration or a failed start exits non-zero with one JSON line saying why.
 */
export function launchService<Config extends { service: { instanceId: string }; telemetry: TelemetryConfig }>(
  name: string,
  loadConfig: () => Config,
  load: () => Promise<ServiceApplication<Config>>,
): void {
  const start = async (): Promise<void> => {
    const config = loadConfig();
    const telemetry = startTelemetry(config.telemetry, config.service.instanceId);
    const application = await load();
    await application.run(config, telemetry);
  };
  start().catch((error: unknown) => exitOnStartupFailure(name, error));
}
