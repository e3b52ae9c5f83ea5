import { z } from 'zod';

/**
 * Every error a Flowcast user or operator can see has one of these codes.
 * The HTTP status of each is part of the contract (see `HTTP_STATUS_BY_ERROR_CODE`).
 */
export const ERROR_CODES = [
  'INVALID_JSON',
  'EMPTY_BODY',
  'BODY_NOT_OBJECT',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'VALIDATION_FAILED',
  'CSV_FILE_MISSING',
  'CSV_EMPTY',
  'CSV_HEADER_INVALID',
  'CSV_NO_ROWS',
  'CSV_RAGGED_ROW',
  'CSV_MALFORMED',
  'CSV_NOT_TEXT',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'REQUEST_TIMEOUT',
  'RATE_LIMITED',
  'TOO_MANY_SUBSCRIPTIONS',
  'KAFKA_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'INVALID_RECORD',
  'UNDECODABLE_MESSAGE',
  'UNKNOWN_DATA_TYPE',
  'PROCESSING_FAILED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS_BY_ERROR_CODE = {
  INVALID_JSON: 400,
  EMPTY_BODY: 400,
  BODY_NOT_OBJECT: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  VALIDATION_FAILED: 400,
  CSV_FILE_MISSING: 400,
  CSV_EMPTY: 400,
  CSV_HEADER_INVALID: 400,
  CSV_NO_ROWS: 400,
  CSV_RAGGED_ROW: 400,
  CSV_MALFORMED: 400,
  CSV_NOT_TEXT: 400,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  TOO_MANY_SUBSCRIPTIONS: 429,
  KAFKA_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INVALID_RECORD: 422,
  UNDECODABLE_MESSAGE: 422,
  UNKNOWN_DATA_TYPE: 422,
  PROCESSING_FAILED: 500,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

/** Where in the input an error was found: a CSV row and column, or a field of a JSON body. */
export const errorDetailsSchema = z.object({
  row: z.int().positive().optional(),
  column: z.string().optional(),
  field: z.string().optional(),
  limitBytes: z.int().positive().optional(),
  retryAfterSeconds: z.int().positive().optional(),
  /**
   * On a 503 for a single message: its logId. Kafka did not acknowledge it, so it was most
   * likely not written; a broker that went away mid-write may still have it, and
   * `GET /api/logs/:logId` on the gateway tells.
   */
  logId: z.uuid().optional(),
});
export type ErrorDetails = z.infer<typeof errorDetailsSchema>;

/** Wire format: the body of every HTTP error Flowcast returns. */
export const errorBodySchema = z.object({
  statusCode: z.int(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: errorDetailsSchema.optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export interface FlowcastErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
  /** A transient error is worth retrying (a timeout, an unavailable dependency); others are not. */
  transient?: boolean;
  /** HTTP response headers that go with the error, such as `WWW-Authenticate` on a 401. */
  headers?: Record<string, string>;
}

/** The one error class of Flowcast: a code from `ERROR_CODES`, a message for humans, and where. */
export class FlowcastError extends Error {
  override readonly name = 'FlowcastError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;
  readonly transient: boolean;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: FlowcastErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.transient = options.transient ?? false;
    this.headers = options.headers ?? {};
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_ERROR_CODE[this.code];
  }

  toBody(): ErrorBody {
    return {
      statusCode: this.httpStatus,
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isFlowcastError(error: unknown): error is FlowcastError {
  return error instanceof FlowcastError;
}
