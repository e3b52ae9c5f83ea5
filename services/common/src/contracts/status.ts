import { z } from 'zod';
import { DATA_TYPES } from './ingest-envelope.js';
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from './lifecycle-event.js';

/** A message's status as the WebSocket contract names it. */
export const MESSAGE_STATUSES = ['RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const STATUS_AFTER_EVENT = {
  'message-received': 'RECEIVED',
  'processing-started': 'PROCESSING',
  'processing-completed': 'PROCESSED',
  'processing-failed': 'FAILED',
} as const satisfies Record<LifecycleEventType, MessageStatus>;

export function isTerminalStatus(status: MessageStatus): boolean {
  return status === 'PROCESSED' || status === 'FAILED';
}

/** Wire format of `GET /api/logs/:logId`: where a message is and when each step happened. */
export const logStatusSchema = z.object({
  logId: z.uuid(),
  status: z.enum(MESSAGE_STATUSES),
  dataType: z.enum(DATA_TYPES),
  uploadId: z.uuid().optional(),
  rowCount: z.int().positive(),
  consumerId: z.string().optional(),
  error: z.string().optional(),
  errorCode: z.string().optional(),
  acceptedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  history: z.array(
    z.object({
      type: z.enum(LIFECYCLE_EVENT_TYPES),
      status: z.enum(MESSAGE_STATUSES),
      timestamp: z.iso.datetime(),
      consumerId: z.string(),
    }),
  ),
});
export type LogStatus = z.infer<typeof logStatusSchema>;

export const UPLOAD_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'COMPLETED_WITH_FAILURES'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** Wire format of `GET /api/uploads/:uploadId`: how far a CSV upload has got. */
export const uploadProgressSchema = z.object({
  uploadId: z.uuid(),
  status: z.enum(UPLOAD_STATUSES),
  /** Known once the upload's last batch has been received; null before. */
  totalBatches: z.int().positive().nullable(),
  totalRows: z.int().positive().nullable(),
  receivedBatches: z.int().nonnegative(),
  processedBatches: z.int().nonnegative(),
  failedBatches: z.int().nonnegative(),
  processedRows: z.int().nonnegative(),
  failedRows: z.int().nonnegative(),
  /** Finished rows (processed or failed) as a percentage of all rows, 0 to 100. */
  progress: z.number().min(0).max(100),
  updatedAt: z.iso.datetime(),
});
export type UploadProgress = z.infer<typeof uploadProgressSchema>;

/** Where the figures of `stats-updated` came from: Prometheus (every replica) or this gateway alone. */
export const STATS_SOURCES = ['prometheus', 'local'] as const;
export type StatsSource = (typeof STATS_SOURCES)[number];

/** Platform-wide figures, the core of `stats-updated` and `GET /api/stats`. */
export const statsSnapshotSchema = z.object({
  totalMessages: z.int().nonnegative(),
  processedMessages: z.int().nonnegative(),
  failedMessages: z.int().nonnegative(),
  processingMessages: z.int().nonnegative(),
  activeConsumers: z.int().nonnegative(),
  connectedClients: z.int().nonnegative(),
  /** Messages finished (processed or failed) per second, over the recent window. */
  throughputPerSecond: z.number().nonnegative(),
  /** 95th percentile of end-to-end latency (accepted → completion seen by a gateway), recent window; null without completions. */
  p95LatencyMs: z.number().nonnegative().nullable(),
  /** Records of `messages` the workers have not handled yet, over every partition; null when unknown. */
  consumerLag: z.int().nonnegative().nullable(),
  source: z.enum(STATS_SOURCES),
});
export type StatsSnapshot = z.infer<typeof statsSnapshotSchema>;
