import type { z } from 'zod';
import { DATETIME_PATTERN, ingestEnvelopeSchema, ingestRecordSchema, UUID_PATTERN, type IngestEnvelope, type IngestRecord } from './ingest-envelope.js';
import { DECIMAL_TEXT, INTEGER_TEXT, MAX_ORDER_TEXT, orderRecordSchema, type OrderRecord } from './order.js';

/**
 * The contract's schemas, with a shortcut for the common value. The producer parses every
 * message it accepts, a worker every consumed envelope and every order in it; zod walks and copies each one, a third of what the worker
 * spends per message besides Kafka. Each shortcut below returns what its schema would return
 * for a well-formed value — the envelope itself when the schema would keep it unchanged, the
 * order with its text trimmed and numbers read — and leaves every other value (anything to
 * strip, refuse or explain) to the schema, which stays the one definition of what is valid.
 * `shortcut-parse.spec.ts` checks both against the schemas on generated values.
 */

/** `ingestRecordSchema.safeParse`, faster for a JSON object (taken as it is). */
export function parseIngestRecord(value: unknown): z.ZodSafeParseResult<IngestRecord> {
  return isObject(value) ? { success: true, data: value } : ingestRecordSchema.safeParse(value);
}

/** `ingestEnvelopeSchema.safeParse`, faster for a well-formed envelope with nothing to strip. */
export function parseIngestEnvelope(value: unknown): z.ZodSafeParseResult<IngestEnvelope> {
  return isWellFormedEnvelope(value) ? { success: true, data: value } : ingestEnvelopeSchema.safeParse(value);
}

/** `orderRecordSchema.safeParse`, faster for a well-formed order (from JSON or from CSV text). */
export function parseOrderRecord(value: unknown): z.ZodSafeParseResult<OrderRecord> {
  const order = wellFormedOrder(value);
  return order === undefined ? orderRecordSchema.safeParse(value) : { success: true, data: order };
}

type JsonObject = Record<string, unknown>;

/** What zod takes for an object; an own `__proto__` key is one it would drop. */
function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__');
}

function keyCount(value: JsonObject): number {
  let count = 0;
  for (const key in value) if (Object.hasOwn(value, key)) count += 1;
  return count;
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN !== undefined && UUID_PATTERN.test(value);
}

function isWholeNumber(value: unknown, min: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

function isWellFormedEnvelope(value: unknown): value is IngestEnvelope {
  if (!isObject(value) || !isUuid(value['logId'])) return false;
  const { producedAt, records } = value;
  if (typeof producedAt !== 'string' || DATETIME_PATTERN === undefined || !DATETIME_PATTERN.test(producedAt)) return false;
  if (!Array.isArray(records) || records.length === 0 || !records.every(isObject)) return false;
  switch (value['dataType']) {
    case 'SINGLE_MESSAGE':
      return records.length === 1 && keyCount(value) === 4;
    case 'CSV_BATCH': {
      const { uploadTotals } = value;
      const keys = uploadTotals === undefined ? 8 : 9;
      return (
        isUuid(value['uploadId']) &&
        isWholeNumber(value['batchIndex'], 0) &&
        isWholeNumber(value['firstRow'], 2) &&
        value['rowCount'] === records.length &&
        (uploadTotals === undefined || isWellFormedTotals(uploadTotals)) &&
        keyCount(value) === keys
      );
    }
    default:
      return false;
  }
}

function isWellFormedTotals(value: unknown): boolean {
  return isObject(value) && isWholeNumber(value['batchCount'], 1) && isWholeNumber(value['rowCount'], 1) && keyCount(value) === 2;
}

function wellFormedOrder(value: unknown): OrderRecord | undefined {
  if (!isObject(value)) return undefined;
  const orderNumber = requiredText(value['orderNumber']);
  const productName = requiredText(value['productName']);
  const quantity = numberOrText(value['quantity'], INTEGER_TEXT);
  const price = numberOrText(value['price'], DECIMAL_TEXT);
  if (orderNumber === undefined || productName === undefined || !isWholeNumber(quantity, 1)) return undefined;
  if (!Number.isFinite(price) || (price as number) < 0) return undefined;
  return { orderNumber, productName, quantity, price: price as number };
}

function requiredText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text.length >= 1 && text.length <= MAX_ORDER_TEXT ? text : undefined;
}

/** A JSON number, or CSV text of one as the schema reads it. */
function numberOrText(value: unknown, text: RegExp): unknown {
  return typeof value === 'string' && text.test(value) ? Number(value) : value;
}
