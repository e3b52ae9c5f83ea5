import { FlowcastError, ingestRecordSchema, type IngestRecord } from '@flowcast/common/contracts';

const JSON_CONTENT_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

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
  const parsed = ingestRecordSchema.safeParse(body);
  if (!parsed.success) {
    throw new FlowcastError('BODY_NOT_OBJECT', `The body must be a JSON object, got ${describe(body)}`);
  }
  if (Object.keys(parsed.data).length === 0) {
    throw new FlowcastError('EMPTY_BODY', 'The JSON object has no fields');
  }
  return parsed.data;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
