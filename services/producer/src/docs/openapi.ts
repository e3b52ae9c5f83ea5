import {
  CONTRACT_VERSION,
  CSV_FILE_FIELD,
  INGEST_ROUTES,
  csvAcceptedSchema,
  ingestRecordSchema,
  jsonSchemaOf,
  singleAcceptedSchema,
} from '@flowcast/common/contracts';
import { openApi, type OpenApiDocument } from '@flowcast/common/nest';
import type { ProducerConfig } from '../config.js';

const EXAMPLE_ORDER = { orderNumber: 'ORD-1', productName: 'Widget', quantity: 2, price: 9.99 };

/**
 * The producer's HTTP API as OpenAPI 3.1. Request and response bodies are the contract's zod
 * schemas turned into JSON Schema, and the limits are this instance's configuration.
 */
export function producerOpenApi(config: Pick<ProducerConfig, 'csv' | 'limits' | 'edge' | 'socketTokens'>): OpenApiDocument {
  const keysRequired = config.edge.apiKeys.length > 0;
  const security = openApi.security(Object.keys(API_KEY_SCHEMES), keysRequired);
  // Refusals of the HTTP edge, in front of every ingest endpoint.
  const edgeErrors = ['UNAUTHORIZED', 'REQUEST_TIMEOUT', 'RATE_LIMITED'] as const;
  const limit = config.edge.rateLimit;
  return {
    openapi: '3.1.1',
    info: {
      title: 'Flowcast producer',
      version: CONTRACT_VERSION,
      description:
        'HTTP ingest: one JSON message, or a CSV file streamed in batches, into Kafka. 202 Accepted means Kafka has the ' +
        'message (acks=all). Follow each message live on the gateway (Socket.IO, AsyncAPI document at the gateway’s /docs). ' +
        `The ingest endpoints ${keysRequired ? 'need' : 'take, where API_KEYS is set,'} an API key as Authorization: Bearer <key> or X-API-Key: <key> (401 otherwise); ` +
        `${limit === undefined ? 'with RATE_LIMIT_MAX, each client (its key, else its address) may send so many requests per window' : `each client (its key, else its address) may send ${limit.max} requests per ${limit.windowMs / 1000} s`} (429 with Retry-After beyond); ` +
        `a request must arrive whole within ${config.edge.requestTimeoutMs / 1000} s (408). ` +
        `${config.socketTokens === undefined ? 'Where the producer shares the gateway’s SOCKET_AUTH_SECRET, each 202 answer carries' : 'Each 202 answer carries'} a socketToken for the gateway that allows that message or upload.`,
    },
    tags: [{ name: 'ingest' }, { name: 'operations' }, { name: 'docs' }],
    paths: {
      [INGEST_ROUTES.single]: {
        post: {
          operationId: 'sendSingle',
          summary: 'Send one JSON object: one Kafka message with dataType SINGLE_MESSAGE',
          description:
            'Any non-empty JSON object is accepted. The default processor then expects an order (orderNumber, productName, ' +
            'quantity > 0, price ≥ 0); an invalid order is accepted here and fails in processing (processing-failed).',
          tags: ['ingest'],
          security,
          requestBody: {
            required: true,
            description: `At most ${config.limits.maxBodyBytes} bytes.`,
            content: { 'application/json': { schema: jsonSchemaOf(ingestRecordSchema, { io: 'input' }), examples: { order: { value: EXAMPLE_ORDER } } } },
          },
          responses: {
            '202': openApi.json('Kafka has the message', jsonSchemaOf(singleAcceptedSchema)),
            ...openApi.errors(['INVALID_JSON', 'EMPTY_BODY', 'BODY_NOT_OBJECT', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE', ...edgeErrors, 'KAFKA_UNAVAILABLE']),
          },
        },
      },
      [INGEST_ROUTES.csv]: {
        post: {
          operationId: 'uploadCsv',
          summary: `Upload a CSV file: batches of ${config.csv.batchSize} rows, one Kafka transaction, dataType CSV_BATCH`,
          description:
            'The file is streamed, never held in memory, and refused whole at its first bad row (row and column in the error). ' +
            `The header must name ${config.csv.requiredColumns.length === 0 ? 'at least one column' : config.csv.requiredColumns.join(', ')}. ` +
            'Follow the upload with subscribe { uploadId } on the gateway and GET /api/uploads/{uploadId}.',
          tags: ['ingest'],
          security,
          requestBody: {
            required: true,
            description: `At most ${config.limits.maxUploadBytes} bytes.`,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: { [CSV_FILE_FIELD]: { type: 'string', contentMediaType: 'text/csv', description: 'The CSV file, header first' } },
                  required: [CSV_FILE_FIELD],
                },
              },
            },
          },
          responses: {
            '202': openApi.json('Every batch is committed to Kafka', jsonSchemaOf(csvAcceptedSchema)),
            ...openApi.errors([
              'CSV_FILE_MISSING',
              'CSV_EMPTY',
              'CSV_HEADER_INVALID',
              'CSV_NO_ROWS',
              'CSV_RAGGED_ROW',
              'CSV_MALFORMED',
              'CSV_NOT_TEXT',
              'VALIDATION_FAILED',
              'UNSUPPORTED_MEDIA_TYPE',
              'PAYLOAD_TOO_LARGE',
              ...edgeErrors,
              'KAFKA_UNAVAILABLE',
            ]),
          },
        },
      },
      ...openApi.operationsPaths(),
      ...openApi.docsPaths({ asyncapi: false }),
    },
    components: openApi.components(API_KEY_SCHEMES),
  };
}

/** The two ways to send an API key. */
const API_KEY_SCHEMES = {
  apiKeyBearer: { type: 'http', scheme: 'bearer', description: 'An API key of API_KEYS, as Authorization: Bearer <key>' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key of API_KEYS' },
};
