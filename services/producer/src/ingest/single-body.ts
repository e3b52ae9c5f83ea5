import { FlowcastError, parseIngestRecord, type IngestRecord } from '@flowcast/common/contracts';

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Deepest nesting of objects and arrays a message may have (an order is flat): deeper values
 * could not be written to Kafka (JSON.stringify recurses) nor shown to anyone.
 */
export const MAX_NESTING_DEPTH = 32;

/** Checks a `send/single` request at the edge: JSON content, one non-empty object. */
export function parseSingleBody(body: unknown, contentType: string | undefined): IngestRecord {
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
    throw new FlowcastError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the message as application/json (got ${contentType === undefined ? 'no Content-Type' : contentType})`,
    );
  }
  if (body === undefined || body === null || body === '') {
    throw new FlowcastError('EMPTY_BODY', 'The body is empty: send one JSON object');
  }
  const parsed = parseIngestRecord(body);
  if (!parsed.success) {
    throw new FlowcastError('BODY_NOT_OBJECT', `The body must be a JSON object, got ${describe(body)}`);
  }
  if (Object.keys(parsed.data).length === 0) {
    throw new FlowcastError('EMPTY_BODY', 'The JSON object has no fields');
  }
  if (nestedDeeperThan(parsed.data, MAX_NESTING_DEPTH)) {
    throw new FlowcastError('VALIDATION_FAILED', `The JSON object is nested more than ${MAX_NESTING_DEPTH} levels deep`);
  }
  return parsed.data;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Whether objects and arrays nest deeper than `limit` in `value`; iterative, so that no depth overflows the stack. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<{ value: object; depth: number }> = [];
  if (typeof value === 'object' && value !== null) pending.push({ value, depth: 1 });
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (depth > limit) return true;
    // Only objects and arrays nest: a flat message costs no entry per field.
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
