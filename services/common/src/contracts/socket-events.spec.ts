import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LifecycleEvent } from './lifecycle-event.js';
import { serverEventPayloadSchemas, toSocketEvent } from './socket-events.js';

const logId = '550e8400-e29b-41d4-a716-446655440000';
const uploadId = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const base = {
  logId,
  timestamp: '2025-11-01T10:30:45.123Z',
  consumerId: 'consumer-instance-1',
  producedAt: '2025-11-01T10:30:45.000Z',
};

describe('toSocketEvent keeps the reference payloads', () => {
  it('message-received of a single message: logId, data.dataType, timestamp and nothing else', () => {
    const event: LifecycleEvent = { type: 'message-received', ...base, dataType: 'SINGLE_MESSAGE', rowCount: 1 };
    assert.deepEqual(toSocketEvent(event), {
      name: 'message-received',
      payload: { logId, data: { dataType: 'SINGLE_MESSAGE' }, timestamp: base.timestamp },
    });
  });

  it('message-received of a CSV batch carries rowCount, and uploadId as an added field', () => {
    const event: LifecycleEvent = { type: 'message-received', ...base, dataType: 'CSV_BATCH', rowCount: 100, uploadId, batchIndex: 3 };
    assert.deepEqual(toSocketEvent(event).payload, {
      logId,
      data: { dataType: 'CSV_BATCH', rowCount: 100 },
      timestamp: base.timestamp,
      uploadId,
    });
  });

  it('processing-started, -completed and -failed have the reference fields and statuses', () => {
    const common = { ...base, dataType: 'SINGLE_MESSAGE' as const, rowCount: 1 };
    assert.deepEqual(toSocketEvent({ type: 'processing-started', ...common }).payload, {
      logId,
      status: 'PROCESSING',
      timestamp: base.timestamp,
    });
    assert.deepEqual(toSocketEvent({ type: 'processing-completed', ...common, durationMs: 2, attempts: 1 }).payload, {
      logId,
      consumerId: 'consumer-instance-1',
      status: 'PROCESSED',
      timestamp: base.timestamp,
    });
    assert.deepEqual(
      toSocketEvent({ type: 'processing-failed', ...common, durationMs: 2, attempts: 1, error: 'quantity: must be positive', errorCode: 'INVALID_RECORD' })
        .payload,
      { logId, status: 'FAILED', error: 'quantity: must be positive', timestamp: base.timestamp },
    );
  });

  it('every payload it builds passes the contract schema of its event', () => {
    const common = { ...base, dataType: 'CSV_BATCH' as const, rowCount: 10, uploadId };
    const events: LifecycleEvent[] = [
      { type: 'message-received', ...common },
      { type: 'processing-started', ...common },
      { type: 'processing-completed', ...common, durationMs: 1, attempts: 1 },
      { type: 'processing-failed', ...common, durationMs: 1, attempts: 3, error: 'boom', errorCode: 'PROCESSING_FAILED' },
    ];
    for (const event of events) {
      const { name, payload } = toSocketEvent(event);
      assert.equal(serverEventPayloadSchemas[name].safeParse(payload).success, true, name);
    }
  });
});
