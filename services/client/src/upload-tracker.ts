import type {
  CsvAccepted,
  MessageReceivedPayload,
  ProcessingCompletedPayload,
  ProcessingFailedPayload,
  UploadProgress,
} from '@flowcast/common/contracts';

interface BatchState {
  rows: number | undefined;
  outcome: 'processed' | 'failed' | undefined;
}

/**
 * The progress of one CSV upload, from two sources that each may miss part of the story:
 * the events of its room (exact per batch, but only from the moment of subscribing) and the
 * gateway's status view (complete, but a snapshot). Figures are the larger of the two, so
 * progress only moves forward; the view is authoritative once it says the upload is done.
 */
export class UploadTracker {
  readonly #accepted: CsvAccepted;
  readonly #batches = new Map<string, BatchState>();
  #snapshot: UploadProgress | undefined;
  #updatedAt: string;

  constructor(accepted: CsvAccepted) {
    this.#accepted = accepted;
    this.#updatedAt = accepted.acceptedAt;
    for (const logId of accepted.logIds) this.#batches.set(logId, { rows: undefined, outcome: undefined });
  }

  /** Applies one event of the upload's room; returns false for events of other messages. */
  applyEvent(
    event:
      | { name: 'message-received'; payload: MessageReceivedPayload }
      | { name: 'processing-completed'; payload: ProcessingCompletedPayload }
      | { name: 'processing-failed'; payload: ProcessingFailedPayload },
  ): boolean {
    const batch = this.#batches.get(event.payload.logId);
    if (batch === undefined) return false;
    switch (event.name) {
      case 'message-received':
        batch.rows = event.payload.data.rowCount ?? batch.rows;
        break;
      case 'processing-completed':
        batch.outcome ??= 'processed';
        break;
      case 'processing-failed':
        batch.outcome ??= 'failed';
        break;
    }
    if (event.payload.timestamp > this.#updatedAt) this.#updatedAt = event.payload.timestamp;
    return true;
  }

  /** Takes the status view's figures (`GET /api/uploads/:uploadId`). */
  applySnapshot(snapshot: UploadProgress): void {
    if (snapshot.uploadId !== this.#accepted.uploadId) return;
    this.#snapshot = snapshot;
    if (snapshot.updatedAt > this.#updatedAt) this.#updatedAt = snapshot.updatedAt;
  }

  /** Whether every batch has an outcome, as far as the events alone tell. */
  get eventsComplete(): boolean {
    for (const batch of this.#batches.values()) if (batch.outcome === undefined) return false;
    return true;
  }

  get progress(): UploadProgress {
    const { uploadId, batchCount, totalRows } = this.#accepted;
    const snapshot = this.#snapshot;
    let processedBatches = 0;
    let failedBatches = 0;
    let receivedBatches = 0;
    let processedRows = 0;
    let failedRows = 0;
    // Finished batches whose message-received came before we subscribed: their rows are unknown.
    let processedUncounted = 0;
    let failedUncounted = 0;
    for (const batch of this.#batches.values()) {
      if (batch.rows !== undefined || batch.outcome !== undefined) receivedBatches += 1;
      if (batch.outcome === 'processed') {
        processedBatches += 1;
        processedRows += batch.rows ?? 0;
        if (batch.rows === undefined) processedUncounted += 1;
      } else if (batch.outcome === 'failed') {
        failedBatches += 1;
        failedRows += batch.rows ?? 0;
        if (batch.rows === undefined) failedUncounted += 1;
      }
    }
    if (snapshot !== undefined && snapshot.status !== 'IN_PROGRESS') return snapshot;
    // Once every batch has an outcome, the rows not counted are the file's others: they belong to
    // the uncounted batches, exactly, when those all ended the same way; otherwise only the
    // status view can tell, and the upload stays in progress until it does.
    let rowsKnown = processedUncounted + failedUncounted === 0;
    if (!rowsKnown && this.eventsComplete && (processedUncounted === 0 || failedUncounted === 0)) {
      const uncountedRows = totalRows - processedRows - failedRows;
      if (processedUncounted > 0) processedRows += uncountedRows;
      else failedRows += uncountedRows;
      rowsKnown = true;
    }
    const merged = {
      receivedBatches: Math.max(receivedBatches, snapshot?.receivedBatches ?? 0),
      processedBatches: Math.max(processedBatches, snapshot?.processedBatches ?? 0),
      failedBatches: Math.max(failedBatches, snapshot?.failedBatches ?? 0),
      processedRows: Math.max(processedRows, snapshot?.processedRows ?? 0),
      failedRows: Math.max(failedRows, snapshot?.failedRows ?? 0),
    };
    const finishedBatches = merged.processedBatches + merged.failedBatches;
    const complete = finishedBatches >= batchCount && this.eventsComplete && rowsKnown;
    // Rows of batches whose message-received came before we subscribed are unknown: until the
    // view confirms the end, count finished batches rather than claim 100 % too early. The view's
    // own percentage is not taken: until the last batch tells it the file's rows, it reckons
    // against the rows received so far, and falls as more arrive; its counts are in `merged`.
    const byRows = ((merged.processedRows + merged.failedRows) / totalRows) * 100;
    const byBatches = (finishedBatches / batchCount) * 100;
    const progress = complete ? 100 : Math.min(99.99, Math.max(byRows, byBatches));
    return {
      uploadId,
      status: !complete ? 'IN_PROGRESS' : merged.failedBatches > 0 ? 'COMPLETED_WITH_FAILURES' : 'COMPLETED',
      totalBatches: batchCount,
      totalRows,
      ...merged,
      progress: Math.round(progress * 100) / 100,
      updatedAt: this.#updatedAt,
    };
  }
}
