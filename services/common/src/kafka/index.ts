export * from './client-options.js';
export * from './group-members.js';
export * from './json-producer.js';
export * from './kafka-errors.js';
export * from './records.js';
export * from './topics.js';
export * from './kafka-readiness.js';
export * from './topic-provisioner.js';
