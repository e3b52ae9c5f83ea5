export * from './socket-token.js';
