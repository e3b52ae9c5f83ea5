import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postCsv, postJson } from './support/http.js';
import { endOffsetTotal } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';

const HEADER = 'orderNumber,productName,quantity,price';

describe('the producer refuses bad input with a 4xx that says what is wrong, and writes nothing', () => {
  let pipeline: Pipeline;
  let single: string;
  let csv: string;

  before(async () => {
    pipeline = await Pipeline.start({ gateways: 0, consumers: 1, env: { MAX_BODY_BYTES: '2048', MAX_UPLOAD_BYTES: '4096' } });
    single = `${pipeline.producerUrl}/producers/send/single`;
    csv = `${pipeline.producerUrl}/producers/upload/csv`;
  });
  after(() => pipeline?.stop());

  const raw = (body: string | undefined, contentType?: string) =>
    fetch(single, { method: 'POST', ...(contentType ? { headers: { 'content-type': contentType } } : {}), ...(body === undefined ? {} : { body }) }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }),
    );

  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string, RegExp]> = [
    ['malformed JSON', () => raw('{"orderNumber": ', 'application/json'), 400, 'INVALID_JSON', /not valid JSON/],
    ['a JSON array', () => postJson(single, [1, 2]), 400, 'BODY_NOT_OBJECT', /must be a JSON object, got an array/],
    ['a JSON string', () => postJson(single, '"text"'), 400, 'BODY_NOT_OBJECT', /got a string/],
    ['an empty body', () => raw(undefined, 'application/json'), 400, 'EMPTY_BODY', /empty/],
    ['an empty object', () => postJson(single, {}), 400, 'EMPTY_BODY', /no fields/],
    ['text/plain', () => raw('orderNumber=1', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', /Content-Type/],
    ['no content type', () => raw(undefined), 415, 'UNSUPPORTED_MEDIA_TYPE', /application\/json/],
    ['a body over MAX_BODY_BYTES', () => postJson(single, { orderNumber: 'x'.repeat(4_000) }), 413, 'PAYLOAD_TOO_LARGE', /limit/],
    ['a CSV without header', () => postCsv(csv, 'A-1,Widget,2,9.99\n'), 400, 'CSV_HEADER_INVALID', /first row must be a header/],
    ['a CSV with a ragged row', () => postCsv(csv, `${HEADER}\nA,x,1,2\nB,y,3\n`), 400, 'CSV_RAGGED_ROW', /Row 3 .*"price" is missing/],
    ['an empty CSV', () => postCsv(csv, ''), 400, 'CSV_EMPTY', /empty/],
    ['binary garbage', () => postCsv(csv, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])), 400, 'CSV_NOT_TEXT', /binary|UTF-8/],
    ['a file over MAX_UPLOAD_BYTES', () => postCsv(csv, `${HEADER}\n${'A,x,1,2\n'.repeat(1_000)}`), 413, 'PAYLOAD_TOO_LARGE', /limit/],
    ['a file in another field', () => postCsv(csv, `${HEADER}\nA,x,1,2\n`, 'upload'), 400, 'VALIDATION_FAILED', /upload/],
    ['JSON sent to the CSV endpoint', () => postJson(csv, { a: 1 }), 400, 'CSV_FILE_MISSING', /multipart\/form-data field "file"/],
  ];

  for (const [name, send, status, code, message] of cases) {
    it(`${name}: ${status} ${code}`, async () => {
      const response = await send();
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body['code'], code);
      assert.equal(response.body['statusCode'], status);
      assert.match(String(response.body['message']), message);
      assert.doesNotMatch(JSON.stringify(response.body), /at .*\.js:\d+|stack/i, 'no stack trace');
    });
  }

  it('names the row and column of a ragged CSV row in details', async () => {
    const response = await postCsv(csv, `${HEADER}\nA,x,1,2\nB,y,3\n`);
    assert.deepEqual(response.body['details'], { row: 3, column: 'price' });
  });

  it('wrote nothing to Kafka for any of them', async () => {
    assert.equal(await endOffsetTotal(pipeline.topics.messages), 0n);
  });
});
