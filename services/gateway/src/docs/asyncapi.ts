import {
  CONTRACT_VERSION,
  DEFAULT_TOPIC_NAMES,
  TRACE_HEADERS,
  deadLetterSchema,
  ingestEnvelopeSchema,
  jsonSchemaOf,
  lifecycleEventSchema,
  processedOrderSchema,
  serverEventPayloadSchemas,
  subscriptionAckSchema,
  subscriptionTargetSchema,
  type ServerEventName,
  type TopicNames,
} from '@flowcast/common/contracts';
import type { z } from 'zod';

/** AsyncAPI's default schema format is a superset of JSON Schema draft-07. */
const payload = (schema: z.ZodType, io: 'input' | 'output' = 'output') => jsonSchemaOf(schema, { target: 'draft-07', io });

const SERVER_EVENT_SUMMARIES = {
  'connection-success': 'Right after a client connects',
  'message-received': 'A worker received the message from Kafka (status RECEIVED); CSV batches carry rowCount and uploadId',
  'processing-started': 'Processing began (status PROCESSING)',
  'processing-completed': 'Processing succeeded (status PROCESSED)',
  'processing-failed': 'Processing failed (status FAILED), with the error',
  'stats-updated': 'Platform statistics changed (at most every STATS_INTERVAL_MS), and to each client as it connects',
} as const satisfies Record<ServerEventName, string>;

/** camelCase ids for AsyncAPI components; the message `name` keeps the wire name. */
const idOf = (name: string) => name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

const ref = (path: string) => ({ $ref: path });

/**
 * The Socket.IO events and the Kafka topics as one AsyncAPI 3 document, from the point of view
 * of Flowcast as a whole: it sends the events to Socket.IO clients and receives their
 * subscriptions, and it writes and reads the topics. Payloads are the contract's zod schemas.
 */
export function flowcastAsyncApi(topics: TopicNames = DEFAULT_TOPIC_NAMES, { socketAuth = false }: { socketAuth?: boolean } = {}): Record<string, unknown> {
  const serverEvents = Object.keys(SERVER_EVENT_SUMMARIES) as ServerEventName[];
  const socketMessages: Record<string, unknown> = {};
  for (const name of serverEvents) {
    socketMessages[idOf(name)] = {
      name,
      title: name,
      summary: SERVER_EVENT_SUMMARIES[name],
      payload: payload(serverEventPayloadSchemas[name]),
    };
  }
  socketMessages['subscribe'] = {
    name: 'subscribe',
    title: 'subscribe',
    summary: 'Receive only the events of one message ({ logId }) or one upload ({ uploadId }): joins room log:<id> or upload:<id>',
    payload: payload(subscriptionTargetSchema, 'input'),
  };
  socketMessages['unsubscribe'] = {
    name: 'unsubscribe',
    title: 'unsubscribe',
    summary: 'Leave a room; a client with no subscription left receives every event again',
    payload: payload(subscriptionTargetSchema, 'input'),
  };
  socketMessages['subscriptionAck'] = {
    name: 'subscriptionAck',
    title: 'acknowledgement of subscribe / unsubscribe',
    summary: 'The Socket.IO acknowledgement: the client’s rooms now, or why the target was refused',
    payload: payload(subscriptionAckSchema),
  };

  const kafkaMessage = (title: string, summary: string, schema: z.ZodType, key: Record<string, unknown>, traced = true) => ({
    name: title,
    title,
    summary,
    payload: payload(schema),
    ...(traced
      ? {
          headers: {
            type: 'object',
            description: 'W3C trace context, so that one logId is one trace',
            properties: Object.fromEntries(TRACE_HEADERS.map((header) => [header, { type: 'string' }])),
          },
        }
      : {}),
    bindings: { kafka: { key, bindingVersion: '0.5.0' } },
  });
  const logIdKey = { type: 'string', format: 'uuid', description: 'logId: one message’s records stay in one partition, in order' };

  const channels = {
    socket: {
      address: '/',
      title: 'Socket.IO main namespace',
      description:
        'Every client receives every event until it subscribes; from then on only the events of its rooms (log:<logId>, ' +
        'upload:<uploadId>) until it unsubscribes from the last one. Event names are the messages’ names; fields may be ' +
        'added to payloads, never removed or renamed. With tokens (SOCKET_AUTH_SECRET), "every event" is what the token ' +
        'grants: all of them for uploads "*" and logs "*", otherwise the listed uploads and messages; subscribing beyond ' +
        'the grant is refused with FORBIDDEN.',
      servers: [ref('#/servers/gateway')],
      messages: Object.fromEntries(Object.keys(socketMessages).map((id) => [id, ref(`#/components/messages/${id}`)])),
    },
    messages: {
      address: topics.messages,
      title: 'Ingest envelopes',
      servers: [ref('#/servers/kafka')],
      messages: { ingestEnvelope: ref('#/components/messages/ingestEnvelope') },
    },
    messageEvents: {
      address: topics.messageEvents,
      title: 'Lifecycle events',
      servers: [ref('#/servers/kafka')],
      messages: { lifecycleEvent: ref('#/components/messages/lifecycleEvent') },
    },
    ordersProcessed: {
      address: topics.ordersProcessed,
      title: 'Processed orders',
      servers: [ref('#/servers/kafka')],
      messages: { processedOrder: ref('#/components/messages/processedOrder') },
    },
    deadLetter: {
      address: topics.deadLetter,
      title: 'Dead letters',
      servers: [ref('#/servers/kafka')],
      messages: { deadLetter: ref('#/components/messages/deadLetter') },
    },
  };

  const operations: Record<string, unknown> = {};
  for (const name of serverEvents) {
    operations[`send${idOf(name).replace(/^\w/, (letter) => letter.toUpperCase())}`] = {
      action: 'send',
      channel: ref('#/channels/socket'),
      summary: `${name}: ${SERVER_EVENT_SUMMARIES[name]}`,
      messages: [ref(`#/channels/socket/messages/${idOf(name)}`)],
    };
  }
  for (const name of ['subscribe', 'unsubscribe'] as const) {
    operations[`receive${name.replace(/^\w/, (letter) => letter.toUpperCase())}`] = {
      action: 'receive',
      channel: ref('#/channels/socket'),
      summary: `${name} { logId } | { uploadId }, acknowledged with the client’s rooms`,
      messages: [ref(`#/channels/socket/messages/${name}`)],
      reply: { channel: ref('#/channels/socket'), messages: [ref('#/channels/socket/messages/subscriptionAck')] },
    };
  }
  const topicOperation = (action: 'send' | 'receive', channel: string, message: string, summary: string) => ({
    action,
    channel: ref(`#/channels/${channel}`),
    summary,
    messages: [ref(`#/channels/${channel}/messages/${message}`)],
  });
  Object.assign(operations, {
    produceIngestEnvelopes: topicOperation('send', 'messages', 'ingestEnvelope', 'The producer writes one envelope per message or CSV batch (acks=all; one transaction per upload)'),
    consumeIngestEnvelopes: topicOperation('receive', 'messages', 'ingestEnvelope', 'The worker group processes the envelopes'),
    produceLifecycleEvents: topicOperation('send', 'messageEvents', 'lifecycleEvent', 'Workers write each step of each message'),
    consumeLifecycleEvents: topicOperation('receive', 'messageEvents', 'lifecycleEvent', 'Gateways update the status view and broadcast the Socket.IO events'),
    produceProcessedOrders: topicOperation('send', 'ordersProcessed', 'processedOrder', 'Workers write each accepted order, keyed logId:row, for downstream users'),
    produceDeadLetters: topicOperation('send', 'deadLetter', 'deadLetter', 'Workers write what cannot be processed, with the error, for operators'),
  });

  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Flowcast events',
      version: CONTRACT_VERSION,
      description:
        'Live message lifecycle over Socket.IO (the gateway) and the Kafka topics between producer, workers and gateways. ' +
        'Generated from the zod contract schemas in services/common/src/contracts.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: 'localhost:3001',
        protocol: 'ws',
        pathname: '/socket.io/',
        title: 'Gateway (Socket.IO 4)',
        description: 'Socket.IO 4 (Engine.IO 4): WebSocket, with HTTP long-polling as the fallback. Port 3001 by default.',
        security: [ref('#/components/securitySchemes/socketToken')],
      },
      kafka: {
        host: 'localhost:9092',
        protocol: 'kafka',
        title: 'Kafka',
        description: 'The brokers of KAFKA_BROKERS; topic names are configuration (TOPIC_*), these are the defaults.',
      },
    },
    channels,
    operations,
    components: {
      securitySchemes: {
        socketToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            `${socketAuth ? 'Required' : 'Required where the gateway has SOCKET_AUTH_SECRET (the Helm chart’s default; development takes every connection)'}: ` +
            'a JWT signed with HS256 and that secret, with aud "flowcast", exp, and the grants uploads and logs (uploadIds / logIds, ' +
            'or "*"). Sent in the handshake, io(url, { auth: { token } }), or as Authorization: Bearer <token>; verified on connect ' +
            'and again when a session recovers. A refused connection gets connect_error with data { code: "UNAUTHORIZED", ' +
            'reason: "missing" | "invalid" | "expired" }; the transport is closed when the token expires. The producer’s 202 ' +
            'answers carry one (socketToken) for what they accepted.',
        },
      },
      messages: {
        ...socketMessages,
        ingestEnvelope: kafkaMessage('ingestEnvelope', 'One JSON message, or one batch of a CSV upload', ingestEnvelopeSchema, logIdKey),
        lifecycleEvent: kafkaMessage('lifecycleEvent', 'One step of one message', lifecycleEventSchema, logIdKey),
        processedOrder: kafkaMessage('processedOrder', 'One normalised order record', processedOrderSchema, {
          type: 'string',
          description: 'logId:row',
        }),
        deadLetter: kafkaMessage('deadLetter', 'The original record and why it was dead-lettered', deadLetterSchema, {
          type: 'string',
          description: 'logId, when the record had one',
        }),
      },
    },
  };
}
