import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsvAccepted, UploadProgress } from '@flowcast/common/contracts';
import { UploadTracker } from './upload-tracker.js';

const uploadId = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const logIds = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
const accepted: CsvAccepted = { uploadId, dataType: 'CSV_BATCH', totalRows: 250, batchCount: 3, logIds, acceptedAt: '2025-11-01T10:00:00.000Z' };
const at = (second: number) => `2025-11-01T10:00:0${second}.000Z`;

function received(tracker: UploadTracker, index: number, rows: number): void {
  tracker.applyEvent({ name: 'message-received', payload: { logId: logIds[index]!, data: { dataType: 'CSV_BATCH', rowCount: rows }, timestamp: at(1), uploadId } });
}
function completed(tracker: UploadTracker, index: number): void {
  tracker.applyEvent({ name: 'processing-completed', payload: { logId: logIds[index]!, consumerId: 'c', status: 'PROCESSED', timestamp: at(2), uploadId } });
}
function snapshot(overrides: Partial<UploadProgress>): UploadProgress {
  return {
    uploadId,
    status: 'IN_PROGRESS',
    totalBatches: 3,
    totalRows: 250,
    receivedBatches: 0,
    processedBatches: 0,
    failedBatches: 0,
    processedRows: 0,
    failedRows: 0,
    progress: 0,
    updatedAt: at(3),
    ...overrides,
  };
}

describe('UploadTracker merges room events and status snapshots', () => {
  it('starts at 0 % with the totals the producer answered', () => {
    const progress = new UploadTracker(accepted).progress;
    assert.equal(progress.progress, 0);
    assert.equal(progress.totalRows, 250);
    assert.equal(progress.totalBatches, 3);
    assert.equal(progress.status, 'IN_PROGRESS');
  });

  it('counts rows of processed batches from the events alone, and completes at 100 %', () => {
    const tracker = new UploadTracker(accepted);
    received(tracker, 0, 100);
    completed(tracker, 0);
    assert.equal(tracker.progress.progress, 40);
    received(tracker, 1, 100);
    completed(tracker, 1);
    received(tracker, 2, 50);
    tracker.applyEvent({ name: 'processing-failed', payload: { logId: logIds[2]!, status: 'FAILED', error: 'row 240: quantity', timestamp: at(3), uploadId } });
    const done = tracker.progress;
    assert.equal(done.progress, 100);
    assert.equal(done.status, 'COMPLETED_WITH_FAILURES');
    assert.equal(done.failedRows, 50);
    assert.equal(done.processedRows, 200);
  });

  it('keeps what happened before the subscription from the snapshot, never moving backwards', () => {
    const tracker = new UploadTracker(accepted);
    tracker.applySnapshot(snapshot({ receivedBatches: 2, processedBatches: 2, processedRows: 200, progress: 80 }));
    // The third batch's events arrive, but not those of the first two (before subscribing).
    completed(tracker, 2);
    const progress = tracker.progress;
    assert.equal(progress.processedRows, 200);
    assert.ok(progress.progress >= 80 && progress.progress < 100, String(progress.progress));
    assert.equal(progress.status, 'IN_PROGRESS');
  });

  it("reckons progress against the file's rows, not the status view's estimate while the view does not know them", () => {
    const tracker = new UploadTracker(accepted);
    // Before the last batch arrives the view knows neither total and estimates against the rows it
    // has received: 99 % with the first batch done, less as more batches arrive.
    tracker.applySnapshot(snapshot({ totalBatches: null, totalRows: null, receivedBatches: 1, processedBatches: 1, processedRows: 100, progress: 99 }));
    assert.equal(tracker.progress.progress, 40);
    tracker.applySnapshot(snapshot({ totalBatches: null, totalRows: null, receivedBatches: 2, processedBatches: 1, processedRows: 100, progress: 50 }));
    assert.equal(tracker.progress.progress, 40);
  });

  it('takes a finished snapshot as the final word', () => {
    const tracker = new UploadTracker(accepted);
    completed(tracker, 2);
    tracker.applySnapshot(snapshot({ status: 'COMPLETED', receivedBatches: 3, processedBatches: 3, processedRows: 250, progress: 100 }));
    assert.deepEqual(tracker.progress, snapshot({ status: 'COMPLETED', receivedBatches: 3, processedBatches: 3, processedRows: 250, progress: 100 }));
  });

  it("completes with the file's rows when every batch completed but their message-received came before subscribing", () => {
    const tracker = new UploadTracker(accepted);
    received(tracker, 0, 100);
    for (const index of [0, 1, 2]) completed(tracker, index);
    const done = tracker.progress;
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.processedRows, 250);
    assert.equal(done.failedRows, 0);
    assert.equal(done.progress, 100);
  });

  it('waits for the status view when batches of unknown size ended both ways', () => {
    const tracker = new UploadTracker(accepted);
    completed(tracker, 0);
    completed(tracker, 1);
    tracker.applyEvent({ name: 'processing-failed', payload: { logId: logIds[2]!, status: 'FAILED', error: 'row 240: quantity', timestamp: at(3), uploadId } });
    assert.equal(tracker.progress.status, 'IN_PROGRESS');
    tracker.applySnapshot(snapshot({ status: 'COMPLETED_WITH_FAILURES', receivedBatches: 3, processedBatches: 2, failedBatches: 1, processedRows: 200, failedRows: 50, progress: 100 }));
    assert.equal(tracker.progress.status, 'COMPLETED_WITH_FAILURES');
    assert.equal(tracker.progress.failedRows, 50);
  });

  it('ignores events of messages outside the upload', () => {
    const tracker = new UploadTracker(accepted);
    const applied = tracker.applyEvent({
      name: 'processing-completed',
      payload: { logId: '00000000-0000-4000-8000-0000000000ff', consumerId: 'c', status: 'PROCESSED', timestamp: at(2) },
    });
    assert.equal(applied, false);
    assert.equal(tracker.progress.processedBatches, 0);
  });
});
