import { z } from 'zod';
import { DATA_TYPES, uploadTotalsSchema } from './ingest-envelope.js';

/** The steps of a message's life, in order. Their names are the Socket.IO event names. */
export const LIFECYCLE_EVENT_TYPES = [
  'message-received',
  'processing-started',
  'processing-completed',
  'processing-failed',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

const lifecycleBase = {
  logId: z.uuid(),
  /** When this step happened (ISO 8601). */
  timestamp: z.iso.datetime(),
  dataType: z.enum(DATA_TYPES),
  uploadId: z.uuid().optional(),
  /** Stable id of the worker instance that took the step. */
  consumerId: z.string().min(1),
  /** When the producer accepted the message; end-to-end latency runs from here. */
  producedAt: z.iso.datetime(),
  /** Records in the message: 1 for a single message, the batch size for a CSV batch. */
  rowCount: z.int().positive(),
};

export const messageReceivedEventSchema = z.object({
  type: z.literal('message-received'),
  ...lifecycleBase,
  batchIndex: z.int().nonnegative().optional(),
  /** Present on the last batch of an upload. */
  uploadTotals: uploadTotalsSchema.optional(),
});

export const processingStartedEventSchema = z.object({
  type: z.literal('processing-started'),
  ...lifecycleBase,
});

export const processingCompletedEventSchema = z.object({
  type: z.literal('processing-completed'),
  ...lifecycleBase,
  durationMs: z.number().nonnegative(),
  /** Processing attempts it took (1 when the first succeeded). */
  attempts: z.int().positive(),
});

export const processingFailedEventSchema = z.object({
  type: z.literal('processing-failed'),
  ...lifecycleBase,
  durationMs: z.number().nonnegative(),
  attempts: z.int().nonnegative(),
  error: z.string(),
  errorCode: z.string(),
});

/** Wire format of topic `message-events`: one lifecycle event per record, keyed by `logId`. */
export const lifecycleEventSchema = z.discriminatedUnion('type', [
  messageReceivedEventSchema,
  processingStartedEventSchema,
  processingCompletedEventSchema,
  processingFailedEventSchema,
]);
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type MessageReceivedEvent = z.infer<typeof messageReceivedEventSchema>;
export type ProcessingStartedEvent = z.infer<typeof processingStartedEventSchema>;
export type ProcessingCompletedEvent = z.infer<typeof processingCompletedEventSchema>;
export type ProcessingFailedEvent = z.infer<typeof processingFailedEventSchema>;
