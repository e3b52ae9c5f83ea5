import { launchService } from '@flowcast/common/telemetry/launch';
import { loadConfig } from './config.js';

// Telemetry starts before the application is imported: OpenTelemetry instruments node:http as
// Fastify loads it, and static imports would load Fastify before any of this module runs.
launchService('gateway', loadConfig, () => import('./service.js'));
