import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Parser } from '@asyncapi/parser';
import {
  CLIENT_EVENTS,
  DEFAULT_TOPIC_NAMES,
  SERVER_EVENTS,
  jsonSchemaOf,
  serverEventPayloadSchemas,
  subscriptionAckSchema,
  subscriptionTargetSchema,
} from '@flowcast/common/contracts';
import { ApiDocsController, OperationsController, checkCommittedDocument, declaredRoutes, documentedRoutes } from '@flowcast/common/nest';
import { DashboardController } from '../dashboard/dashboard.js';
import { StatusController } from '../status/status.controller.js';
import { flowcastAsyncApi } from './asyncapi.js';
import { gatewayOpenApi } from './openapi.js';

const DOCS = new URL('../../../../docs/api/', import.meta.url);

describe('the gateway OpenAPI document', () => {
  const document = gatewayOpenApi();

  it('is valid OpenAPI 3.1', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('lists exactly the routes the controllers declare (plus the static dashboard at /)', () => {
    const declared = declaredRoutes([StatusController, OperationsController, DashboardController, ApiDocsController]);
    assert.deepEqual(documentedRoutes(document), [...declared, 'GET /'].sort());
  });

  it('documents the token of the status endpoints: optional by default, required with SOCKET_AUTH_SECRET; 401 and 403', () => {
    const status = (doc: typeof document) => doc.paths['/api/uploads/{uploadId}']!['get']!;
    assert.deepEqual(status(document)['security'], [{}, { socketToken: [] }]);
    assert.deepEqual(status(gatewayOpenApi({ socketAuth: true }))['security'], [{ socketToken: [] }]);
    assert.ok((status(document).responses as Record<string, unknown>)['403'] !== undefined);
    assert.equal(document.paths['/config.json']!['get']!['security'], undefined, 'the dashboard reads it before it has a token');
  });

  it('equals its committed copy, docs/api/gateway.openapi.json', () => {
    assert.equal(checkCommittedDocument(new URL('gateway.openapi.json', DOCS), document), undefined);
  });
});

describe('the AsyncAPI document', () => {
  const document = flowcastAsyncApi();

  it('is valid AsyncAPI 3 for @asyncapi/parser, without a single diagnostic', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(structuredClone(document) as never);
    assert.deepEqual(
      diagnostics.map((diagnostic) => `${diagnostic.code}: ${diagnostic.message} at ${diagnostic.path.join('.')}`),
      [],
    );
    assert.ok(parsed);
    assert.equal(parsed.version(), '3.1.0');
  });

  it('describes every Socket.IO event with its contract schema', async () => {
    const messages = (document['components'] as { messages: Record<string, { name: string; payload: unknown }> }).messages;
    const byName = new Map(Object.values(messages).map((message) => [message.name, message.payload]));
    for (const name of SERVER_EVENTS) {
      assert.deepEqual(byName.get(name), jsonSchemaOf(serverEventPayloadSchemas[name], { target: 'draft-07' }), name);
    }
    for (const name of CLIENT_EVENTS) {
      assert.deepEqual(byName.get(name), jsonSchemaOf(subscriptionTargetSchema, { target: 'draft-07', io: 'input' }), name);
    }
    assert.deepEqual(byName.get('subscriptionAck'), jsonSchemaOf(subscriptionAckSchema, { target: 'draft-07' }));
  });

  it('describes every Kafka topic under its configured name', () => {
    const addresses = Object.values(document['channels'] as Record<string, { address: string }>).map((channel) => channel.address);
    for (const topic of Object.values(DEFAULT_TOPIC_NAMES)) assert.ok(addresses.includes(topic), topic);
    const renamed = flowcastAsyncApi({ ...DEFAULT_TOPIC_NAMES, messages: 'acme.messages' });
    assert.equal((renamed['channels'] as Record<string, { address: string }>)['messages']!.address, 'acme.messages');
  });

  it('equals its committed copy, docs/api/asyncapi.json', () => {
    assert.equal(checkCommittedDocument(new URL('asyncapi.json', DOCS), document), undefined);
  });
});
