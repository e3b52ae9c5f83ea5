/** JSON over HTTP, as a user's client sends it. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/** A multipart upload with the CSV in field `file`. */
export async function postCsv(url: string, content: string | Uint8Array<ArrayBuffer>, field = 'file'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const form = new FormData();
  form.append(field, new Blob([content], { type: 'text/csv' }), 'orders.csv');
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function order(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { orderNumber: 'ORD-1', productName: 'Widget', quantity: 2, price: 9.99, ...overrides };
}

/** A CSV of `rows` valid orders with a header row. */
export function ordersCsv(rows: number, lineEnd = '\n'): string {
  const lines = ['orderNumber,productName,quantity,price'];
  for (let index = 1; index <= rows; index += 1) lines.push(`ORD-${index},Product ${index},${(index % 5) + 1},${(index % 50) + 0.5}`);
  return lines.join(lineEnd) + lineEnd;
}
