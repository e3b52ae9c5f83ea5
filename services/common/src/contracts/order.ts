import { z } from 'zod';

/** CSV text that `orderRecordSchema` reads as a whole number, and as a number. */
export const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
export const DECIMAL_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/;

/** A whole number written as a JSON number or, from CSV, as decimal text. */
const integerFromCsv = z.preprocess(
  (value) => (typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value),
  z.int({ error: 'must be a whole number' }),
);
/** A finite number written as a JSON number or, from CSV, as decimal text. */
const numberFromCsv = z.preprocess(
  (value) =>
    typeof value === 'string' && DECIMAL_TEXT.test(value) ? Number(value) : value,
  z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number'),
);
/** Longest order text field, in UTF-16 code units once trimmed. */
export const MAX_ORDER_TEXT = 500;
const requiredText = z
  .string({ error: 'is required' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_ORDER_TEXT, `must be at most ${MAX_ORDER_TEXT} characters`);

/** The order record the default processor accepts, from JSON or from a CSV row. */
export const orderRecordSchema = z.object({
  orderNumber: requiredText,
  productName: requiredText,
  quantity: integerFromCsv.pipe(z.int().positive('must be a positive whole number')),
  price: numberFromCsv.pipe(z.number().nonnegative('must not be negative')),
});
export type OrderRecord = z.infer<typeof orderRecordSchema>;
export const ORDER_FIELDS = ['orderNumber', 'productName', 'quantity', 'price'] as const;

/** Wire format of topic `orders.processed`, keyed `logId:row`. */
export const processedOrderSchema = z.object({
  logId: z.uuid(),
  uploadId: z.uuid().optional(),
  /** Row of the record in its source: the CSV file row (header is row 1), or 1 for a single message. */
  row: z.int().positive(),
  orderNumber: z.string(),
  productName: z.string(),
  quantity: z.int().positive(),
  price: z.number().nonnegative(),
  /** quantity × price, rounded to cents. */
  lineTotal: z.number().nonnegative(),
  processedAt: z.iso.datetime(),
});
export type ProcessedOrder = z.infer<typeof processedOrderSchema>;

export function processedOrderKey(logId: string, row: number): string {
  return `${logId}:${row}`;
}
