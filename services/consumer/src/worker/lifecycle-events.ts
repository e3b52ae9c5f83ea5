import type {
  FlowcastError,
  IngestEnvelope,
  MessageReceivedEvent,
  ProcessingCompletedEvent,
  ProcessingFailedEvent,
  ProcessingStartedEvent,
} from '@flowcast/common/contracts';

/**
 * Builds the lifecycle events of one message, as written to `message-events`; `timestamp` is
 * when the step happened (ISO 8601). Written out field by field: a worker builds three for
 * every message it handles.
 */
export const lifecycleEvents = {
  received(envelope: IngestEnvelope, consumerId: string, timestamp: string): MessageReceivedEvent {
    const { logId, dataType, producedAt, records } = envelope;
    const event: MessageReceivedEvent = { type: 'message-received', logId, timestamp, dataType, consumerId, producedAt, rowCount: records.length };
    if (envelope.dataType === 'CSV_BATCH') {
      event.uploadId = envelope.uploadId;
      event.batchIndex = envelope.batchIndex;
      if (envelope.uploadTotals !== undefined) event.uploadTotals = envelope.uploadTotals;
    }
    return event;
  },
  started(envelope: IngestEnvelope, consumerId: string, timestamp: string): ProcessingStartedEvent {
    const { logId, dataType, producedAt, records } = envelope;
    return withUpload<ProcessingStartedEvent>({ type: 'processing-started', logId, timestamp, dataType, consumerId, producedAt, rowCount: records.length }, envelope);
  },
  completed(envelope: IngestEnvelope, consumerId: string, timestamp: string, durationMs: number, attempts: number): ProcessingCompletedEvent {
    const { logId, dataType, producedAt, records } = envelope;
    return withUpload<ProcessingCompletedEvent>(
      { type: 'processing-completed', logId, timestamp, dataType, consumerId, producedAt, rowCount: records.length, durationMs, attempts },
      envelope,
    );
  },
  failed(
    envelope: IngestEnvelope,
    consumerId: string,
    timestamp: string,
    durationMs: number,
    attempts: number,
    error: FlowcastError,
  ): ProcessingFailedEvent {
    const { logId, dataType, producedAt, records } = envelope;
    return withUpload<ProcessingFailedEvent>(
      {
        type: 'processing-failed',
        logId,
        timestamp,
        dataType,
        consumerId,
        producedAt,
        rowCount: records.length,
        durationMs,
        attempts,
        error: error.message,
        errorCode: error.code,
      },
      envelope,
    );
  },
};

function withUpload<T extends { uploadId?: string | undefined }>(event: T, envelope: IngestEnvelope): T {
  if (envelope.dataType === 'CSV_BATCH') event.uploadId = envelope.uploadId;
  return event;
}
