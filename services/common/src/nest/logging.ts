import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { logCorrelation } from '../telemetry/tracing.js';

export type { Logger } from 'pino';

/** Injection token of the service's pino logger. */
export const LOGGER = Symbol('flowcast.logger');

/**
 * JSON lines on stdout, with the service name on every line and, by default, the `trace_id`,
 * `span_id` and `logId` of the request or message being handled when the line is written.
 */
export function createLogger(service: string, level: LoggerOptions['level'], mixin: () => object = logCorrelation): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin,
  });
}

/** Routes Nest's own log lines (start-up, routes, errors) into the service's JSON log. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, ...(trace === undefined ? {} : { stack: trace }) }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
