import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { order, ordersCsv, postCsv } from './support/http.js';
import { produceRaw, readTopic } from './support/kafka.js';
import { report } from './support/load.js';
import { Pipeline } from './support/pipeline.js';
import { endlessRequest } from './support/slow-request.js';
import { waitFor } from './support/wait.js';

const KIB = 1024;
const LIMITS = {
  MAX_BODY_BYTES: 64 * KIB,
  MAX_UPLOAD_BYTES: 4 * KIB * KIB,
  CSV_MAX_RECORD_BYTES: 64 * KIB,
  // Small, so that splitting batches and refusing what Kafka cannot hold is cheap to reach.
  KAFKA_MAX_MESSAGE_BYTES: 100_000,
};
const CLEAR_REFUSALS = new Set([400, 408, 413, 415]);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Every 2xx of the run: what it says it accepted, to find in Kafka afterwards. */
const acceptedUploads: Array<{ logIds: string[]; totalRows: number }> = [];
const acceptedSingles: string[] = [];
const statuses = new Map<number, number>();

function note(answer: Answer, kind: 'csv' | 'json'): Answer {
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  if (answer.status === 202 && kind === 'csv') acceptedUploads.push({ logIds: answer.body['logIds'] as string[], totalRows: answer.body['totalRows'] as number });
  if (answer.status === 202 && kind === 'json') acceptedSingles.push(String(answer.body['logId']));
  return answer;
}

/** A 2xx, or a 4xx that says what is wrong; never a 5xx, never a hang. */
function assertClear(answer: Answer, what: string): void {
  assert.ok(answer.status === 202 || CLEAR_REFUSALS.has(answer.status), `${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  if (answer.status !== 202) {
    assert.equal(answer.body['statusCode'], answer.status);
    assert.equal(typeof answer.body['code'], 'string');
    assert.ok(String(answer.body['message']).length > 0);
  }
}

describe('hostile input to the producer: any bytes get a 2xx or a clear 4xx, and a 2xx is all in Kafka', () => {
  let pipeline: Pipeline;
  let single: string;
  let csv: string;

  before(async () => {
    pipeline = await Pipeline.start({
      gateways: 0,
      env: { ...Object.fromEntries(Object.entries(LIMITS).map(([name, value]) => [name, String(value)])), CSV_REQUIRED_COLUMNS: 'none', CSV_BATCH_SIZE: '50', REQUEST_TIMEOUT_MS: '2000' },
    });
    single = `${pipeline.producerUrl}/producers/send/single`;
    csv = `${pipeline.producerUrl}/producers/upload/csv`;
  });
  after(() => pipeline?.stop());

  const upload = async (content: string | Uint8Array<ArrayBuffer>): Promise<Answer> => note(await postCsv(csv, content), 'csv');
  const post = async (body: string | Uint8Array<ArrayBuffer>, contentType = 'application/json'): Promise<Answer> => {
    const response = await fetch(single, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(15_000) });
    return note({ status: response.status, body: (await response.json()) as Record<string, unknown> }, 'json');
  };

  it('any CSV upload (property-based: bytes, CSV-like text, quotes, line ends, BOM, invalid UTF-8)', async () => {
    const field = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.constantFrom('', ' ', '"', '""', '"a,b"', '"two\nlines"', '"unclosed', 'x"y', '\t', '\u00a0', '\uFEFF', '\u0000', '\\', 'é', '😀'),
      fc.nat({ max: 2_000 }).map((length) => 'z'.repeat(length)),
    );
    const ending = fc.constantFrom('\n', '\r\n', '\r', '');
    const text = fc
      .tuple(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 25 }), ending, fc.boolean())
      .map(([rows, end, bom]) => (bom ? '\uFEFF' : '') + rows.map((row) => row.join(',')).join(end) + end);
    const spoiled = fc.tuple(text, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat()).map(([content, garbage, at]) => {
      const bytes = Buffer.from(content);
      const position = bytes.length === 0 ? 0 : at % bytes.length;
      return new Uint8Array(Buffer.concat([bytes.subarray(0, position), Buffer.from(garbage), bytes.subarray(position)]));
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 3_000 }), text, spoiled), async (content) => {
        assertClear(await upload(content as string | Uint8Array<ArrayBuffer>), 'upload');
      }),
      { numRuns: 200 },
    );
  });

  it('any well-formed CSV (property-based): accepted, counting exactly its rows that are not blank', async () => {
    const quoted = (value: string) => (/[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value);
    const cell = fc.oneof(fc.string({ maxLength: 15 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('', ' ', 'a,b', 'say "hi"', 'two\nlines', '😀'));
    const file = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), { minLength: 1, maxLength: 6 }).chain((header) =>
      fc.tuple(fc.constant(header), fc.array(fc.array(cell, { minLength: header.length, maxLength: header.length }), { minLength: 1, maxLength: 130 }), fc.constantFrom('\n', '\r\n')),
    );
    await fc.assert(
      fc.asyncProperty(file, async ([header, rows, end]) => {
        const content = [header, ...rows].map((row) => row.map(quoted).join(',')).join(end) + end;
        const answer = await upload(content);
        const counted = rows.filter((row) => row.some((value) => value.trim() !== '')).length;
        if (counted === 0) return assert.equal(answer.body['code'], 'CSV_NO_ROWS');
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        assert.equal(answer.body['totalRows'], counted);
      }),
      { numRuns: 100 },
    );
  });

  it('any JSON body (property-based: bytes, any JSON value, objects of any shape)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2_000 }).map((bytes) => new Uint8Array(bytes)),
          fc.jsonValue({ maxDepth: 40 }).map((value) => JSON.stringify(value)),
          fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 4 }), { minKeys: 1, maxKeys: 30 }).map((value) => JSON.stringify(value)),
          fc.string({ maxLength: 200 }),
        ),
        async (body) => {
          assertClear(await post(body), 'body');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hand-written: huge fields, millions of columns, deep nesting, invalid UTF-8, prototype keys', async () => {
    const row = (bytes: number) => `${'x'.repeat(bytes)},1`;
    const cases: Array<[string, () => Promise<Answer>, number, string?]> = [
      ['a JSON field of the whole body limit', () => post(JSON.stringify({ note: 'x'.repeat(LIMITS.MAX_BODY_BYTES - 20) })), 202],
      ['a JSON field of invalid UTF-8 that triples as a Kafka message', () => post(Buffer.concat([Buffer.from('{"note":"'), Buffer.alloc(60 * KIB, 0xff), Buffer.from('"}')]) as Uint8Array<ArrayBuffer>), 413, 'PAYLOAD_TOO_LARGE'],
      ['a body over the limit', () => post(JSON.stringify({ note: 'x'.repeat(LIMITS.MAX_BODY_BYTES) })), 413, 'PAYLOAD_TOO_LARGE'],
      ['JSON nested 33 levels', () => post(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`), 400, 'VALIDATION_FAILED'],
      ['JSON nested 10,000 levels', () => post(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), 400, 'VALIDATION_FAILED'],
      ['JSON arrays nested 30,000 levels', () => post(`{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}`), 400, 'VALIDATION_FAILED'],
      ['a __proto__ key', () => post('{"__proto__":{"admin":true},"orderNumber":"A"}'), 400, 'INVALID_JSON'],
      ['5,000 keys', () => post(JSON.stringify(Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`k${index}`, index])))), 202],
      ['a CSV row over CSV_MAX_RECORD_BYTES', () => upload(`a,b\n${row(200 * KIB)}\n`), 413, 'PAYLOAD_TOO_LARGE'],
      ['CSV rows that fill a Kafka message each', () => upload(`a,b\n${Array.from({ length: 6 }, () => row(60 * KIB)).join('\n')}\n`), 202],
      ['a header of a million columns', () => upload(`${Array.from({ length: 1_000_000 }, (_, index) => `c${index}`).join(',')}\n1\n`), 413, 'PAYLOAD_TOO_LARGE'],
      ['a header of 1,001 columns', () => upload(`${Array.from({ length: 1_001 }, (_, index) => `c${index}`).join(',')}\n`), 400, 'CSV_HEADER_INVALID'],
      ['a row of two million fields', () => upload(`a\n${'1,'.repeat(2_000_000)}\n`), 413, 'PAYLOAD_TOO_LARGE'],
      ['invalid UTF-8 in a CSV', () => upload(new Uint8Array([...Buffer.from('a,b\n1,'), 0xc3, 0x28, 0x0a])), 400, 'CSV_NOT_TEXT'],
      ['a CSV with a NUL byte', () => upload(new Uint8Array([...Buffer.from('a,b\n1,'), 0x00, 0x0a])), 400, 'CSV_NOT_TEXT'],
    ];
    for (const [name, send, status, code] of cases) {
      const answer = await send();
      assertClear(answer, name);
      assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      if (code !== undefined) assert.equal(answer.body['code'], code, name);
    }
    const split = acceptedUploads.at(-1)!;
    assert.equal(split.logIds.length, 6, 'rows that fill a Kafka message each went in six batches');
  });

  it('a never-ending upload gets a 408 while the producer goes on accepting others', async () => {
    const boundary = 'flowcast-never-ending';
    const endless = endlessRequest(csv, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      first: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="endless.csv"\r\nContent-Type: text/csv\r\n\r\na,b\n`,
      chunk: '1,2\n',
      everyMs: 50,
    });
    assertClear(await upload(ordersCsv(10)), 'an upload beside it');
    const answer = await endless;
    assert.equal(answer.status, 408);
    assert.equal(answer.body['code'], 'REQUEST_TIMEOUT');
  });

  it('Kafka holds every row of every 2xx, each once, and nothing else', async (t) => {
    const records = await readTopic(pipeline.topics.messages, { idleMs: 2_000 });
    const byKey = new Map(records.map((record) => [record.key, JSON.parse(record.value) as { records: unknown[] }]));
    assert.equal(byKey.size, records.length, 'each message once');
    const expected = acceptedSingles.length + acceptedUploads.reduce((sum, accepted) => sum + accepted.logIds.length, 0);
    assert.equal(records.length, expected, 'nothing but the accepted messages');
    for (const logId of acceptedSingles) assert.equal(byKey.get(logId)?.records.length, 1);
    for (const { logIds, totalRows } of acceptedUploads) {
      assert.equal(logIds.reduce((sum, logId) => sum + (byKey.get(logId)?.records.length ?? 0), 0), totalRows);
    }
    assert.ok(pipeline.producer!.running);
    assert.deepEqual(pipeline.producer!.lines.filter((line) => line['level'] === 'error' || line['level'] === 'fatal'), [], 'nothing failed inside the producer');
    report(t, {
      test: 'hostile input (producer)',
      requests: [...statuses.values()].reduce((sum, count) => sum + count, 0),
      byStatus: Object.fromEntries(statuses),
      acceptedUploads: acceptedUploads.length,
      acceptedRows: acceptedUploads.reduce((sum, accepted) => sum + accepted.totalRows, 0),
      acceptedSingles: acceptedSingles.length,
      inKafka: records.length,
    });
  });

  it('the worker dead-letters hostile records written around the producer, and goes on', async () => {
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    await produceRaw(pipeline.topics.messages, 'deep', deep);
    await produceRaw(pipeline.topics.messages, 'huge', JSON.stringify({ logId: 'not-a-uuid', note: 'x'.repeat(300 * KIB) }));
    const deepOrder = JSON.stringify({ logId: '00000000-0000-4000-8000-000000000001', producedAt: new Date().toISOString(), dataType: 'SINGLE_MESSAGE', records: [{ ...order(), quantity: 'DEEP' }] });
    await produceRaw(pipeline.topics.messages, '00000000-0000-4000-8000-000000000001', deepOrder.replace('"DEEP"', `${'['.repeat(20_000)}1${']'.repeat(20_000)}`));
    const dead = await waitFor('two dead letters', async () => {
      const letters = await readTopic(pipeline.topics.deadLetter, { idleMs: 1_000 });
      return letters.length >= 2 ? letters : undefined;
    }, { timeoutMs: 30_000 });
    for (const letter of dead) {
      const original = (JSON.parse(letter.value) as { original: { truncated?: boolean } }).original;
      assert.equal(original.truncated, true, `${letter.key}: only the start of what a Kafka message could not hold again`);
    }
    // The order nested too deep fails with an error that stays short; the worker is not stuck.
    const results = await readTopic(pipeline.topics.messageEvents, { idleMs: 1_000 });
    const failed = results.find((record) => record.key === '00000000-0000-4000-8000-000000000001' && record.value.includes('processing-failed'));
    assert.match(failed!.value, /nested too deep to show/);
    assert.ok(failed!.value.length < 2_000);
  });
});
