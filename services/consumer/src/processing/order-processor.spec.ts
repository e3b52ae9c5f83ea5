import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowcastError, type IngestEnvelope } from '@flowcast/common/contracts';
import { OrderProcessor } from './order-processor.js';

const processor = new OrderProcessor('orders.processed');
const context = { consumerId: 'worker-1', now: new Date('2026-01-01T00:00:00.000Z') };
const logId = '550e8400-e29b-41d4-a716-446655440000';
const uploadId = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

function csvBatch(records: Array<Record<string, string>>): IngestEnvelope {
  return {
    logId,
    producedAt: '2026-01-01T00:00:00.000Z',
    dataType: 'CSV_BATCH',
    uploadId,
    batchIndex: 0,
    firstRow: 2,
    rowCount: records.length,
    records,
  };
}

describe('OrderProcessor', () => {
  it('normalises a JSON order, computes its line total and keys it logId:1', () => {
    const result = processor.process(
      { logId, producedAt: '2026-01-01T00:00:00.000Z', dataType: 'SINGLE_MESSAGE', records: [{ orderNumber: ' A-1 ', productName: 'Widget', quantity: 3, price: 0.1 }] },
      context,
    );
    assert.deepEqual(result.records, [
      {
        topic: 'orders.processed',
        key: `${logId}:1`,
        value: { logId, row: 1, orderNumber: 'A-1', productName: 'Widget', quantity: 3, price: 0.1, lineTotal: 0.3, processedAt: '2026-01-01T00:00:00.000Z' },
      },
    ]);
  });

  it('converts CSV text and keys each record by its file row', () => {
    const result = processor.process(
      csvBatch([
        { orderNumber: 'A', productName: 'x', quantity: '2', price: '9.99' },
        { orderNumber: 'B', productName: 'y', quantity: '1', price: '.5' },
      ]),
      context,
    );
    assert.deepEqual(
      result.records.map((record) => [record.key, (record.value as { lineTotal: number }).lineTotal, (record.value as { uploadId: string }).uploadId]),
      [
        [`${logId}:2`, 19.98, uploadId],
        [`${logId}:3`, 0.5, uploadId],
      ],
    );
  });

  it('fails the whole message, naming each bad row and field, and writes nothing', () => {
    assert.throws(
      () =>
        processor.process(
          csvBatch([
            { orderNumber: 'A', productName: 'x', quantity: '2', price: '1' },
            { orderNumber: '', productName: 'y', quantity: '1.5', price: '-1' },
          ]),
          context,
        ),
      (error: unknown) => {
        assert.ok(error instanceof FlowcastError);
        assert.equal(error.code, 'INVALID_RECORD');
        assert.equal(error.transient, false);
        assert.deepEqual(error.details, { row: 3, field: 'orderNumber' });
        assert.match(error.message, /row 3, orderNumber: must not be empty/);
        assert.match(error.message, /row 3, quantity: must be a whole number \(got "1.5"\)/);
        assert.match(error.message, /row 3, price: must not be negative/);
        return true;
      },
    );
  });

  it('names a missing field of a single message without a row', () => {
    assert.throws(
      () => processor.process({ logId, producedAt: '2026-01-01T00:00:00.000Z', dataType: 'SINGLE_MESSAGE', records: [{ orderNumber: 'A', productName: 'x', price: 1 }] }, context),
      /Invalid order: quantity: /,
    );
  });

  it('shows a bad value in its error briefly, however large or deep it is', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const single = (record: Record<string, unknown>): IngestEnvelope => ({ logId, producedAt: '2026-01-01T00:00:00.000Z', dataType: 'SINGLE_MESSAGE', records: [record] });
    const messageOf = (record: Record<string, unknown>) => {
      try {
        processor.process(single(record), context);
      } catch (error) {
        return (error as FlowcastError).message;
      }
      return assert.fail('expected a refusal');
    };
    const large = messageOf({ orderNumber: 'A', productName: 'B', quantity: 'x'.repeat(100_000), price: 1 });
    assert.match(large, /quantity: .*\(got "x{59}… \(100002 characters\)\)/);
    assert.ok(large.length < 200);
    assert.match(messageOf({ orderNumber: 'A', productName: 'B', quantity: deep, price: 1 }), /got a value nested too deep to show/);
  });
});
