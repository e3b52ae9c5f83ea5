export * from './environment.js';
export * from './shared-environment.js';
