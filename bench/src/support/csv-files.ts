import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { ORDER_CSV_HEADER, orderCsvRow } from '#loadtest/orders.js';
import { ROOT } from '../config.js';

/**
 * A CSV file of `rows` valid orders on disk (generated once, kept in .cache/bench/), so that
 * Flowcast and the baseline stream the very same bytes from disk and no run holds a file in
 * memory.
 */
export async function orderCsvFile(rows: number): Promise<string> {
  const dir = `${ROOT}.cache/bench`;
  const path = `${dir}/orders-${rows}.csv`;
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.part`;
  const out = createWriteStream(partial);
  let chunk = `${ORDER_CSV_HEADER}\n`;
  for (let index = 1; index <= rows; index += 1) {
    chunk += `${orderCsvRow(index)}\n`;
    if (chunk.length >= 64 * 1024 || index === rows) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
  renameSync(partial, path);
  return path;
}
