import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { ApiDocsController, OperationsController, checkCommittedDocument, declaredRoutes, documentedRoutes } from '@flowcast/common/nest';
import { loadConfig } from '../config.js';
import { IngestController } from '../ingest/ingest.controller.js';
import { producerOpenApi } from './openapi.js';

const DOCS = new URL('../../../../docs/api/', import.meta.url);

describe('the producer OpenAPI document', () => {
  const document = producerOpenApi(loadConfig({}));

  it('is valid OpenAPI 3.1', async () => {
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('lists exactly the routes the controllers declare', () => {
    assert.deepEqual(documentedRoutes(document), declaredRoutes([IngestController, OperationsController, ApiDocsController]));
  });

  it('states the configured limits', () => {
    const small = producerOpenApi(loadConfig({ CSV_BATCH_SIZE: '25', MAX_BODY_BYTES: '2048' }));
    assert.match(JSON.stringify(small), /batches of 25 rows/);
    assert.match(JSON.stringify(small), /At most 2048 bytes/);
  });

  it('equals its committed copy (default configuration), docs/api/producer.openapi.json', () => {
    assert.equal(checkCommittedDocument(new URL('producer.openapi.json', DOCS), document), undefined);
  });
});
