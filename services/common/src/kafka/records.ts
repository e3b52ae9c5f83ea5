/** A record to write: the value is serialised as JSON, headers are text (trace context, content type). */
export interface OutgoingRecord {
  topic: string;
  key: string;
  value: unknown;
  /** `value` already serialised (to check its size before writing): sent as it is. */
  encoded?: Buffer;
  headers?: Record<string, string>;
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** The record with its value serialised now, and no longer holding the value itself. */
export function serialised(record: OutgoingRecord): OutgoingRecord {
  if (record.encoded !== undefined) return record;
  const { value, ...rest } = record;
  return { ...rest, value: undefined, encoded: encodeJson(value) };
}

/** Parses a record value as JSON; `undefined` when it is not JSON (the caller dead-letters it). */
export function decodeJson(value: Buffer | undefined): { ok: true; value: unknown } | { ok: false; error: string } {
  if (value === undefined || value.length === 0) return { ok: false, error: 'empty record value' };
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, error: `value is not JSON: ${(error as Error).message}` };
  }
}

/** Header values as text, first value wins. */
export function headersToRecord(headers: Map<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  if (headers === undefined) return result;
  for (const [key, value] of headers) {
    if (!(key in result)) result[key] = value;
  }
  return result;
}
