import type {
  FlowcastError,
  IngestEnvelope,
  MessageReceivedEvent,
  ProcessingCompletedEvent,
  ProcessingFailedEvent,
  ProcessingStartedEvent,
} from '@flowcast/common/contracts';

function base(envelope: IngestEnvelope, consumerId: string, at: Date) {
  return {
    logId: envelope.logId,
    timestamp: at.toISOString(),
    dataType: envelope.dataType,
    ...(envelope.dataType === 'CSV_BATCH' ? { uploadId: envelope.uploadId } : {}),
    consumerId,
    producedAt: envelope.producedAt,
    rowCount: envelope.records.length,
  };
}

/** Builds the lifecycle events of one message, as written to `message-events`. */
export const lifecycleEvents = {
  received(envelope: IngestEnvelope, consumerId: string, at: Date): MessageReceivedEvent {
    return {
      type: 'message-received',
      ...base(envelope, consumerId, at),
      ...(envelope.dataType === 'CSV_BATCH'
        ? {
            batchIndex: envelope.batchIndex,
            ...(envelope.uploadTotals === undefined ? {} : { uploadTotals: envelope.uploadTotals }),
          }
        : {}),
    };
  },
  started(envelope: IngestEnvelope, consumerId: string, at: Date): ProcessingStartedEvent {
    return { type: 'processing-started', ...base(envelope, consumerId, at) };
  },
  completed(envelope: IngestEnvelope, consumerId: string, at: Date, durationMs: number, attempts: number): ProcessingCompletedEvent {
    return { type: 'processing-completed', ...base(envelope, consumerId, at), durationMs, attempts };
  },
  failed(
    envelope: IngestEnvelope,
    consumerId: string,
    at: Date,
    durationMs: number,
    attempts: number,
    error: FlowcastError,
  ): ProcessingFailedEvent {
    return {
      type: 'processing-failed',
      ...base(envelope, consumerId, at),
      durationMs,
      attempts,
      error: error.message,
      errorCode: error.code,
    };
  },
};
