import { pipeline, type Readable } from 'node:stream';
import { HttpException } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse';
import { FlowcastError, type IngestRecord } from '@flowcast/common/contracts';
import { TextGuard } from './text-guard.js';

export interface CsvReadOptions {
  batchSize: number;
  /** Most bytes a batch's records may take as JSON: a larger batch is split, a larger row refused. */
  maxRecordsBytes?: number;
  maxRecordBytes: number;
  maxColumns: number;
  requiredColumns: readonly string[];
  maxUploadBytes: number;
}

/** Consecutive data rows of a CSV file; `firstRow` is the file row of `records[0]`. */
export interface CsvBatch {
  records: IngestRecord[];
  firstRow: number;
}

/**
 * Streams a CSV file into batches of `batchSize` records keyed by the header's column names,
 * holding at most one batch in memory. Rows count records as the parser sees them, the header
 * being row 1; empty lines are not rows, and rows of blank fields are skipped. Every problem is
 * a FlowcastError naming row and column.
 */
export async function* readCsvBatches(source: Readable, options: CsvReadOptions): AsyncGenerator<CsvBatch> {
  const { maxRecordsBytes } = options;
  for await (const { batch, jsonBytesAtMost } of readRowBatches(source, options)) {
    // A batch that cannot reach the limit, even were every character escaped, is not serialized to check.
    if (maxRecordsBytes === undefined || jsonBytesAtMost <= maxRecordsBytes) yield batch;
    else yield* fitting(batch, maxRecordsBytes);
  }
}

/** A batch of rows, and a bound on the size of its records as JSON. */
interface RowBatch {
  batch: CsvBatch;
  jsonBytesAtMost: number;
}

/** At most this many UTF-8 bytes in JSON per UTF-16 code unit of a string (`\u001f`). */
const JSON_BYTES_PER_CHAR = 6;

/**
 * The batch as it is when its records fit in `maxBytes` as JSON (a Kafka message's limit), or
 * split in halves until each part does; a row that does not fit alone is refused (413).
 */
function* fitting(batch: CsvBatch, maxBytes: number): Generator<CsvBatch> {
  const bytes = Buffer.byteLength(JSON.stringify(batch.records));
  if (bytes <= maxBytes) {
    yield batch;
    return;
  }
  if (batch.records.length === 1) {
    throw new FlowcastError('PAYLOAD_TOO_LARGE', `Row ${batch.firstRow} is ${bytes} bytes as a Kafka message; at most ${maxBytes} are allowed per row`, {
      details: { row: batch.firstRow, limitBytes: maxBytes },
    });
  }
  const half = Math.ceil(batch.records.length / 2);
  yield* fitting({ records: batch.records.slice(0, half), firstRow: batch.firstRow }, maxBytes);
  yield* fitting({ records: batch.records.slice(half), firstRow: batch.firstRow + half }, maxBytes);
}

async function* readRowBatches(source: Readable, options: CsvReadOptions): AsyncGenerator<RowBatch> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: options.maxRecordBytes,
  });
  // Errors of the upload or of the text guard reach the loop below through the parser.
  pipeline(source, new TextGuard(), parser, () => undefined);

  let header: string[] | undefined;
  // What a record's JSON holds besides its values' characters: braces, keys, quotes, colons, commas.
  let recordJsonOverhead = 0;
  // Whether records may be built by assignment: a `__proto__` column would set the prototype.
  let assignable = true;
  let row = 0;
  let hasRows = false;
  let batch: CsvBatch = { records: [], firstRow: 2 };
  let valueChars = 0;
  const closeBatch = (nextRow: number): RowBatch => {
    const closed = { batch, jsonBytesAtMost: 2 + batch.records.length * recordJsonOverhead + valueChars * JSON_BYTES_PER_CHAR };
    batch = { records: [], firstRow: nextRow };
    valueChars = 0;
    return closed;
  };
  try {
    // Each record the parser gives is a row (empty lines are not records). Its `info` option would
    // say so too, at the cost of a copied object per row (a fifth of the parsing time).
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      if (record.every((field) => field.trim() === '')) {
        // Rows of a batch stay consecutive, so that each record's file row is firstRow + index.
        if (batch.records.length > 0) yield closeBatch(row + 1);
        continue;
      }
      if (header === undefined) {
        header = validateHeader(record, options);
        recordJsonOverhead = 3 + header.reduce((bytes, column) => bytes + Buffer.byteLength(JSON.stringify(column)) + 4, 0);
        assignable = !header.includes('__proto__');
        continue;
      }
      if (record.length !== header.length) throw raggedRow(record, header, row);
      hasRows = true;
      if (batch.records.length === 0) batch.firstRow = row;
      for (const value of record) valueChars += value.length;
      batch.records.push(assignable ? recordOf(header, record) : Object.fromEntries(header.map((column, index) => [column, record[index]])));
      if (batch.records.length === options.batchSize) yield closeBatch(row + 1);
    }
  } catch (error) {
    // The parser may fail ahead of the records handed out so far: its own count is exact.
    const parsed = error instanceof CsvError && typeof error['records'] === 'number' ? error['records'] : row;
    throw translateError(error, parsed + 1, options);
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
  if (header === undefined) {
    throw new FlowcastError('CSV_EMPTY', 'The file is empty: the first row must be a header naming the columns');
  }
  if (batch.records.length > 0) yield closeBatch(row + 1);
  else if (!hasRows) throw new FlowcastError('CSV_NO_ROWS', 'The file has a header but no data rows', { details: { row: 2 } });
}

function recordOf(header: readonly string[], fields: readonly string[]): IngestRecord {
  const record: IngestRecord = {};
  for (let index = 0; index < header.length; index += 1) record[header[index]!] = fields[index];
  return record;
}

function validateHeader(record: string[], options: CsvReadOptions): string[] {
  if (record.length > options.maxColumns) {
    throw new FlowcastError(
      'CSV_HEADER_INVALID',
      `The header has ${record.length} columns; at most ${options.maxColumns} are allowed`,
      { details: { row: 1 } },
    );
  }
  const header = record.map((name) => name.trim());
  const seen = new Map<string, number>();
  for (const [index, name] of header.entries()) {
    if (name === '') {
      throw new FlowcastError('CSV_HEADER_INVALID', `Column ${index + 1} of the header has no name`, {
        details: { row: 1, column: String(index + 1) },
      });
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new FlowcastError(
        'CSV_HEADER_INVALID',
        `Column "${name}" appears twice in the header (columns ${earlier + 1} and ${index + 1})`,
        { details: { row: 1, column: name } },
      );
    }
    seen.set(name, index);
  }
  const missing = options.requiredColumns.filter((column) => !seen.has(column));
  if (missing.length > 0) {
    throw new FlowcastError(
      'CSV_HEADER_INVALID',
      `The header is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ` +
        `the first row must be a header naming the columns (${options.requiredColumns.join(', ')})`,
      { details: { row: 1, column: missing[0]! } },
    );
  }
  return header;
}

function raggedRow(record: string[], header: string[], row: number): FlowcastError {
  const tooFew = record.length < header.length;
  const column = tooFew ? header[record.length]! : `${header.length + 1}`;
  const what = tooFew ? `column "${column}" is missing` : `column ${column} has no header`;
  return new FlowcastError(
    'CSV_RAGGED_ROW',
    `Row ${row} has ${record.length} field${record.length === 1 ? '' : 's'} but the header has ${header.length} columns: ${what}`,
    { details: { row, column } },
  );
}

function translateError(error: unknown, row: number, options: CsvReadOptions): unknown {
  if (error instanceof FlowcastError) return error;
  if (error instanceof HttpException && error.getStatus() === 413) {
    return new FlowcastError('PAYLOAD_TOO_LARGE', `The file is larger than the ${options.maxUploadBytes}-byte limit`, {
      details: { limitBytes: options.maxUploadBytes },
    });
  }
  if (error instanceof CsvError) {
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      return new FlowcastError('PAYLOAD_TOO_LARGE', `Row ${row} is larger than the ${options.maxRecordBytes}-byte limit per row`, {
        details: { row, limitBytes: options.maxRecordBytes },
      });
    }
    const line = error['lines'];
    const where = typeof line === 'number' ? ` (line ${line})` : '';
    return new FlowcastError('CSV_MALFORMED', `Row ${row}${where} is not valid CSV: ${describeCsvError(error)}`, {
      details: { row },
    });
  }
  return error;
}

function describeCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote is followed by other characters; double quotes inside a quoted field as ""';
    default:
      return error.message.replace(/^[^:]*:\s*/, '');
  }
}
