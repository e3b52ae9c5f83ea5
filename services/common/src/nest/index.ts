export * from './api-docs.js';
export * from './bootstrap.js';
export * from './http-error-filter.js';
export * from './logging.js';
export * from './operations.js';
export * from './request-deadline.js';
export * from './http-metrics.js';
export * from './security-headers.js';
