import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SocketTokens } from '@flowcast/common/auth';
import { order, ordersCsv } from './support/http.js';
import { readTopic } from './support/kafka.js';
import { Pipeline } from './support/pipeline.js';
import { endlessRequest } from './support/slow-request.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const KEY_C = 'key-c-0123456789abcdef';
const SECRET = 'producer-security-test-secret-0123456789';
const RATE_LIMIT_MAX = 12;
const HEADER = 'orderNumber,productName,quantity,price';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe("the producer's HTTP edge with API keys, a rate limit and a request deadline", () => {
  let pipeline: Pipeline;
  let base: string;
  /** Kafka messages the producer accepted (202): a single message is one, an upload its batches. */
  let accepted = 0;
  /** Every error answer, checked at the end for stack traces and addresses. */
  const errors: Answer[] = [];

  const send = async (path: string, init: RequestInit): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    const answer = { status: response.status, headers: response.headers, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
    if (answer.status === 202) accepted += path.endsWith('/csv') ? Number(answer.body['batchCount']) : 1;
    else if (answer.status >= 400) errors.push(answer);
    return answer;
  };
  const single = (headers: Record<string, string> = {}, body: unknown = order()) =>
    send('/producers/send/single', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const csv = (headers: Record<string, string> = {}, content = ordersCsv(5)) => {
    const form = new FormData();
    form.append('file', new Blob([content], { type: 'text/csv' }), 'orders.csv');
    return send('/producers/upload/csv', { method: 'POST', headers, body: form });
  };

  before(async () => {
    pipeline = await Pipeline.start({
      consumers: 0,
      gateways: 0,
      env: {
        API_KEYS: `${KEY_A}, ${KEY_B},${KEY_C}`,
        RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
        RATE_LIMIT_WINDOW_MS: '600000',
        REQUEST_TIMEOUT_MS: '1500',
        SOCKET_AUTH_SECRET: SECRET,
        CSV_BATCH_SIZE: '2',
        MAX_BODY_BYTES: '4096',
        MAX_UPLOAD_BYTES: '16384',
      },
    });
    base = pipeline.producerUrl;
  });
  after(() => pipeline?.stop());

  it('answers 401 without a key, on both ingest routes, with a WWW-Authenticate challenge', async () => {
    for (const answer of [await single(), await csv()]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.body['code'], 'UNAUTHORIZED');
      assert.match(String(answer.body['message']), /Authorization: Bearer <key> or X-API-Key/);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="flowcast"');
    }
  });

  it('answers 401 to a wrong key, in either header, saying the token is invalid', async () => {
    const wrong: Array<Record<string, string>> = [{ authorization: 'Bearer not-a-key-0123456789' }, { 'x-api-key': `${KEY_A}x` }, { authorization: `Basic ${KEY_A}` }];
    for (const headers of wrong) {
      const answer = await single(headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.equal(answer.body['code'], 'UNAUTHORIZED');
    }
    assert.equal((await single({ 'x-api-key': 'wrong-key-0123456789' })).headers.get('www-authenticate'), 'Bearer realm="flowcast", error="invalid_token"');
  });

  it('accepts a key as Authorization: Bearer or X-API-Key; each 202 carries a token for exactly what it accepted', async () => {
    const tokens = new SocketTokens(SECRET);
    const bearer = await single({ authorization: `Bearer ${KEY_A}` });
    assert.equal(bearer.status, 202, JSON.stringify(bearer.body));
    const grant = await tokens.verify(String(bearer.body['socketToken']));
    assert.deepEqual([grant.logs, grant.uploads], [[bearer.body['logId']], []]);
    assert.ok(grant.expiresAt > Date.now() + 3_000_000, 'SOCKET_TOKEN_TTL_SECONDS: an hour');

    const header = await csv({ 'x-api-key': KEY_B });
    assert.equal(header.status, 202, JSON.stringify(header.body));
    assert.equal(header.body['batchCount'], 3);
    const uploadGrant = await tokens.verify(String(header.body['socketToken']));
    assert.deepEqual([uploadGrant.uploads, uploadGrant.logs], [[header.body['uploadId']], []]);
  });

  it('leaves /healthz, /readyz, /metrics, /docs and CORS preflights open', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/docs', '/docs/openapi.json']) {
      assert.equal((await fetch(`${base}${path}`)).status, 200, path);
    }
    const preflight = await fetch(`${base}/producers/send/single`, {
      method: 'OPTIONS',
      headers: { origin: 'http://dashboard.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
  });

  it('lets a page of another origin read why it was refused: a 401 carries the CORS headers', async () => {
    const refused = await single({ origin: 'http://dashboard.test' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), 'http://dashboard.test');
    assert.equal(refused.headers.get('access-control-allow-credentials'), 'true');
    assert.match(refused.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
    // Without Origin it is no CORS request: only Vary, for caches.
    const plain = await single();
    assert.equal(plain.status, 401);
    assert.equal(plain.headers.get('vary'), 'Origin');
    for (const name of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers']) assert.equal(plain.headers.get(name), null, name);
  });

  it(`answers 429 with Retry-After after ${RATE_LIMIT_MAX} requests of one key; another key is not affected`, async () => {
    const statuses: number[] = [];
    for (let sent = 0; sent <= RATE_LIMIT_MAX; sent += 1) statuses.push((await single({ 'x-api-key': KEY_C })).status);
    const limited = await single({ 'x-api-key': KEY_C });
    assert.deepEqual(statuses.filter((status) => status === 202).length, RATE_LIMIT_MAX, JSON.stringify(statuses));
    assert.equal(statuses.at(-1), 429);
    assert.equal(limited.status, 429);
    assert.equal(limited.body['code'], 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 600, `Retry-After ${limited.headers.get('retry-after')}`);
    assert.equal((limited.body['details'] as Record<string, unknown>)['retryAfterSeconds'], retryAfter);
    assert.equal((await single({ authorization: `Bearer ${KEY_A}` })).status, 202, 'key A has a budget of its own');
  });

  it('answers 408 to an upload that never ends, closes its connection, and accepts nothing of it', async () => {
    const boundary = 'flowcast-endless';
    const answer = await endlessRequest(`${base}/producers/upload/csv`, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-api-key': KEY_A },
      first: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="endless.csv"\r\nContent-Type: text/csv\r\n\r\n${HEADER}\n`,
      // Rows keep coming: batches of two are written in the upload's transaction as they fill.
      chunk: 'ORD-X,Endless,1,1\n',
      everyMs: 20,
    });
    assert.equal(answer.status, 408, JSON.stringify(answer.body));
    assert.equal(answer.body['code'], 'REQUEST_TIMEOUT');
    assert.match(String(answer.body['message']), /did not arrive within 1\.5 s: nothing of it was accepted/);
    assert.equal(answer.headers['connection'], 'close');
  });

  it('answers 408 to a JSON body that never ends', async () => {
    const answer = await endlessRequest(`${base}/producers/send/single`, {
      headers: { 'content-type': 'application/json', 'x-api-key': KEY_A },
      first: '{"orderNumber":"',
      chunk: 'x',
      everyMs: 200,
    });
    assert.equal(answer.status, 408);
    assert.equal(answer.body['code'], 'REQUEST_TIMEOUT');
  });

  it('holds the size limits on every ingest route, whatever the content type: 413 or 415, never accepted', async () => {
    const key = { 'x-api-key': KEY_B };
    const big = 'x'.repeat(20_000);
    const cases: Array<[string, () => Promise<Answer>, number]> = [
      ['JSON over MAX_BODY_BYTES to /single', () => single(key, order({ productName: big })), 413],
      ['JSON over MAX_BODY_BYTES to /csv', () => send('/producers/upload/csv', { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify({ big }) }), 413],
      ['a file over MAX_UPLOAD_BYTES to /csv', () => csv(key, `${HEADER}\n${'ORD,Widget,1,1\n'.repeat(2_000)}`), 413],
      ['multipart to /single', () => send('/producers/send/single', { method: 'POST', headers: key, body: formOf(big) }), 415],
      ['text/plain to /single', () => send('/producers/send/single', { method: 'POST', headers: { ...key, 'content-type': 'text/plain' }, body: big }), 415],
      ['text/plain to /csv', () => send('/producers/upload/csv', { method: 'POST', headers: { ...key, 'content-type': 'text/plain' }, body: big }), 415],
    ];
    for (const [name, attempt, status] of cases) {
      const answer = await attempt();
      assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
    }
  });

  it('sends security headers with every answer: a strict CSP, nosniff, no framing, no referrer; HSTS over HTTPS only', async () => {
    const overHttps = { 'x-forwarded-proto': 'https' };
    const answers = [
      await single({ 'x-api-key': KEY_B }),
      await single(),
      await fetch(`${base}/docs`),
      await fetch(`${base}/no/such/route`),
      await single({ 'x-api-key': KEY_B, ...overHttps }),
      await single(overHttps),
      await fetch(`${base}/docs`, { headers: overHttps }),
    ];
    for (const [index, answer] of answers.entries()) {
      assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(answer.headers.get('x-frame-options'), 'DENY');
      assert.equal(answer.headers.get('referrer-policy'), 'no-referrer');
      // RFC 6797 §7.2: never over plain HTTP; over HTTPS ended at a proxy that says so, always.
      assert.equal(answer.headers.get('strict-transport-security'), index < 4 ? null : 'max-age=31536000', `answer ${index}`);
    }
  });

  it('sends the headers that only act on documents with its page only, not with every JSON answer', async () => {
    const page = await fetch(`${base}/docs`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /style-src 'unsafe-inline'/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('x-permitted-cross-domain-policies'), 'none');
    await page.body?.cancel();
    const json = await single();
    assert.equal(json.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(json.headers.get('cross-origin-opener-policy'), null);
    assert.equal(json.headers.get('x-permitted-cross-domain-policies'), null);
  });

  it('limits key guessing per address: wrong keys from one client end in 429 too', async () => {
    let answer: Answer | undefined;
    for (let attempt = 0; attempt <= RATE_LIMIT_MAX; attempt += 1) {
      answer = await single({ 'x-api-key': `guess-${attempt}-0123456789abcdef` });
      if (answer.status === 429) break;
      assert.equal(answer.status, 401);
    }
    assert.equal(answer?.status, 429, 'limited before running out of attempts');
  });

  it('no error answer carries a stack trace, a file path or an address', async () => {
    errors.push(await send('/no/such/route', {}));
    assert.ok(errors.length >= 15, `${errors.length} error answers seen`);
    for (const { body } of errors) {
      assert.deepEqual(Object.keys(body).filter((key) => !['statusCode', 'code', 'message', 'details'].includes(key)), []);
      assert.doesNotMatch(JSON.stringify(body), /\.[jt]s:\d+|node_modules|file:\/\/|\/work\/|\/app\/|127\.0\.0\.1|localhost:\d+/);
    }
  });

  it('Kafka holds exactly the accepted messages: nothing of the refused, limited or timed-out requests', async () => {
    const records = await readTopic(pipeline.topics.messages, { expected: accepted + 1, idleMs: 1_500 });
    assert.equal(records.length, accepted);
  });
});

function formOf(content: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([content], { type: 'text/csv' }), 'orders.csv');
  return form;
}
