/**
 * Wire format: the Kafka topics Flowcast reads and writes, by role.
 * Names are configuration (see `topicsEnvironment` in ../config); these are the defaults.
 */
export const TOPIC_ROLES = ['messages', 'messageEvents', 'ordersProcessed', 'deadLetter'] as const;
export type TopicRole = (typeof TOPIC_ROLES)[number];
export type TopicNames = Readonly<Record<TopicRole, string>>;

export const DEFAULT_TOPIC_NAMES = {
  /** Ingest envelopes, keyed by logId. Written by the producer, read by the consumer group. */
  messages: 'messages',
  /** Lifecycle events, keyed by logId so that one message's events stay in order. Read by gateways. */
  messageEvents: 'message-events',
  /** Normalised order records, keyed `logId:row`, for downstream users. */
  ordersProcessed: 'orders.processed',
  /** Envelopes that could not be decoded or still failed after retries, with the error. */
  deadLetter: 'messages.dlq',
} as const satisfies TopicNames;

/** W3C trace context headers carried on every Kafka record that belongs to a message. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;
