export * from './environment.js';
export * from './shared-environment.js';
export * from './telemetry-environment.js';
export * from './startup-failure.js';
