import {
  STATUS_AFTER_EVENT,
  isTerminalStatus,
  type DataType,
  type LifecycleEvent,
  type LifecycleEventType,
  type LogStatus,
  type MessageStatus,
  type UploadProgress,
} from '@flowcast/common/contracts';

export interface StatusCounters {
  totalMessages: number;
  processingMessages: number;
  processedMessages: number;
  failedMessages: number;
}

/**
 * Latest status and history per logId, progress per uploadId, and platform counters. Each
 * message counts once whatever redeliveries bring: `apply` tells, for each event, whether it
 * is new. A view that can (Redis) also publishes each new event to the cluster adapter's stream
 * it is given, in the same atomic step that records it: recorded and broadcast together or not
 * at all. Otherwise the caller broadcasts the `fresh` events and `confirmBroadcast` records that
 * it did. A step already recorded is dropped, unless its broadcast was never confirmed: a
 * gateway that died between the two leaves its batch to another replica, which then
 * broadcasts those steps (a client may get such a step twice, never not at all). Within one
 * `apply`, a step counts once. A message's status only moves forward, and its first terminal
 * status is final.
 */
export interface StatusView {
  apply(events: readonly LifecycleEvent[], outlet?: StreamOutlet): Promise<Applied[]>;
  /** Records that these events (returned `fresh` by `apply`) were broadcast. */
  confirmBroadcast(events: readonly LifecycleEvent[]): Promise<void>;
  log(logId: string): Promise<LogStatus | undefined>;
  upload(uploadId: string): Promise<UploadProgress | undefined>;
  counters(): Promise<StatusCounters>;
  /** Records this replica's connected clients and returns the total over live replicas. */
  reportClients(instanceId: string, count: number, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * What `apply` made of an event: new, for the caller to broadcast (`fresh`); new and already
 * in the outlet's stream (`published`); or seen before (`duplicate`).
 */
export type Applied = 'fresh' | 'published' | 'duplicate';

/**
 * The Redis stream of the cluster adapter, for a view in the same Redis to publish new events
 * to, as the adapter itself would; a view elsewhere (in memory) ignores it.
 */
export interface StreamOutlet {
  key: string;
  maxLen: number;
  /** The stream entry that publishes the event: its fields and values, in turn. */
  entryOf(event: LifecycleEvent): string[];
}

export const STATUS_VIEW = Symbol('flowcast.status-view');

/** The upload counters a status view stores. */
export interface UploadRecord {
  receivedBatches: number;
  receivedRows: number;
  processedBatches: number;
  failedBatches: number;
  processedRows: number;
  failedRows: number;
  totalBatches: number | undefined;
  totalRows: number | undefined;
  updatedAt: string;
}

export interface HistoryEntry {
  type: LifecycleEventType;
  status: MessageStatus;
  timestamp: string;
  consumerId: string;
}

export const STATUS_RANK: Record<MessageStatus, number> = { RECEIVED: 1, PROCESSING: 2, PROCESSED: 3, FAILED: 3 };

export function historyEntryOf(event: LifecycleEvent): HistoryEntry {
  return { type: event.type, status: STATUS_AFTER_EVENT[event.type], timestamp: event.timestamp, consumerId: event.consumerId };
}

export function uploadProgressOf(uploadId: string, record: UploadRecord): UploadProgress {
  const finishedRows = record.processedRows + record.failedRows;
  const finishedBatches = record.processedBatches + record.failedBatches;
  const complete = record.totalBatches !== undefined && finishedBatches >= record.totalBatches;
  const progress =
    record.totalRows !== undefined
      ? Math.min(100, (finishedRows / record.totalRows) * 100)
      : // Until the last batch says how many rows there are, never claim to be done.
        Math.min(99, record.receivedRows === 0 ? 0 : (finishedRows / record.receivedRows) * 100);
  return {
    uploadId,
    status: !complete ? 'IN_PROGRESS' : record.failedBatches > 0 ? 'COMPLETED_WITH_FAILURES' : 'COMPLETED',
    totalBatches: record.totalBatches ?? null,
    totalRows: record.totalRows ?? null,
    receivedBatches: record.receivedBatches,
    processedBatches: record.processedBatches,
    failedBatches: record.failedBatches,
    processedRows: record.processedRows,
    failedRows: record.failedRows,
    progress: Math.round(progress * 100) / 100,
    updatedAt: record.updatedAt,
  };
}

export interface LogRecord {
  logId: string;
  status: MessageStatus;
  dataType: DataType;
  uploadId?: string;
  rowCount: number;
  consumerId?: string;
  error?: string;
  errorCode?: string;
  acceptedAt: string;
  updatedAt: string;
}

export function logStatusOf(record: LogRecord, history: readonly HistoryEntry[]): LogStatus {
  return { ...record, history: [...history] };
}

export { isTerminalStatus };
