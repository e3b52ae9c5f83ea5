import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { FlowcastError } from '@flowcast/common/contracts';
import { readCsvBatches, type CsvBatch, type CsvReadOptions } from './csv-batches.js';

const options: CsvReadOptions = {
  batchSize: 2,
  maxRecordBytes: 1024,
  maxColumns: 10,
  requiredColumns: ['orderNumber', 'productName', 'quantity', 'price'],
  maxUploadBytes: 1_000_000,
};
const HEADER = 'orderNumber,productName,quantity,price';

async function read(content: string | Buffer | Buffer[], overrides: Partial<CsvReadOptions> = {}): Promise<CsvBatch[]> {
  const chunks = Array.isArray(content) ? content : [Buffer.from(content)];
  const batches: CsvBatch[] = [];
  for await (const batch of readCsvBatches(Readable.from(chunks), { ...options, ...overrides })) batches.push(batch);
  return batches;
}

async function rejection(content: string | Buffer, overrides: Partial<CsvReadOptions> = {}): Promise<FlowcastError> {
  try {
    await read(content, overrides);
  } catch (error) {
    assert.ok(error instanceof FlowcastError, `expected a FlowcastError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the CSV to be refused');
}

describe('readCsvBatches', () => {
  it('groups rows into batches keyed by the header, with each batch’s first file row', async () => {
    const batches = await read(`${HEADER}\nA,x,1,2\nB,y,3,4\nC,z,5,6\n`);
    assert.deepEqual(
      batches.map((batch) => [batch.firstRow, batch.records.map((record) => record['orderNumber'])]),
      [
        [2, ['A', 'B']],
        [4, ['C']],
      ],
    );
    assert.deepEqual(batches[0]!.records[0], { orderNumber: 'A', productName: 'x', quantity: '1', price: '2' });
  });

  it('handles a BOM, CRLF, quoted fields with commas, quotes and newlines, and blank lines', async () => {
    const content = `\ufeff${HEADER}\r\n"A-1","Widget, large",2,9.99\r\n\r\n   \r\nA-2,"Say ""hi""\nagain",1,1\nA-3,x,1,1`;
    const records = (await read(content, { batchSize: 10 })).flatMap((batch) => batch.records);
    assert.deepEqual(
      records.map((record) => record['productName']),
      ['Widget, large', 'Say "hi"\nagain', 'x'],
    );
    assert.equal(Object.keys(records[0]!)[0], 'orderNumber', 'the BOM is not part of the first column name');
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from(`${HEADER}\nA,Café crème,1,2\n`);
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    const [batch] = await read([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(batch!.records[0]!['productName'], 'Café crème');
  });

  it('takes a character of up to 4 bytes cut anywhere by the chunks, and refuses a file that ends inside one', async () => {
    const bytes = Buffer.from(`${HEADER}\nA,😀 €,1,2\n`);
    const start = bytes.indexOf(Buffer.from('😀'));
    for (let cut = start; cut <= start + 7; cut += 1) {
      const [batch] = await read([bytes.subarray(0, cut), bytes.subarray(cut, cut + 1), bytes.subarray(cut + 1)]);
      assert.equal(batch!.records[0]!['productName'], '😀 €', `cut at byte ${cut}`);
    }
    const truncated = await rejection(Buffer.concat([Buffer.from(`${HEADER}\nA,x,1,2\n`), Buffer.from('😀').subarray(0, 2)]));
    assert.equal(truncated.code, 'CSV_NOT_TEXT');
  });

  it('refuses a ragged row, naming its row and the missing column', async () => {
    const error = await rejection(`${HEADER}\nA,x,1,2\nB,y,3\n`);
    assert.equal(error.code, 'CSV_RAGGED_ROW');
    assert.deepEqual(error.details, { row: 3, column: 'price' });
    assert.match(error.message, /Row 3 has 3 fields but the header has 4 columns/);
  });

  it('refuses a row with more fields than the header', async () => {
    const error = await rejection(`${HEADER}\nA,x,1,2,extra\n`);
    assert.equal(error.code, 'CSV_RAGGED_ROW');
    assert.deepEqual(error.details, { row: 2, column: '5' });
  });

  it('refuses a file without a header row, naming the missing columns', async () => {
    const error = await rejection('A-1,Widget,2,9.99\nA-2,Gadget,1,5\n');
    assert.equal(error.code, 'CSV_HEADER_INVALID');
    assert.match(error.message, /first row must be a header/);
  });

  it('refuses duplicate and empty column names', async () => {
    assert.equal((await rejection(`${HEADER},price\nA,x,1,2,3\n`)).details?.column, 'price');
    assert.deepEqual((await rejection(`${HEADER},,note\n`)).details, { row: 1, column: '5' });
  });

  it('refuses an empty file and a header without rows', async () => {
    assert.equal((await rejection('')).code, 'CSV_EMPTY');
    assert.equal((await rejection('\n\n')).code, 'CSV_EMPTY');
    assert.equal((await rejection(`${HEADER}\n`)).code, 'CSV_NO_ROWS');
  });

  it('refuses binary content and invalid UTF-8', async () => {
    assert.equal((await rejection(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).code, 'CSV_NOT_TEXT');
    const invalid = await rejection(Buffer.concat([Buffer.from(`${HEADER}\nA,`), Buffer.from([0xc3, 0x28]), Buffer.from(',1,2\n')]));
    assert.equal(invalid.code, 'CSV_NOT_TEXT');
    assert.match(invalid.message, /not valid UTF-8/);
  });

  it('refuses an unclosed quote as malformed, with the row', async () => {
    const error = await rejection(`${HEADER}\nA,"never closed,1,2\n`);
    assert.equal(error.code, 'CSV_MALFORMED');
    assert.equal(error.details?.row, 2);
  });

  it('refuses a row over the size limit and a header over the column limit', async () => {
    const long = await rejection(`${HEADER}\nA,${'x'.repeat(2_000)},1,2\n`);
    assert.equal(long.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(long.details?.row, 2);
    const wide = await rejection(`${HEADER},${Array.from({ length: 20 }, (_, index) => `c${index}`).join(',')}\n`);
    assert.equal(wide.code, 'CSV_HEADER_INVALID');
  });

  it('accepts any header when no column is required', async () => {
    const [batch] = await read('a,b\n1,2\n', { requiredColumns: [] });
    assert.deepEqual(batch!.records, [{ a: '1', b: '2' }]);
  });

  it('keeps a column named __proto__ as a field, not as the prototype', async () => {
    const [batch] = await read('a,__proto__\n1,2\n', { requiredColumns: [] });
    assert.equal(JSON.stringify(batch!.records), '[{"a":"1","__proto__":"2"}]');
    assert.equal(Object.getPrototypeOf(batch!.records[0]), Object.prototype);
  });
});

describe('readCsvBatches row numbers', () => {
  it('keeps the rows of a batch consecutive around rows of blank fields', async () => {
    const batches = await read(`${HEADER}\nA,x,1,2\n,,,\nB,y,1,2\nC,z,1,2\n`, { batchSize: 10 });
    assert.deepEqual(
      batches.map((batch) => [batch.firstRow, batch.records.length]),
      [
        [2, 1],
        [4, 2],
      ],
    );
  });

  it('splits (in halves) a batch whose rows are too large for one Kafka message, and refuses a row too large alone, by its row', async () => {
    const row = (name: string, bytes: number) => `${name},${'x'.repeat(bytes)},1,2`;
    const batches = await read(`${HEADER}\n${row('A', 300)}\n${row('B', 300)}\n${row('C', 10)}\n`, { batchSize: 3, maxRecordsBytes: 500 });
    assert.deepEqual(
      batches.map((batch) => [batch.firstRow, batch.records.map((record) => record['orderNumber'])]),
      [
        [2, ['A']],
        [3, ['B']],
        [4, ['C']],
      ],
    );
    const refused = await rejection(`${HEADER}\n${row('A', 10)}\n${row('B', 600)}\n`, { maxRecordsBytes: 500 });
    assert.equal(refused.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(refused.details, { row: 3, limitBytes: 500 });
  });
});

describe('readCsvBatches under a Kafka message limit', () => {
  // Characters whose JSON takes 1 (ASCII), 2 (\"), 6 (\u0001) and up to 4 UTF-8 bytes (é, emoji).
  const alphabet = ['a', 'Z', '7', ' ', '"', '\\', '\u0001', '\u001f', '\t', 'é', '€', '😀', ','];

  it('yields only batches whose records fit as JSON, in file order, whatever their characters', async () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % below;
    };
    // Some fields are all control characters: their JSON is six times their length.
    const character = (controls: boolean) => (controls ? '\u0001' : alphabet[random(alphabet.length)]!);
    const field = () => {
      const controls = random(3) === 0;
      return `"${Array.from({ length: random(40) }, () => character(controls)).join('').replaceAll('"', '""')}"`;
    };
    for (let file = 0; file < 40; file += 1) {
      const rows = Array.from({ length: 1 + random(30) }, () => [field(), field(), random(9), random(99)].join(','));
      const maxRecordsBytes = 1_200 + random(3_000);
      const batches = await read(`${HEADER}\n${rows.join('\n')}\n`, { batchSize: 1 + random(12), maxRecordsBytes, maxRecordBytes: 10_000 });
      let nextRow = 2;
      for (const batch of batches) {
        assert.ok(Buffer.byteLength(JSON.stringify(batch.records)) <= maxRecordsBytes, `file ${file}: a batch over ${maxRecordsBytes} bytes`);
        assert.equal(batch.firstRow, nextRow, `file ${file}: rows in order, none lost`);
        nextRow += batch.records.length;
      }
      assert.equal(nextRow, rows.length + 2, `file ${file}: every row`);
    }
  });
});
