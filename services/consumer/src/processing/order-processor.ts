import {
  FlowcastError,
  parseOrderRecord,
  processedOrderKey,
  sourceRowOf,
  type IngestEnvelope,
  type ProcessedOrder,
} from '@flowcast/common/contracts';
import type { OutgoingRecord } from '@flowcast/common/kafka';
import type { ProcessingContext, ProcessingResult, Processor } from './processor.js';

const MAX_LISTED_PROBLEMS = 5;
const MAX_PREVIEW_CHARS = 60;

/** A bad value as an error message shows it: short, whatever its size or depth. */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return 'a value nested too deep to show';
  }
  return text.length > MAX_PREVIEW_CHARS ? `${text.slice(0, MAX_PREVIEW_CHARS)}… (${text.length} characters)` : text;
}

/**
 * The default processor: validates order records (orderNumber, productName, quantity,
 * price; CSV text converted), computes each line total and writes the normalised orders to
 * `orders.processed`, keyed `logId:row`. A message with any invalid record fails whole,
 * naming the rows and fields, and writes nothing.
 */
export class OrderProcessor implements Processor {
  readonly dataTypes = ['SINGLE_MESSAGE', 'CSV_BATCH'] as const;

  constructor(private readonly ordersTopic: string) {}

  process(envelope: IngestEnvelope, context: ProcessingContext): ProcessingResult {
    const problems: string[] = [];
    let firstProblem: { row: number; field: string } | undefined;
    const records: OutgoingRecord[] = [];
    const processedAt = context.now.toISOString();
    const uploadId = envelope.dataType === 'CSV_BATCH' ? envelope.uploadId : undefined;

    for (let index = 0; index < envelope.records.length; index += 1) {
      const record = envelope.records[index]!;
      const row = sourceRowOf(envelope, index);
      const parsed = parseOrderRecord(record);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? 'record');
          firstProblem ??= { row, field };
          const got = field in record ? ` (got ${preview(record[field])})` : '';
          problems.push(`${envelope.dataType === 'CSV_BATCH' ? `row ${row}, ` : ''}${field}: ${issue.message}${got}`);
        }
        continue;
      }
      const { orderNumber, productName, quantity, price } = parsed.data;
      const value: ProcessedOrder = {
        logId: envelope.logId,
        row,
        orderNumber,
        productName,
        quantity,
        price,
        lineTotal: Math.round(quantity * price * 100) / 100,
        processedAt,
      };
      if (uploadId !== undefined) value.uploadId = uploadId;
      records.push({ topic: this.ordersTopic, key: processedOrderKey(envelope.logId, row), value });
    }

    if (firstProblem !== undefined) {
      const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
      const more = problems.length > MAX_LISTED_PROBLEMS ? ` (and ${problems.length - MAX_LISTED_PROBLEMS} more)` : '';
      throw new FlowcastError('INVALID_RECORD', `Invalid order: ${listed}${more}`, {
        details: { ...(envelope.dataType === 'CSV_BATCH' ? { row: firstProblem.row } : {}), field: firstProblem.field },
      });
    }
    return { records };
  }
}
