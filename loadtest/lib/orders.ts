/**
 * The order records the harness and the k6 scripts send: one source for CSV files on disk
 * (bench), CSV bodies built in memory (k6) and single messages. Every record is valid for the
 * default processor, so that a run measures the success path.
 *
 * This module uses no k6 or Node API.
 */

export const ORDER_CSV_HEADER = 'orderNumber,productName,quantity,price';

/** Data row `index` (1-based) of an order CSV, without its line end. */
export function orderCsvRow(index: number, prefix = 'ORD'): string {
  return `${prefix}-${index},Product ${index % 1000},${(index % 5) + 1},${(index % 50) + 0.5}`;
}

/** A whole CSV file of `rows` orders, header first, `\n` line ends. */
export function orderCsv(rows: number, prefix = 'ORD'): string {
  const lines = [ORDER_CSV_HEADER];
  for (let index = 1; index <= rows; index += 1) lines.push(orderCsvRow(index, prefix));
  return `${lines.join('\n')}\n`;
}
