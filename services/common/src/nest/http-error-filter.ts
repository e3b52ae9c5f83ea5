import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FlowcastError, type ErrorBody, type ErrorCode } from '../contracts/errors.js';
import type { Logger } from './logging.js';

/** Fastify's own request errors (body parsing, limits), as the codes a Flowcast user sees. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'The body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'EMPTY_BODY', message: 'The body is empty: send a JSON object' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Content-Type' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The body is larger than the configured limit' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'VALIDATION_FAILED', message: 'Content-Length does not match the body' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Expected multipart/form-data' },
  FST_REQ_FILE_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'The file is larger than the configured limit' },
  FST_PARTS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', message: 'Too many parts in the multipart body' },
  FST_FILES_LIMIT: { code: 'VALIDATION_FAILED', message: 'Send exactly one file' },
  FST_FIELDS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', message: 'Too many fields in the multipart body' },
  FST_PROTO_VIOLATION: { code: 'VALIDATION_FAILED', message: 'Malformed multipart body' },
};

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Shapes every HTTP error body as `ErrorBody`: a code, a message and where; never a stack trace. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof FlowcastError) return error.toBody();
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code in FASTIFY_ERRORS) {
    const known = FASTIFY_ERRORS[code]!;
    return new FlowcastError(known.code, known.message).toBody();
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const cause = error.cause;
    if (cause !== undefined && cause !== error) {
      const fromCause = toErrorBody(cause);
      if (fromCause.code !== 'INTERNAL') return fromCause;
    }
    const mapped = CODE_BY_HTTP_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
    return { statusCode: status, code: mapped, message: status >= 500 ? 'Internal error' : error.message };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, code: CODE_BY_HTTP_STATUS[status] ?? 'VALIDATION_FAILED', message: (error as Error).message };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'Internal error' };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) {
      // Already answered (a 408 from the request deadline): what failed after it concerns no one.
      this.logger.debug({ err: error }, 'error after the answer was sent');
      return;
    }
    const body = toErrorBody(error);
    if (body.statusCode >= 500 && body.code !== 'KAFKA_UNAVAILABLE') {
      this.logger.error({ err: error }, 'request failed');
    }
    if (body.details?.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(body.details.retryAfterSeconds));
    }
    const cause = error instanceof HttpException && error.cause instanceof FlowcastError ? error.cause : error;
    if (cause instanceof FlowcastError) for (const [name, value] of Object.entries(cause.headers)) void reply.header(name, value);
    void reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}
