import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ApiDocsController, OperationsController, checkCommittedDocument, declaredRoutes, documentedRoutes } from '@flowcast/common/nest';
import { INGEST_ROUTES } from '@flowcast/common/contracts';
import { loadConfig } from '../config.js';
import { IngestController } from '../ingest/ingest.controller.js';
import { producerOpenApi } from './openapi.js';

const DOCS = new URL('../../../../docs/api/', import.meta.url);

describe('the producer OpenAPI document', () => {
  const document = producerOpenApi(loadConfig({}));

  it('is valid OpenAPI 3.1', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('lists exactly the routes the controllers declare, and the single-message route', () => {
    const declared = [...declaredRoutes([IngestController, OperationsController, ApiDocsController]), `POST ${INGEST_ROUTES.single}`].sort();
    assert.deepEqual(documentedRoutes(document), declared);
  });

  it('states the configured limits', () => {
    const small = producerOpenApi(loadConfig({ CSV_BATCH_SIZE: '25', MAX_BODY_BYTES: '2048' }));
    assert.match(JSON.stringify(small), /batches of 25 rows/);
    assert.match(JSON.stringify(small), /At most 2048 bytes/);
  });

  it('documents the edge: API keys (optional without API_KEYS, required with), 401, 408 and 429 with their headers; operations stay open', () => {
    const ingest = (doc: typeof document) => [doc.paths['/producers/send/single']!['post']!, doc.paths['/producers/upload/csv']!['post']!];
    for (const operation of ingest(document)) {
      assert.deepEqual(operation['security'], [{}, { apiKeyBearer: [] }, { apiKeyHeader: [] }]);
      const responses = operation.responses as Record<string, { headers?: Record<string, unknown> }>;
      for (const status of ['401', '408', '429', '503']) assert.ok(responses[status] !== undefined, status);
      assert.ok(responses['401']!.headers?.['WWW-Authenticate'] !== undefined);
      assert.ok(responses['429']!.headers?.['Retry-After'] !== undefined);
    }
    const keyed = producerOpenApi(loadConfig({ API_KEYS: 'a-key-of-sixteen-chars', RATE_LIMIT_MAX: '50' }));
    for (const operation of ingest(keyed)) assert.deepEqual(operation['security'], [{ apiKeyBearer: [] }, { apiKeyHeader: [] }]);
    assert.match(String(keyed.info.description), /may send 50 requests per 60 s/);
    assert.equal(keyed.paths['/healthz']!['get']!['security'], undefined, 'probes need no key');
  });

  it('equals its committed copy (default configuration), docs/api/producer.openapi.json', () => {
    assert.equal(checkCommittedDocument(new URL('producer.openapi.json', DOCS), document), undefined);
  });
});
