import type { LifecycleEvent, LifecycleEventType, LogStatus, UploadProgress } from '@flowcast/common/contracts';
import {
  STATUS_RANK,
  historyEntryOf,
  isTerminalStatus,
  logStatusOf,
  uploadProgressOf,
  type Applied,
  type HistoryEntry,
  type LogRecord,
  type StatusCounters,
  type StatusView,
  type UploadRecord,
} from './status-view.js';
import { STATUS_AFTER_EVENT } from '@flowcast/common/contracts';

interface LogEntry {
  record: LogRecord;
  history: HistoryEntry[];
  /** Per step recorded: the `apply` that recorded it, or `sent` once its broadcast was confirmed. */
  seen: Map<LifecycleEventType, object | 'sent'>;
  expiresAt: number;
}

const SWEEP_EVERY_MS = 60_000;

/** The status view of a single gateway without Redis: the same rules as the Redis view, in memory. */
export class MemoryStatusView implements StatusView {
  readonly #logs = new Map<string, LogEntry>();
  readonly #uploads = new Map<string, { record: UploadRecord; expiresAt: number }>();
  readonly #counters: StatusCounters = { totalMessages: 0, processingMessages: 0, processedMessages: 0, failedMessages: 0 };
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    private readonly ttlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_EVERY_MS);
    this.#sweeper.unref();
  }

  /** No stream to publish to in memory: new events come back `fresh`, for the caller to broadcast. */
  async apply(events: readonly LifecycleEvent[]): Promise<Applied[]> {
    const token = {};
    return events.map((event) => (this.#applyOne(event, token) ? 'fresh' : 'duplicate'));
  }

  async confirmBroadcast(events: readonly LifecycleEvent[]): Promise<void> {
    for (const event of events) {
      const entry = this.#logs.get(event.logId);
      if (entry?.seen.has(event.type)) entry.seen.set(event.type, 'sent');
    }
  }

  async log(logId: string): Promise<LogStatus | undefined> {
    const entry = this.#logs.get(logId);
    return entry === undefined ? undefined : logStatusOf(entry.record, entry.history);
  }

  async upload(uploadId: string): Promise<UploadProgress | undefined> {
    const entry = this.#uploads.get(uploadId);
    return entry === undefined ? undefined : uploadProgressOf(uploadId, entry.record);
  }

  async counters(): Promise<StatusCounters> {
    return { ...this.#counters };
  }

  async reportClients(_instanceId: string, count: number): Promise<number> {
    return count;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #applyOne(event: LifecycleEvent, token: object): boolean {
    const expiresAt = this.clock() + this.ttlSeconds * 1000;
    let entry = this.#logs.get(event.logId);
    const seen = entry?.seen.get(event.type);
    if (seen !== undefined) {
      if (seen === 'sent' || seen === token) return false;
      // Recorded by an earlier apply whose broadcast was never confirmed.
      entry!.seen.set(event.type, token);
      return true;
    }
    if (entry !== undefined && isTerminalStatus(entry.record.status)) return false;
    const upload = event.uploadId === undefined ? undefined : this.#upload(event.uploadId, expiresAt);
    if (entry === undefined) {
      entry = {
        record: {
          logId: event.logId,
          status: 'RECEIVED',
          dataType: event.dataType,
          ...(event.uploadId === undefined ? {} : { uploadId: event.uploadId }),
          rowCount: event.rowCount,
          acceptedAt: event.producedAt,
          updatedAt: event.timestamp,
        },
        history: [],
        seen: new Map(),
        expiresAt,
      };
      this.#logs.set(event.logId, entry);
      this.#counters.totalMessages += 1;
      this.#counters.processingMessages += 1;
      if (upload !== undefined) {
        upload.receivedBatches += 1;
        upload.receivedRows += event.rowCount;
      }
    }
    entry.seen.set(event.type, token);
    entry.history.push(historyEntryOf(event));
    entry.expiresAt = expiresAt;
    const record = entry.record;
    record.updatedAt = event.timestamp;
    const next = STATUS_AFTER_EVENT[event.type];
    if (STATUS_RANK[next] > STATUS_RANK[record.status]) record.status = next;
    switch (event.type) {
      case 'message-received':
        if (upload !== undefined && event.uploadTotals !== undefined) {
          upload.totalBatches = event.uploadTotals.batchCount;
          upload.totalRows = event.uploadTotals.rowCount;
        }
        break;
      case 'processing-started':
        break;
      case 'processing-completed':
        record.consumerId = event.consumerId;
        this.#counters.processingMessages -= 1;
        this.#counters.processedMessages += 1;
        if (upload !== undefined) {
          upload.processedBatches += 1;
          upload.processedRows += event.rowCount;
        }
        break;
      case 'processing-failed':
        record.consumerId = event.consumerId;
        record.error = event.error;
        record.errorCode = event.errorCode;
        this.#counters.processingMessages -= 1;
        this.#counters.failedMessages += 1;
        if (upload !== undefined) {
          upload.failedBatches += 1;
          upload.failedRows += event.rowCount;
        }
        break;
    }
    if (upload !== undefined) upload.updatedAt = event.timestamp;
    return true;
  }

  #upload(uploadId: string, expiresAt: number): UploadRecord {
    let entry = this.#uploads.get(uploadId);
    if (entry === undefined) {
      entry = {
        record: {
          receivedBatches: 0,
          receivedRows: 0,
          processedBatches: 0,
          failedBatches: 0,
          processedRows: 0,
          failedRows: 0,
          totalBatches: undefined,
          totalRows: undefined,
          updatedAt: new Date(this.clock()).toISOString(),
        },
        expiresAt,
      };
      this.#uploads.set(uploadId, entry);
    }
    entry.expiresAt = expiresAt;
    return entry.record;
  }

  #sweep(): void {
    const now = this.clock();
    for (const [logId, entry] of this.#logs) if (entry.expiresAt <= now) this.#logs.delete(logId);
    for (const [uploadId, entry] of this.#uploads) if (entry.expiresAt <= now) this.#uploads.delete(uploadId);
  }
}
