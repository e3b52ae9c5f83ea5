import { CONTRACT_VERSION, GATEWAY_ROUTES, dashboardConfigSchema, jsonSchemaOf, logStatusSchema, statsUpdatedPayloadSchema, uploadProgressSchema } from '@flowcast/common/contracts';
import { openApi, type OpenApiDocument } from '@flowcast/common/nest';

const uuidParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', format: 'uuid' },
});

/**
 * The gateway's HTTP API as OpenAPI 3.1: the status endpoints, the dashboard and its run-time
 * configuration. Its Socket.IO events are in the AsyncAPI document beside it.
 */
export function gatewayOpenApi({ socketAuth = false }: { socketAuth?: boolean } = {}): OpenApiDocument {
  const security = openApi.security(['socketToken'], socketAuth);
  const authErrors = ['UNAUTHORIZED', 'FORBIDDEN'] as const;
  return {
    openapi: '3.1.1',
    info: {
      title: 'Flowcast gateway',
      version: CONTRACT_VERSION,
      description:
        'Where a message or an upload is, and platform statistics, for clients that reconnect or poll. ' +
        'Live events are Socket.IO on this same origin (/socket.io/): see the AsyncAPI document. ' +
        `The status endpoints ${socketAuth ? 'need' : 'need, where the gateway has SOCKET_AUTH_SECRET,'} a token (Authorization: Bearer <token>, ` +
        'the token of the Socket.IO handshake) and show only the messages and uploads it allows (403 for others, known or not).',
    },
    tags: [{ name: 'status' }, { name: 'dashboard' }, { name: 'operations' }, { name: 'docs' }],
    paths: {
      [`${GATEWAY_ROUTES.logs}/{logId}`]: {
        get: {
          operationId: 'getLogStatus',
          summary: 'A message’s status and the time of each step',
          tags: ['status'],
          security,
          parameters: [uuidParameter('logId', 'The logId the producer returned')],
          responses: {
            '200': openApi.json('The message’s latest status and history', jsonSchemaOf(logStatusSchema)),
            ...openApi.errors(['VALIDATION_FAILED', ...authErrors, 'NOT_FOUND']),
          },
        },
      },
      [`${GATEWAY_ROUTES.uploads}/{uploadId}`]: {
        get: {
          operationId: 'getUploadProgress',
          summary: 'A CSV upload’s batches, rows and progress',
          tags: ['status'],
          security,
          parameters: [uuidParameter('uploadId', 'The uploadId the producer returned')],
          responses: {
            '200': openApi.json('How far the upload has got', jsonSchemaOf(uploadProgressSchema)),
            ...openApi.errors(['VALIDATION_FAILED', ...authErrors, 'NOT_FOUND']),
          },
        },
      },
      [GATEWAY_ROUTES.stats]: {
        get: {
          operationId: 'getStats',
          summary: 'Platform statistics now: the payload of stats-updated',
          tags: ['status'],
          security,
          responses: {
            '200': openApi.json('Counters, workers and clients', jsonSchemaOf(statsUpdatedPayloadSchema)),
            ...openApi.errors(['UNAUTHORIZED']),
          },
        },
      },
      '/': {
        get: {
          summary: 'The live dashboard (static page; 503 when it was not built)',
          tags: ['dashboard'],
          responses: {
            '200': { description: 'The dashboard', content: { 'text/html': { schema: { type: 'string' } } } },
            '503': { description: 'The dashboard was not built', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      [GATEWAY_ROUTES.dashboardConfig]: {
        get: {
          operationId: 'getDashboardConfig',
          summary: 'The dashboard’s run-time configuration: where the producer is, the trace UI link',
          tags: ['dashboard'],
          responses: { '200': openApi.json('Run-time configuration', jsonSchemaOf(dashboardConfigSchema)) },
        },
      },
      ...openApi.operationsPaths(),
      ...openApi.docsPaths({ asyncapi: true }),
    },
    components: openApi.components({
      socketToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A Socket.IO token: JWT HS256 signed with SOCKET_AUTH_SECRET, aud "flowcast", exp, uploads and logs grants (ids or "*")',
      },
    }),
  };
}
