import type { onRequestHookHandler } from 'fastify';
import { FlowcastError } from '../contracts/errors.js';
import type { Logger } from './logging.js';

/**
 * A request whose body has not all arrived `timeoutMs` after it started is answered 408, and its
 * connection closed: the handler's input stream then fails, so that an upload in progress is
 * aborted (its Kafka transaction too) and nothing of it is accepted.
 */
export function requestDeadline(timeoutMs: number, logger: Logger): onRequestHookHandler {
  return (request, reply, done) => {
    const timer = setTimeout(() => {
      if (request.raw.complete || reply.sent) return;
      logger.warn({ method: request.method, url: request.url, timeoutMs }, 'request did not arrive in time: 408');
      const error = new FlowcastError('REQUEST_TIMEOUT', `The request did not arrive within ${timeoutMs / 1000} s: nothing of it was accepted`);
      void reply.status(408).header('connection', 'close').type('application/json; charset=utf-8').send(error.toBody());
    }, timeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  };
}
