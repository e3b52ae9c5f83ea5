import { z } from 'zod';
import { DATA_TYPES } from './ingest-envelope.js';
import type { LifecycleEvent, LifecycleEventType } from './lifecycle-event.js';
import { statsSnapshotSchema } from './status.js';

/**
 * Wire format: the Socket.IO contract of `reference/websocket-events.md`.
 * Clients written against that document rely on these names and fields; fields may be
 * added (such as `uploadId` on the events of a CSV batch), never removed or renamed.
 */
export const SERVER_EVENTS = [
  'connection-success',
  'message-received',
  'processing-started',
  'processing-completed',
  'processing-failed',
  'stats-updated',
] as const;
export type ServerEventName = (typeof SERVER_EVENTS)[number];

export const CONNECTION_SUCCESS_MESSAGE = 'Connected to Consumer Service WebSocket';

const timestamp = z.iso.datetime();
/** Added to the events of CSV batches; absent for single messages. */
const uploadId = z.uuid().optional();

export const connectionSuccessPayloadSchema = z.object({
  message: z.string(),
  timestamp,
});
export const messageReceivedPayloadSchema = z.object({
  logId: z.string(),
  data: z.object({
    dataType: z.enum(DATA_TYPES),
    /** Only present for CSV_BATCH. */
    rowCount: z.int().positive().optional(),
  }),
  timestamp,
  uploadId,
});
export const processingStartedPayloadSchema = z.object({
  logId: z.string(),
  status: z.literal('PROCESSING'),
  timestamp,
  uploadId,
});
export const processingCompletedPayloadSchema = z.object({
  logId: z.string(),
  consumerId: z.string(),
  status: z.literal('PROCESSED'),
  timestamp,
  uploadId,
});
export const processingFailedPayloadSchema = z.object({
  logId: z.string(),
  status: z.literal('FAILED'),
  error: z.string(),
  timestamp,
  uploadId,
});
/** Dynamic statistics: at least the snapshot's counters, plus whatever a gateway adds. */
export const statsUpdatedPayloadSchema = z.looseObject({ ...statsSnapshotSchema.shape, timestamp });

export type ConnectionSuccessPayload = z.infer<typeof connectionSuccessPayloadSchema>;
export type MessageReceivedPayload = z.infer<typeof messageReceivedPayloadSchema>;
export type ProcessingStartedPayload = z.infer<typeof processingStartedPayloadSchema>;
export type ProcessingCompletedPayload = z.infer<typeof processingCompletedPayloadSchema>;
export type ProcessingFailedPayload = z.infer<typeof processingFailedPayloadSchema>;
export type StatsUpdatedPayload = z.infer<typeof statsUpdatedPayloadSchema>;

export const serverEventPayloadSchemas = {
  'connection-success': connectionSuccessPayloadSchema,
  'message-received': messageReceivedPayloadSchema,
  'processing-started': processingStartedPayloadSchema,
  'processing-completed': processingCompletedPayloadSchema,
  'processing-failed': processingFailedPayloadSchema,
  'stats-updated': statsUpdatedPayloadSchema,
} as const satisfies Record<ServerEventName, z.ZodType>;

export interface ServerToClientEvents {
  'connection-success': (payload: ConnectionSuccessPayload) => void;
  'message-received': (payload: MessageReceivedPayload) => void;
  'processing-started': (payload: ProcessingStartedPayload) => void;
  'processing-completed': (payload: ProcessingCompletedPayload) => void;
  'processing-failed': (payload: ProcessingFailedPayload) => void;
  'stats-updated': (payload: StatsUpdatedPayload) => void;
}

/** What a client may subscribe to: one message, or every batch of one upload. */
export const subscriptionTargetSchema = z.union([
  z.strictObject({ logId: z.uuid() }),
  z.strictObject({ uploadId: z.uuid() }),
]);
export type SubscriptionTarget = z.infer<typeof subscriptionTargetSchema>;
/** The acknowledgement of `subscribe` / `unsubscribe`: the client's rooms now, or why the target was refused. */
export const subscriptionAckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rooms: z.array(z.string()) }),
  // FORBIDDEN: the client's token does not allow that id (only with SOCKET_AUTH_SECRET).
  // TOO_MANY_SUBSCRIPTIONS: the connection holds SOCKET_MAX_SUBSCRIPTIONS rooms already.
  z.object({ ok: z.literal(false), error: z.object({ code: z.enum(['VALIDATION_FAILED', 'FORBIDDEN', 'TOO_MANY_SUBSCRIPTIONS']), message: z.string() }) }),
]);
export type SubscriptionAck = z.infer<typeof subscriptionAckSchema>;

export const CLIENT_EVENTS = ['subscribe', 'unsubscribe'] as const;
export interface ClientToServerEvents {
  subscribe: (target: SubscriptionTarget, ack?: (result: SubscriptionAck) => void) => void;
  unsubscribe: (target: SubscriptionTarget, ack?: (result: SubscriptionAck) => void) => void;
}

/** Room names: a client that subscribes receives only its rooms' events. */
export const ROOM_ALL = 'all';
export function roomOf(target: SubscriptionTarget): string {
  return 'logId' in target ? `log:${target.logId}` : `upload:${target.uploadId}`;
}

export type LifecycleSocketEvent = {
  [Name in LifecycleEventType]: { name: Name; payload: Parameters<ServerToClientEvents[Name]>[0] };
}[LifecycleEventType];

/** The Socket.IO event a lifecycle event becomes, with exactly the reference payload (+ uploadId). */
export function toSocketEvent(event: LifecycleEvent): LifecycleSocketEvent {
  const upload = event.uploadId === undefined ? {} : { uploadId: event.uploadId };
  switch (event.type) {
    case 'message-received':
      return {
        name: event.type,
        payload: {
          logId: event.logId,
          data:
            event.dataType === 'CSV_BATCH'
              ? { dataType: event.dataType, rowCount: event.rowCount }
              : { dataType: event.dataType },
          timestamp: event.timestamp,
          ...upload,
        },
      };
    case 'processing-started':
      return {
        name: event.type,
        payload: { logId: event.logId, status: 'PROCESSING', timestamp: event.timestamp, ...upload },
      };
    case 'processing-completed':
      return {
        name: event.type,
        payload: {
          logId: event.logId,
          consumerId: event.consumerId,
          status: 'PROCESSED',
          timestamp: event.timestamp,
          ...upload,
        },
      };
    case 'processing-failed':
      return {
        name: event.type,
        payload: {
          logId: event.logId,
          status: 'FAILED',
          error: event.error,
          timestamp: event.timestamp,
          ...upload,
        },
      };
  }
}
