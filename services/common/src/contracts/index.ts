export * from './errors.js';
export * from './ingest-api.js';
export * from './ingest-envelope.js';
export * from './lifecycle-event.js';
export * from './order.js';
export * from './socket-events.js';
export * from './status.js';
export * from './topics.js';
