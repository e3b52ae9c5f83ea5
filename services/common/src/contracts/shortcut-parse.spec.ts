import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ingestEnvelopeSchema, ingestRecordSchema } from './ingest-envelope.js';
import { orderRecordSchema } from './order.js';
import { parseIngestEnvelope, parseIngestRecord, parseOrderRecord } from './shortcut-parse.js';

/** A small seeded generator, so that a failure names a case that can be run again. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, pick: <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]! };
}

const logId = '550e8400-e29b-41d4-a716-446655440000';
const uploadId = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const order = { orderNumber: 'ORD-1', productName: 'Widget', quantity: 3, price: 9.99 };
const csvOrder = { orderNumber: 'ORD-2', productName: 'Gadget', quantity: '2', price: '4.50' };

const singleMessage = () => ({ logId, producedAt: '2026-11-27T10:30:45.123Z', dataType: 'SINGLE_MESSAGE', records: [{ ...order }] });
const csvBatch = () => ({
  logId,
  producedAt: '2026-11-27T10:30:45Z',
  dataType: 'CSV_BATCH',
  uploadId,
  batchIndex: 0,
  firstRow: 2,
  rowCount: 2,
  records: [{ ...csvOrder }, { ...order }],
});
const lastCsvBatch = () => ({ ...csvBatch(), batchIndex: 4, firstRow: 8, uploadTotals: { batchCount: 5, rowCount: 9 } });

/** Values each field gets in turn: valid ones, near misses, wrong types. */
const tricky: readonly unknown[] = [
  undefined, null, true, 0, -0, 1, 2, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, '', ' ', 'x', '  padded  ', 'a'.repeat(500),
  ` ${'a'.repeat(500)} `, 'a'.repeat(501), '12', ' 12 ', '+3', '-0', '1.', '.5', '1e3', '0x10', '9'.repeat(400), '1.5', '-2.5', [], [{}], {},
  { a: 1 }, logId, logId.toUpperCase(), '00000000-0000-0000-0000-000000000000', '550e8400-e29b-91d4-a716-446655440000', uploadId,
  '2026-11-27T10:30:45Z', '2026-11-27T10:30:45.1234567Z', '2026-11-27T10:30:45+01:00', '2026-11-27T10:30:45', '2024-02-29T00:00:00Z',
  '2026-02-29T00:00:00Z', '2026-11-27', 'SINGLE_MESSAGE', 'CSV_BATCH', { batchCount: 1, rowCount: 1 }, { batchCount: 0, rowCount: 1 },
  { batchCount: 1, rowCount: 1, extra: true }, [{ ...order }], [{ ...order }, { ...order }], [{ ...csvOrder }, 'row'],
];

const envelopeKeys = ['logId', 'producedAt', 'dataType', 'records', 'uploadId', 'batchIndex', 'firstRow', 'rowCount', 'uploadTotals', 'extra'];
const orderKeys = ['orderNumber', 'productName', 'quantity', 'price', 'customer'];

/** Sets (or deletes, for `undefined`) one to three fields of `value` to tricky values, through the path given. */
function mutate(value: Record<string, unknown>, keys: readonly string[], random: ReturnType<typeof generator>): Record<string, unknown> {
  const times = 1 + Math.floor(random.next() * 3);
  for (let index = 0; index < times; index += 1) {
    const key = random.pick(keys);
    const replacement = structuredClone(random.pick(tricky));
    if (replacement === undefined) delete value[key];
    else value[key] = replacement;
  }
  return value;
}

/** JSON.parse of text with an own `__proto__` key: what a hostile message decodes to. */
const withProtoKey = <T extends object>(value: T): T => JSON.parse(JSON.stringify(value).replace(/^\{/, '{"__proto__":{"polluted":true},')) as T;

function assertSameAsSchema<T>(parse: (value: unknown) => unknown, schema: { safeParse(value: unknown): unknown }, value: T, label: string): void {
  const expected = schema.safeParse(structuredClone(value)) as { success: boolean; data?: unknown; error?: { issues: unknown } };
  const actual = parse(value) as { success: boolean; data?: unknown; error?: { issues: unknown } };
  assert.equal(actual.success, expected.success, `${label}: ${JSON.stringify(value)}`);
  if (expected.success) assert.deepStrictEqual(actual.data, expected.data, `${label}: ${JSON.stringify(value)}`);
  else assert.deepStrictEqual(actual.error?.issues, expected.error?.issues, `${label}: ${JSON.stringify(value)}`);
}

describe('parseIngestEnvelope returns what ingestEnvelopeSchema returns', () => {
  it('takes a well-formed envelope as it is (the shortcut), for both data types', () => {
    for (const envelope of [singleMessage(), csvBatch(), lastCsvBatch()]) {
      const parsed = parseIngestEnvelope(envelope);
      assert.ok(parsed.success);
      assert.equal(parsed.data, envelope, 'the shortcut returns the value itself');
      assert.deepStrictEqual(parsed.data, ingestEnvelopeSchema.parse(envelope));
    }
  });

  it('on 20,000 generated near misses: the same data or the same issues', () => {
    const random = generator(20261127);
    const bases = [singleMessage, csvBatch, lastCsvBatch];
    let accepted = 0;
    for (let index = 0; index < 20_000; index += 1) {
      const envelope = mutate(random.pick(bases)(), envelopeKeys, random);
      const records = envelope['records'];
      const first: unknown = Array.isArray(records) ? records[0] : undefined;
      if (random.next() < 0.2 && typeof first === 'object' && first !== null && !Array.isArray(first)) mutate(first as Record<string, unknown>, orderKeys, random);
      assertSameAsSchema(parseIngestEnvelope, ingestEnvelopeSchema, envelope, `case ${index}`);
      if (parseIngestEnvelope(envelope).success) accepted += 1;
    }
    // Both outcomes are exercised, not only refusals.
    assert.ok(accepted > 1_000 && accepted < 19_000, `${accepted} accepted`);
  });

  it('leaves an envelope or record with an own __proto__ key to the schema, which drops it', () => {
    assertSameAsSchema(parseIngestEnvelope, ingestEnvelopeSchema, withProtoKey(singleMessage()), 'envelope');
    assertSameAsSchema(parseIngestEnvelope, ingestEnvelopeSchema, { ...singleMessage(), records: [withProtoKey(order)] }, 'record');
  });
});

describe('parseOrderRecord returns what orderRecordSchema returns', () => {
  it('reads a well-formed JSON or CSV order without the schema, trimmed and converted as the schema does', () => {
    assert.deepStrictEqual(parseOrderRecord({ ...csvOrder, orderNumber: ' ORD-2 ', customer: 'kept out' }), {
      success: true,
      data: { orderNumber: 'ORD-2', productName: 'Gadget', quantity: 2, price: 4.5 },
    });
    assert.deepStrictEqual(parseOrderRecord(order), orderRecordSchema.safeParse(order));
  });

  it('on 20,000 generated near misses: the same data or the same issues', () => {
    const random = generator(42);
    let accepted = 0;
    for (let index = 0; index < 20_000; index += 1) {
      const record = mutate(random.next() < 0.5 ? { ...order } : { ...csvOrder }, orderKeys, random);
      assertSameAsSchema(parseOrderRecord, orderRecordSchema, record, `case ${index}`);
      if (parseOrderRecord(record).success) accepted += 1;
    }
    assert.ok(accepted > 1_000 && accepted < 19_000, `${accepted} accepted`);
  });

  it('refuses what is not an object as the schema does', () => {
    for (const [index, value] of [null, 'ORD-1', [order], withProtoKey(order)].entries()) assertSameAsSchema(parseOrderRecord, orderRecordSchema, value, `value ${index}`);
  });
});

describe('parseIngestRecord returns what ingestRecordSchema returns', () => {
  it('takes a JSON object as it is, and leaves everything else to the schema', () => {
    const record = { ...order, nested: { list: [1, 2] } };
    assert.equal(parseIngestRecord(record).data, record);
    for (const [index, value] of [...tricky, record, withProtoKey(order)].entries()) assertSameAsSchema(parseIngestRecord, ingestRecordSchema, value, `value ${index}`);
  });
});
